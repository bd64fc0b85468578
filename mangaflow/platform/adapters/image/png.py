"""Image bytes from a provider, checked and returned as PNG.

An image is accepted only when it decodes completely (Pillow's ``verify()`` — PNG chunk
CRCs — then ``load()`` of every pixel), so a truncated or corrupt answer fails here, at the
adapter, as a retryable ``ProviderUnavailable``, never later in lettering. Bytes Pillow
cannot identify at all are a permanent ``ProviderError`` (the server sends something other
than an image). The provider's size is kept: the page composer cover-fits any size into its
cell, so rescaling here would only add a lossy step.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from mangaflow.platform.errors import ProviderError, ProviderUnavailable

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_MODES = {"1", "L", "LA", "I", "P", "RGB", "RGBA"}


def to_png(data: bytes, source: str) -> bytes:
    """``data`` as PNG bytes (a valid PNG unchanged; JPEG, WebP, ... converted). Bytes that
    are not an image raise ``ProviderError``; an image that does not decode completely
    (truncated, corrupt) raises ``ProviderUnavailable``; both name ``source``."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # structure and checksums, without decoding pixels
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # every pixel: a truncated stream fails here
            if img.format == "PNG" and data.startswith(PNG_SIGNATURE):
                return data
            png: Image.Image = img if img.mode in _PNG_MODES else img.convert("RGB")
            out = io.BytesIO()
            png.save(out, "PNG", compress_level=3)
            return out.getvalue()
    except UnidentifiedImageError:
        raise ProviderError(
            f"{source} returned bytes that are not an image ({len(data)} bytes)"
        ) from None
    except Image.DecompressionBombError as exc:
        raise ProviderError(f"{source} returned an image too large to decode ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure: truncated or corrupt bytes
        raise ProviderUnavailable(
            f"{source} returned an image that does not decode (truncated or corrupt, "
            f"{len(data)} bytes): {type(exc).__name__}: {exc}"
        ) from None
