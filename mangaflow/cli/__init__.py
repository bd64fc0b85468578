"""``mangaflow``: the command line of every product on the platform. Manga's commands are at
the top level (``generate``, ``status``…); each later product adds its own group here
(``mangaflow catalog …``), the one place a product's CLI plugs in."""

from __future__ import annotations

import sys

import typer

from mangaflow.cli import catalog, dlq, manga, platform, support, video

app = typer.Typer(
    name="mangaflow",
    help="MangaFlow: personalized manga, from preferences to a lettered PDF and CBZ.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
manga.register(app)
platform.register(app)
app.add_typer(dlq.dlq_app, name="dlq")
app.add_typer(catalog.catalog_app, name="catalog")
app.add_typer(video.video_app, name="video")
app.add_typer(support.support_app, name="support")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
