"""The REST API (FastAPI). ``create_app()`` builds it; ``lambda_handler`` serves it on Lambda."""
