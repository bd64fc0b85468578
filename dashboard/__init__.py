"""MangaFlow's Streamlit dashboard (``streamlit run dashboard/streamlit_app.py`` or
``mangaflow dashboard``): runs, metrics, library, create, batch/continue and failures.

Everything it shows comes through the core (the bootstrap container, the services and the
repository) and the Prefect client; it builds no storage or cloud client of its own.
"""
