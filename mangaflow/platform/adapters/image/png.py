"""Image bytes from a provider, as PNG."""

from __future__ import annotations

import io

from PIL import Image

from mangaflow.platform.errors import ProviderError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_MODES = {"1", "L", "LA", "I", "P", "RGB", "RGBA"}


def to_png(data: bytes, source: str) -> bytes:
    """``data`` as PNG bytes (JPEG, WebP, ... converted); unreadable bytes raise
    ``ProviderError`` naming ``source``."""
    if data.startswith(PNG_SIGNATURE):
        return data
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            png: Image.Image = img if img.mode in _PNG_MODES else img.convert("RGB")
            out = io.BytesIO()
            png.save(out, "PNG", compress_level=3)
            return out.getvalue()
    except Exception as exc:  # noqa: BLE001 - any decoder failure means unusable bytes
        raise ProviderError(f"{source} returned bytes that are not an image ({exc})") from None
