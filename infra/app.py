#!/usr/bin/env python3
"""MangaFlow CDK entry point: ``cdk synth|deploy -c stage=dev|staging|prod`` (default dev).

The app (``stacks/mangaflow_app.py``) is the platform's stacks (``stacks/platform/``) plus each
product's (``stacks/<product>.py``, listed once in ``PRODUCT_STACKS``); every product's event
routes come from ``mangaflow.products.routes()``, so this needs the project installed."""

from __future__ import annotations

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stacks.mangaflow_app import build_app  # noqa: E402

app, _ = build_app()
app.synth()
