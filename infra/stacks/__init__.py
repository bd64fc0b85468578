"""MangaFlow's CDK stacks: the platform's under ``platform/`` (shared by every product), then
one module per product (``manga.py``) with what only that product deploys;
``mangaflow_app.py`` builds them all for one stage."""
