"""Page rendering: panel art, borders, balloons, SFX, page number and footer."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from mangaflow.compose.bubbles import BORDER, Bubble, keep_out, place_balloons
from mangaflow.compose.fonts import get_font
from mangaflow.compose.layouts import DIRECTIONS, PageLayout, Rect, choose_layout, plan_layouts
from mangaflow.compose.sfx import place_sfx
from mangaflow.compose.shapes import draw_balloon
from mangaflow.compose.staging import View, faces
from mangaflow.domain.episode import EpisodeScript, Page, Panel
from mangaflow.domain.story import StoryBible

PNG_LEVEL = 2  # zlib level: fast, still reasonably small
FOLIO_SIZE, FOOTER_SIZE = 20, 16
GREY = (90, 90, 90)


@dataclass(frozen=True)
class RenderedPage:
    """One lettered page. ``panels`` are pixel rects in reading order."""

    number: int
    png: bytes
    layout: str
    panels: list[Rect]
    bubbles: list[Bubble]  # balloons, captions and SFX (kind == "sfx")
    overflow: list[str]  # texts that did not fit (not drawn)
    size: tuple[int, int] = (0, 0)
    panel_numbers: list[int] = field(default_factory=list)  # parallel to ``panels``
    monochrome: bool = False

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
    scale = max(tw / w, th / h)
    cw, ch = min(w, tw / scale), min(h, th / scale)
    left, top = max(0.0, (w - cw) / 2), max(0.0, (h - ch) / 2)
    box = (left, top, min(w, left + cw), min(h, top + ch))
    # Pillow's downscaling filters are area-aware; bilinear is plenty and ~40 % faster.
    method = Image.Resampling.BILINEAR if scale < 1 else Image.Resampling.BICUBIC
    fitted = img.resize((tw, th), method, box=box, reducing_gap=2.0)
    return fitted, (box[0] / w, box[1] / h, box[2] / w, box[3] / h)


def cast_of(panel: Panel, story: StoryBible | None) -> list[str] | None:
    """The characters drawn in the panel: those the story bible knows (as the image
    requests are built), or all of ``panel.characters`` without a bible."""
    if story is None:
        return None
    return [name for name in panel.characters if story.character(name) is not None]


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


def _encode(img: Image.Image, monochrome: bool) -> bytes:
    if monochrome:
        img = img.convert("L")
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


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
        cast = cast_of(panel, story)
        balloons, lost = place_balloons(panel, rect, direction=direction, seed=panel.number,
                                        cast=cast, view=view)  # fmt: skip
        blocked = [r for b in balloons for r in keep_out(b)]
        sfx, lost_sfx = place_sfx(panel, rect, blocked, faces(panel, rect, cast=cast, view=view),
                                  monochrome=monochrome)  # fmt: skip
        for b in balloons:
            draw_balloon(img, b, monochrome=monochrome)
        for b, sfx_img in sfx:
            img.paste(sfx_img, (b.box.x0, b.box.y0), sfx_img)
        bubbles += balloons + [b for b, _ in sfx]
        overflow += lost + lost_sfx
    _folio(img, page.number, footer, max(r.y1 for r in layout.rects))
    return img, bubbles, overflow


def _result(page: Page, layout: PageLayout, png: bytes, bubbles: list[Bubble],
            overflow: list[str], monochrome: bool) -> RenderedPage:  # fmt: skip
    return RenderedPage(
        number=page.number,
        png=png,
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
    :func:`~mangaflow.compose.layouts.plan_layouts` to letter pages independently."""
    _check_images([page], panel_images)
    layout = layout or choose_layout(page, direction, previous=previous_layout)
    arts = {
        pn.number: load_art(pn.number, panel_images[pn.number], (r.w, r.h), monochrome=monochrome)
        for pn, r in zip(page.panels, layout.rects, strict=True)
    }
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
