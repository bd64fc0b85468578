"""Page rendering: panel art, borders, balloons, SFX, page number and footer."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from mangaflow.manga.compose.bubbles import BORDER, Bubble, keep_out, place_balloons
from mangaflow.manga.compose.fonts import get_font
from mangaflow.manga.compose.images import PageFile, encode_page, export_image
from mangaflow.manga.compose.layouts import (
    DIRECTIONS,
    PageLayout,
    Rect,
    choose_layout,
    plan_layouts,
)
from mangaflow.manga.compose.placement import View, faces
from mangaflow.manga.compose.sfx import place_sfx
from mangaflow.manga.compose.shapes import draw_balloon
from mangaflow.manga.domain.episode import EpisodeScript, Page, Panel
from mangaflow.manga.domain.story import StoryBible

FOLIO_SIZE, FOOTER_SIZE = 20, 16
GREY = (90, 90, 90)


@dataclass(frozen=True)
class RenderedPage:
    """One lettered page. ``panels`` are pixel rects in reading order. ``png`` is the
    lossless page (4-bit greyscale for monochrome pages, see :mod:`.images`)."""

    number: int
    png: bytes
    layout: str
    panels: list[Rect]
    bubbles: list[Bubble]  # balloons, captions and SFX (kind == "sfx")
    overflow: list[str]  # texts that did not fit (not drawn)
    size: tuple[int, int] = (0, 0)
    panel_numbers: list[int] = field(default_factory=list)  # parallel to ``panels``
    monochrome: bool = False
    #: The exported image (JPEG or 16-grey PNG) when made while lettering; None → made
    #: from ``png`` when exporting.
    export: PageFile | None = field(default=None, repr=False, compare=False)

    @property
    def dimensions(self) -> tuple[int, int]:
        """Pixel size (from ``size`` when known, else read from the PNG)."""
        if self.size[0] and self.size[1]:
            return self.size
        with Image.open(io.BytesIO(self.png)) as img:
            return img.size


def load_art(
    number: int, data: bytes, size: tuple[int, int], *, monochrome: bool
) -> tuple[Image.Image, View]:
    """Decode panel ``number``'s image and cover-crop it to ``size`` (scale to fill, crop
    centre). Returns the fitted image and the visible part of the art (u0, v0, u1, v1)."""
    try:
        img: Image.Image = Image.open(io.BytesIO(data))
        img.draft("RGB", size)  # JPEG: decode at a reduced scale when much larger
        img.load()
    except Exception as exc:  # noqa: BLE001 - any decoder error means unusable bytes
        raise ValueError(f"panel {number}: image bytes are not a readable image ({exc})") from exc
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", img.size, (255, 255, 255))
        img.paste(rgba, (0, 0), rgba)
    target = "L" if monochrome else "RGB"
    if img.mode != target:
        img = img.convert(target)
    tw, th = size
    w, h = img.size
    u0, v0, u1, v1 = cover_view((w, h), size)
    box = (u0 * w, v0 * h, u1 * w, v1 * h)
    # Bilinear: area-aware when shrinking, and art comes near its cell's size (it is
    # requested at the cell's shape), where bicubic looks no better and costs ~40 % more.
    fitted = img.resize((tw, th), Image.Resampling.BILINEAR, box=box, reducing_gap=2.0)
    return fitted, (u0, v0, u1, v1)


def cover_view(art: tuple[int, int], cell: tuple[int, int]) -> View:
    """The part of an ``art``-sized image (u0, v0, u1, v1) that shows when it is scaled
    to fill a ``cell``-sized panel and cropped to its centre."""
    (w, h), (tw, th) = art, cell
    scale = max(tw / w, th / h)
    cw, ch = min(w, tw / scale), min(h, th / scale)
    left, top = max(0.0, (w - cw) / 2), max(0.0, (h - ch) / 2)
    return (left / w, top / h, min(w, left + cw) / w, min(h, top + ch) / h)


def cast_of(panel: Panel, story: StoryBible | None) -> list[str] | None:
    """The characters drawn in the panel: those the story bible knows (as the image
    requests are built), or all of ``panel.characters`` without a bible."""
    if story is None:
        return None
    return [name for name in panel.characters if story.character(name) is not None]


def builds_of(panel: Panel, story: StoryBible | None) -> list[str]:
    """The silhouettes (builds) of the characters drawn in the panel, as :func:`cast_of`."""
    if story is None:
        return []
    return [ch.silhouette for name in panel.characters if (ch := story.character(name))]


def _folio(img: Image.Image, number: int, footer: str, live_bottom: int) -> None:
    d = ImageDraw.Draw(img)
    w, h = img.size
    y = (live_bottom + h) / 2
    d.text((w / 2, y), str(number), font=get_font(FOLIO_SIZE, "text"), fill=GREY, anchor="mm")
    if footer:
        font = get_font(FOOTER_SIZE, "text", footer)
        d.text((round(w * 0.05), y), footer, font=font, fill=GREY, anchor="lm")


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _encode(img: Image.Image, monochrome: bool) -> tuple[bytes, PageFile]:
    """The page PNG, and the file the PDF and CBZ will carry (made while ``img`` is in
    memory, so exporting need not decode the PNG again)."""
    png = encode_page(img, monochrome=monochrome)
    return png, export_image(img, png, monochrome=monochrome)


def _compose(
    page: Page,
    layout: PageLayout,
    arts: Mapping[int, tuple[Image.Image, View]],
    *,
    story: StoryBible | None,
    direction: str,
    monochrome: bool,
    footer: str,
) -> tuple[Image.Image, list[Bubble], list[str]]:
    """Paste art, draw borders, letter every panel, add the folio."""
    img = Image.new("RGB", layout.size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    bubbles: list[Bubble] = []
    overflow: list[str] = []
    for panel, rect in zip(page.panels, layout.rects, strict=True):
        art, view = arts[panel.number]
        img.paste(art, (rect.x0, rect.y0))
        draw.rectangle((rect.x0, rect.y0, rect.x1 - 1, rect.y1 - 1), outline=(0, 0, 0),
                       width=BORDER)  # fmt: skip
        cast, builds = cast_of(panel, story), builds_of(panel, story)
        balloons, lost = place_balloons(panel, rect, direction=direction, seed=panel.number,
                                        cast=cast, view=view, builds=builds)  # fmt: skip
        blocked = [r for b in balloons for r in keep_out(b)]
        seen = faces(panel, rect, cast=cast, view=view, builds=builds)
        sfx, lost_sfx = place_sfx(panel, rect, blocked, seen, monochrome=monochrome)
        for b in balloons:
            draw_balloon(img, b, monochrome=monochrome)
        for b, sfx_img in sfx:
            img.paste(sfx_img, (b.box.x0, b.box.y0), sfx_img)
        bubbles += balloons + [b for b, _ in sfx]
        overflow += lost + lost_sfx
    _folio(img, page.number, footer, max(r.y1 for r in layout.rects))
    return img, bubbles, overflow


def _result(page: Page, layout: PageLayout, encoded: tuple[bytes, PageFile],
            bubbles: list[Bubble], overflow: list[str], monochrome: bool) -> RenderedPage:  # fmt: skip
    png, export = encoded
    return RenderedPage(
        number=page.number,
        png=png,
        export=export,
        layout=layout.name,
        panels=list(layout.rects),
        bubbles=bubbles,
        overflow=overflow,
        size=layout.size,
        panel_numbers=[p.number for p in page.panels],
        monochrome=monochrome,
    )


def _check_images(pages: list[Page], panel_images: Mapping[int, bytes]) -> None:
    missing = [
        f"panel {pn.number} (page {page.number})"
        for page in pages
        for pn in page.panels
        if not panel_images.get(pn.number)
    ]
    if missing:
        raise ValueError(f"missing panel image for {', '.join(missing)}")


def render_page(
    page: Page,
    panel_images: Mapping[int, bytes],
    *,
    direction: str = "rtl",
    monochrome: bool = False,
    footer: str = "",
    previous_layout: str | None = None,
    story: StoryBible | None = None,
    layout: PageLayout | None = None,
) -> RenderedPage:
    """Letter one page (see :func:`render_pages`); pass ``layout`` from
    :func:`~mangaflow.manga.compose.layouts.plan_layouts` to letter pages independently."""
    _check_images([page], panel_images)
    layout = layout or choose_layout(page, direction, previous=previous_layout)
    jobs = list(zip(page.panels, layout.rects, strict=True))

    def fit(job: tuple[Panel, Rect]) -> tuple[Image.Image, View]:
        pn, r = job
        return load_art(pn.number, panel_images[pn.number], (r.w, r.h), monochrome=monochrome)

    with ThreadPoolExecutor(max_workers=min(len(jobs), _workers())) as pool:
        arts = dict(zip([pn.number for pn, _ in jobs], pool.map(fit, jobs), strict=True))
    img, bubbles, overflow = _compose(page, layout, arts, story=story, direction=direction,
                                      monochrome=monochrome, footer=footer)  # fmt: skip
    return _result(page, layout, _encode(img, monochrome), bubbles, overflow, monochrome)


def render_pages(
    script: EpisodeScript,
    story: StoryBible,
    panel_images: Mapping[int, bytes],
    *,
    direction: str = "rtl",
    monochrome: bool = False,
    footer: str = "",
) -> list[RenderedPage]:
    """Letter every page of ``script``. ``panel_images`` maps panel number → image bytes.

    Raises ``ValueError`` naming the panel(s) whose image is missing or unreadable, or
    for an unknown ``direction``. ``story`` tells which of a panel's characters are drawn
    (those in the bible, as for the image requests). Image decoding and PNG encoding run
    on a small thread pool (Pillow releases the GIL there); lettering is sequential.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown reading direction {direction!r} (use rtl, ltr or vertical)")
    _check_images(script.pages, panel_images)
    layouts = plan_layouts(script.pages, direction)
    jobs = [
        (pn.number, rect)
        for page, layout in zip(script.pages, layouts, strict=True)
        for pn, rect in zip(page.panels, layout.rects, strict=True)
    ]

    def fit(job: tuple[int, Rect]) -> tuple[Image.Image, View]:
        number, rect = job
        return load_art(number, panel_images[number], (rect.w, rect.h), monochrome=monochrome)

    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        arts = dict(zip([n for n, _ in jobs], pool.map(fit, jobs), strict=True))
        pending = []
        for page, layout in zip(script.pages, layouts, strict=True):
            img, bubbles, overflow = _compose(page, layout, arts, story=story,
                                              direction=direction, monochrome=monochrome,
                                              footer=footer)  # fmt: skip
            for pn in page.panels:
                del arts[pn.number]
            pending.append((page, layout, pool.submit(_encode, img, monochrome), bubbles, overflow))
        return [
            _result(page, layout, fut.result(), bubbles, overflow, monochrome)
            for page, layout, fut, bubbles, overflow in pending
        ]
