"""Page image encodings: the lossless page PNG, and the one exported file per page that
the PDF and the CBZ both carry.

* Monochrome pages are screentone art: JPEG smears the dots and still weighs ~500 KB a
  page, so they are set in 16 grey levels and stored as a 4-bit greyscale PNG (the
  page PNG itself, exported unchanged; ~300 KB). The PDF holds the same pixels.
* Colour pages are exported as one JPEG (quality :data:`JPEG_QUALITY`, ~300 KB); the PDF
  embeds those very bytes (fpdf2 copies a JPEG into a DCTDecode stream unchanged), so
  ``page-001.jpg`` in the CBZ and page 1 of the PDF are the same file.

Encoded exports are cached by page PNG, so writing the PDF and then the CBZ of an
episode encodes each page once.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

GREY_LEVELS = 16
JPEG_QUALITY = 82  # ~300 KB a page; 85 with optimize is 2 % smaller and 3× slower
PNG_LEVEL = 2  # zlib level: fast, still reasonably small
_STEP = 255 // (GREY_LEVELS - 1)  # 17: a 4-bit PNG stores grey g as g * 17
_QUANTIZE = [min(GREY_LEVELS - 1, round(v / _STEP)) * _STEP for v in range(256)]


@dataclass(frozen=True)
class PageFile:
    """One exported page image: its extension (``png`` / ``jpg``) and bytes."""

    ext: str
    data: bytes
    size: tuple[int, int]

    @property
    def mime(self) -> str:
        return "image/png" if self.ext == "png" else "image/jpeg"


def grey16(img: Image.Image) -> Image.Image:
    """``img`` in greyscale, rounded to the 16 levels a 4-bit PNG holds."""
    if img.mode != "L":
        img = img.convert("L")
    return img.point(_QUANTIZE)


def encode_page(img: Image.Image, *, monochrome: bool) -> bytes:
    """The lossless page PNG: 4-bit greyscale for monochrome pages, else RGB."""
    buf = io.BytesIO()
    if monochrome:
        grey16(img).save(buf, "PNG", compress_level=PNG_LEVEL, bits=4)
    else:
        rgb = img if img.mode == "RGB" else img.convert("RGB")
        rgb.save(buf, "PNG", compress_level=1, compress_type=zlib.Z_RLE)  # ~20 % faster
    return buf.getvalue()


def _png_header(data: bytes) -> tuple[int, int, int, int] | None:
    """(width, height, bit depth, colour type) of a PNG, None for anything else."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"),
            data[24], data[25])  # fmt: skip


def export_image(img: Image.Image, png: bytes, *, monochrome: bool) -> PageFile:
    """The exported file of a page whose image ``img`` is in memory and whose lossless
    encoding is ``png`` (:func:`encode_page`)."""
    if monochrome:
        head = _png_header(png)
        if head is not None and head[3] == 0 and head[2] <= 4:
            return PageFile("png", png, (head[0], head[1]))  # already 16-level grey
        return PageFile("png", encode_page(img, monochrome=True), img.size)
    buf = io.BytesIO()
    (img if img.mode == "RGB" else img.convert("RGB")).save(buf, "JPEG", quality=JPEG_QUALITY)
    return PageFile("jpg", buf.getvalue(), img.size)


@lru_cache(maxsize=40)  # an episode has at most 40 pages
def _export(png: bytes, monochrome: bool) -> PageFile:
    head = _png_header(png)
    if monochrome and head is not None and head[3] == 0 and head[2] <= 4:
        return PageFile("png", png, (head[0], head[1]))  # no need to decode
    img: Image.Image = Image.open(io.BytesIO(png))
    img.load()
    return export_image(img, png, monochrome=monochrome)


def page_file(png: bytes, *, monochrome: bool) -> PageFile:
    """The exported image of a page given its PNG (cached: the PDF and the CBZ share it)."""
    return _export(png, monochrome)


def page_files(pages: Sequence[tuple[bytes, bool, PageFile | None]]) -> list[PageFile]:
    """The exported file of each (png, monochrome, file made while lettering or None),
    encoding the missing ones on a few threads (Pillow releases the GIL while coding)."""

    def one(item: tuple[bytes, bool, PageFile | None]) -> PageFile:
        png, mono, ready = item
        return ready if ready is not None else page_file(png, monochrome=mono)

    if sum(1 for p in pages if p[2] is None) <= 1:
        return [one(p) for p in pages]
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        return list(pool.map(one, pages))
