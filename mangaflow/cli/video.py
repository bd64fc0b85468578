"""``mangaflow video``: topics (with their estimated cost), trends, making videos (from a topic
or a manga episode), their files, costs and statistics, and the budget."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from mangaflow.cli.common import build_context, console, fail, load_settings, local_prefect, styled
from mangaflow.platform.errors import MangaFlowError

video_app = typer.Typer(
    help="Narrated videos from trends: topics, trends, make, list, show, stats, budget.",
    no_args_is_help=True,
)
topics_app = typer.Typer(help="Topics: what videos are about, and how they are made.",
                         no_args_is_help=True)  # fmt: skip
video_app.add_typer(topics_app, name="topics")

Opt = typer.Option


def _studio(settings: Any = None) -> Any:
    from mangaflow.video.parts import studio

    return studio(build_context(settings or load_settings()))


def _run(call: Any) -> Any:
    try:
        return call()
    except MangaFlowError as exc:
        fail(str(exc) if exc.details and exc.code == "validation_error" else exc.message)


def _topic_data(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None and v != []}


def _print_estimate(estimate: dict[str, Any]) -> None:
    table = Table(title="Estimated cost of one video", header_style="bold")
    for col in ("kind", "provider", "quantity", "unit", "USD"):
        table.add_column(col, justify="right" if col in ("quantity", "USD") else "left")
    for line in estimate["lines"]:
        table.add_row(line["kind"], line["provider"], f"{line['quantity']:g}", line["unit"],
                      f"{line['usd']:.4f}")  # fmt: skip
    table.add_row("total", "", "", "", f"{estimate['total_usd']:.4f}")
    console.print(table)


# ---------------------------------------------------------------------------- topics
@topics_app.command("add")
def topics_add(
    name: Annotated[str, typer.Argument(help="The topic's name, e.g. 'Home espresso'.")],
    keyword: Annotated[list[str], Opt("--keyword", "-k", help="A keyword (repeat; 1-20).")],
    category: Annotated[
        str, Opt(help="education, investing, tourism, technology, health, finance or custom.")
    ] = "custom",
    language: Annotated[str, Opt(help="Language code, e.g. en, es, pt-BR.")] = "en",
    voice: Annotated[str, Opt(help="Speech voice (empty: the provider's default).")] = "",
    style: Annotated[
        str, Opt(help="neutral, calm, energetic, authoritative, friendly.")
    ] = "neutral",
    min_minutes: Annotated[float, Opt(help="Shortest video, minutes (1-20).")] = 5.0,
    max_minutes: Annotated[float, Opt(help="Longest video, minutes (1-20).")] = 10.0,
    aspect: Annotated[str, Opt(help="16:9 or 9:16.")] = "16:9",
    resolution: Annotated[int, Opt(help="720 or 1080.")] = 1080,
    privacy: Annotated[str, Opt(help="private, unlisted or public.")] = "private",
    schedule: Annotated[
        str, Opt(help="manual, daily or weekly (after the 08:00 trends).")
    ] = "manual",
    cap_per_video: Annotated[float, Opt(help="USD cap per video (0: none).")] = 0.0,
    cap_daily: Annotated[float, Opt(help="USD cap per day for this topic (0: none).")] = 0.0,
    cap_monthly: Annotated[float, Opt(help="USD cap per month for this topic (0: none).")] = 0.0,
    topic_id: Annotated[str, Opt("--id", help="Topic id (default: from the name).")] = "",
) -> None:
    """Add a topic; prints it with the estimated cost of one video."""
    from mangaflow.video.services import topics

    st = _studio()
    data = _topic_data(name=name, keywords=keyword, category=category, language=language,
                       voice=voice, style=style, min_minutes=min_minutes,
                       max_minutes=max_minutes, aspect=aspect, resolution=resolution,
                       privacy=privacy, schedule=schedule, cap_per_video_usd=cap_per_video,
                       cap_daily_usd=cap_daily, cap_monthly_usd=cap_monthly,
                       topic_id=topic_id)  # fmt: skip
    topic = _run(lambda: topics.create(st, st.settings.user_id, data))
    console.print(styled("Topic [bold]{id}[/bold] added.", id=topic.topic_id))
    _print_estimate(topics.with_estimate(st, topic)["estimate"])


@topics_app.command("list")
def topics_list() -> None:
    """Your topics with the estimated cost of one video each."""
    from mangaflow.video.services import topics

    st = _studio()
    found = topics.listing(st, st.settings.user_id)
    if not found:
        console.print("No topics yet: add one with `mangaflow video topics add NAME -k KEYWORD`.")
        return
    table = Table(header_style="bold")
    for col in ("id", "name", "category", "minutes", "format", "schedule", "est. USD"):
        table.add_column(col)
    for t in found:
        est = topics.with_estimate(st, t)["estimate"]["total_usd"]
        w, h = t.size
        table.add_row(t.topic_id, t.name, t.category, f"{t.min_minutes:g}-{t.max_minutes:g}",
                      f"{w}x{h}", t.schedule, f"{est:.4f}")  # fmt: skip
    console.print(table)


@topics_app.command("show")
def topics_show(topic_id: str) -> None:
    """One topic as JSON, with its estimate."""
    from mangaflow.video.services import topics

    st = _studio()
    topic = _run(lambda: topics.get(st, st.settings.user_id, topic_id))
    console.print_json(json.dumps(topics.with_estimate(st, topic)))


@topics_app.command("set")
def topics_set(
    topic_id: str,
    change: Annotated[
        list[str],
        typer.Argument(
            help='FIELD=VALUE (JSON values, e.g. max_minutes=8 keywords=\'["a","b"]\').'
        ),
    ],
) -> None:
    """Change fields of a topic (validated; nothing changes if any value is wrong)."""
    from mangaflow.video.services import topics

    changes: dict[str, Any] = {}
    for item in change:
        field, sep, raw = item.partition("=")
        if not sep:
            fail(f"{item!r}: expected FIELD=VALUE", 2)
        try:
            changes[field] = json.loads(raw)
        except json.JSONDecodeError:
            changes[field] = raw
    st = _studio()
    topic = _run(lambda: topics.update(st, st.settings.user_id, topic_id, changes))
    console.print(styled("Topic [bold]{id}[/bold] updated.", id=topic.topic_id))
    _print_estimate(topics.with_estimate(st, topic)["estimate"])


@topics_app.command("delete")
def topics_delete(topic_id: str) -> None:
    """Delete a topic (its videos stay)."""
    from mangaflow.video.services import topics

    st = _studio()
    _run(lambda: topics.delete(st, st.settings.user_id, topic_id))
    console.print(styled("Topic [bold]{id}[/bold] deleted.", id=topic_id))


# ---------------------------------------------------------------------------- trends
@video_app.command()
def trends(topic: Annotated[str, Opt(help="One topic (default: all).")] = "") -> None:
    """Detect today's trends (offline unless MANGAFLOW_VIDEO_TRENDS_PROVIDER=youtube)."""
    from mangaflow.video.services import trends as service

    st = _studio()
    chosen = [t for t in st.store.topics(st.settings.user_id) if not topic or t.topic_id == topic]
    if not chosen:
        fail(f"no topic {topic!r}" if topic else "no topics: add one first", 2)
    for t in chosen:
        report = _run(lambda t=t: service.detect(st, t))
        label = " (offline: deterministic sample trends)" if report.offline else ""
        table = Table(title=f"{t.topic_id} · {report.day}{label}", header_style="bold")
        for col in ("#", "title", "views", "views/h", "likes %", "score"):
            table.add_column(col, justify="left" if col == "title" else "right")
        for i, item in enumerate(report.items, 1):
            table.add_row(str(i), item.title, f"{item.views:,}", f"{item.views_per_hour:,.0f}",
                          f"{item.like_ratio:.1%}", f"{item.score:.2f}")  # fmt: skip
        console.print(table)


# ------------------------------------------------------------------------------ make
@video_app.command()
def make(
    topic: Annotated[str, Opt("--topic", "-t", help="A topic id (see `video topics list`).")] = "",
    name: Annotated[str, Opt(help="Or a new topic's name (with --keyword).")] = "",
    keyword: Annotated[list[str] | None, Opt("--keyword", "-k", help="Keywords of --name.")] = None,
    category: Annotated[str, Opt(help="Category of --name.")] = "custom",
    episode: Annotated[str, Opt(help="Or a manga episode id: a narrated motion comic.")] = "",
    minutes: Annotated[
        float | None, Opt(help="Length in minutes (1-20; default: the topic's range midpoint).")
    ] = None,
    aspect: Annotated[str, Opt(help="16:9 or 9:16 (with --name).")] = "16:9",
    resolution: Annotated[int, Opt(help="720 or 1080 (with --name).")] = 1080,
    seed: Annotated[int, Opt(help="Seed of the offline writer and art.")] = 0,
    out: Annotated[Path | None, Opt(help="Copy the MP4, captions and thumbnail here.")] = None,
    verbose: Annotated[bool, Opt("--verbose", "-v", help="Show Prefect logs.")] = False,
) -> None:
    """Make one narrated video end to end: script, stills, narration, render, publish."""
    from mangaflow.cli.manga import check_out
    from mangaflow.video.services import produce, topics

    if sum(bool(x) for x in (topic, name, episode)) != 1:
        fail("give exactly one of --topic, --name (with --keyword) or --episode", 2)
    check_out(out)
    settings = load_settings()
    from mangaflow.platform.runtime import prepare_prefect_env

    prepare_prefect_env(settings, quiet=not verbose)
    started = time.perf_counter()
    st = _studio(settings)
    user = settings.user_id
    if name:
        from mangaflow.video.domain import slugify

        existing = {t.topic_id for t in st.store.topics(user)}
        data = _topic_data(name=name, keywords=keyword or [name], category=category,
                           aspect=aspect, resolution=resolution)  # fmt: skip
        if slugify(name) in existing:
            topic = slugify(name)
            _run(lambda: topics.update(st, user, topic, {k: v for k, v in data.items()
                                                          if k != "name"}))  # fmt: skip
        else:
            topic = _run(lambda: topics.create(st, user, data)).topic_id
    req, video = _run(lambda: produce.request_video(st, user, topic_id=topic, minutes=minutes,
                                                    episode_id=episode, seed=seed))  # fmt: skip
    est = req.params["estimate"]["total_usd"]
    console.print(styled("Video [bold]{v}[/bold] · request {r} · estimated {e} USD",
                         v=video.video_id, r=req.request_id, e=f"{est:.4f}"))  # fmt: skip
    _produce(st, req.request_id)
    _report(st, video.video_id, out, time.perf_counter() - started)


def _produce(st: Any, request_id: str) -> None:
    from mangaflow.cli.progress import RichProgress

    c = st.c
    with local_prefect(st.settings), RichProgress(console) as progress:
        c.progress = progress
        from flows.platform.dispatch import HANDLERS
        from flows.platform.local import no_heartbeats

        try:
            if getattr(c.bus, "in_process", False):
                with no_heartbeats():
                    c.bus.drain(HANDLERS)
        except KeyboardInterrupt:
            from mangaflow.video.services import produce

            progress.progress.stop()
            produce.fail(st, request_id, "interrupted by the user (Ctrl-C)")
            fail(f"interrupted; request {request_id} marked FAILED; what is done is kept: "
                 f"`mangaflow video resume {request_id}` continues it.", 130)  # fmt: skip
        except Exception as exc:  # the request holds the cause; show it, not a traceback
            progress.progress.stop()
            failed = c.requests.get_request(request_id)
            fail(f"request {request_id} {failed.status}: {failed.error or exc}")


def _report(st: Any, video_id: str, out: Path | None, seconds: float) -> None:
    from mangaflow.video.render.probe import probe
    from mangaflow.video.services import finish

    info = finish.describe(st, video_id)
    if info["status"] != "PUBLISHED":
        req = st.c.requests.get_request(info["request_id"])
        fail(f"video {video_id} ended {info['status']}: {req.error or req.status}")
    paths: dict[str, Path] = {}
    for kind, key in info["files"].items():
        if kind == "mezzanine":
            continue
        local = Path(st.blobs.locate(key))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            target = out / Path(key).name
            if local.exists():
                shutil.copyfile(local, target)
            else:
                st.blobs.get_file(key, target)
            local = target
        paths[kind] = local
    media = probe(paths["mp4"]) if paths["mp4"].exists() else None
    offline = " (offline providers)" if info["offline"] else ""
    console.print(styled("[bold green]Video {v}[/bold green]{o}: {t}", v=video_id, o=offline,
                         t=info["title"]))  # fmt: skip
    if media is not None:
        console.print(styled(
            "{w}x{h} {vc}/{ac} · video {vd} s · audio {ad} s · faststart {f}",
            w=media.width, h=media.height, vc=media.video_codec, ac=media.audio_codec,
            vd=f"{media.video_duration_s:.2f}", ad=f"{media.audio_duration_s:.2f}",
            f="yes" if media.faststart else "no"))  # fmt: skip
    console.print(styled("Cost {c} USD (estimated {e}) · published to {p}: {u} · {s} s",
                         c=f"{info['recorded_cost_usd']:.4f}", e=f"{info['estimate_usd']:.4f}",
                         p=info["publish"].get("publisher", "?"),
                         u=info["publish"].get("url", ""), s=f"{seconds:.1f}"))  # fmt: skip
    for kind, label in (("mp4", "MP4"), ("srt", "SRT"), ("vtt", "VTT"),
                        ("thumbnail", "Thumbnail")):  # fmt: skip
        if kind in paths:
            console.print(f"{label}: {paths[kind]}")


@video_app.command()
def resume(
    request_id: str, out: Annotated[Path | None, Opt(help="Copy the results here.")] = None
) -> None:
    """Continue a failed or interrupted video request from where it stopped (nothing done is
    paid for twice)."""
    from mangaflow.video.services import produce

    settings = load_settings()
    started = time.perf_counter()
    st = _studio(settings)
    req = _run(lambda: produce.resume(st, settings.user_id, request_id))
    console.print(styled("Request [bold]{r}[/bold] resumed at stage {s}.", r=request_id,
                         s=req.stage))  # fmt: skip
    _produce(st, request_id)
    _report(st, req.params["video_id"], out, time.perf_counter() - started)


# --------------------------------------------------------------------- videos, budget
@video_app.command("list")
def list_videos(limit: Annotated[int, Opt(help="How many.")] = 20) -> None:
    """Your videos, newest first."""
    st = _studio()
    found = st.store.videos(st.settings.user_id, limit=limit)
    if not found:
        console.print("No videos yet: `mangaflow video make --name NAME -k KEYWORD --minutes 1`.")
        return
    table = Table(header_style="bold")
    for col in ("video", "status", "title", "length", "USD", "published"):
        table.add_column(col)
    for v in found:
        table.add_row(v.video_id, v.status, v.title[:50], f"{v.duration_s:.0f} s",
                      f"{v.cost_usd:.4f}", v.publish.get("url", ""))  # fmt: skip
    console.print(table)


@video_app.command()
def show(video_id: str) -> None:
    """A video's record with its cost per kind of call (as JSON)."""
    from mangaflow.video.services import finish

    st = _studio()
    info = _run(lambda: finish.describe(st, video_id))
    if info["user_id"] != st.settings.user_id:
        fail(f"no video {video_id!r}")
    console.print_json(json.dumps(info))


@video_app.command()
def stats(
    video_id: str, label: Annotated[str, Opt(help="Label of the snapshot.")] = "manual"
) -> None:
    """Record a published video's views, likes and comments now."""
    from mangaflow.video.services import finish

    st = _studio()
    row = _run(lambda: finish.record_stats(st, video_id, label, st.settings.user_id))
    console.print(styled("{l}: {v} views, {k} likes, {c} comments", l=label, v=row["views"],
                         k=row["likes"], c=row["comments"]))  # fmt: skip


@video_app.command()
def budget() -> None:
    """Spend today and this month against the caps, your topics' spend, recent alerts."""
    from mangaflow.video.services import queries

    st = _studio()
    view = queries.budget_overview(st, st.settings.user_id)
    table = Table(title="Video spend (USD)", header_style="bold")
    for col in ("what", "spent", "cap"):
        table.add_column(col)

    def row(label: str, period: dict[str, Any]) -> None:
        cap = period.get("cap_usd") or 0
        table.add_row(label, f"{period['spent_usd']:.4f}", f"{cap:.2f}" if cap else "none")

    row(f"all videos, today {view['day']}", view["today"])
    row(f"all videos, month {view['month']}", view["month_to_date"])
    for t in view["topics"]:
        row(f"topic {t['topic_id']}, today", t["today"])
        row(f"topic {t['topic_id']}, month", t["month"])
    console.print(table)
    for alert in view["alerts"][:5]:
        console.print(styled("[yellow]alert[/yellow] {m}", m=alert["message"]))


@video_app.command()
def probe(path: Path) -> None:
    """Streams of a media file: codecs, size, durations, faststart (PyAV; no ffprobe needed)."""
    from dataclasses import asdict

    from mangaflow.video.render.probe import probe as probe_file

    if not path.is_file():
        fail(f"no such file {path}", 2)
    try:
        console.print_json(json.dumps(asdict(probe_file(path)), default=str))
    except Exception as exc:  # noqa: BLE001 - a file PyAV cannot read
        fail(f"{path} is not a readable media file: {exc}")
