"""MangaFlow: personalized manga generation.

The core package. It imports no Prefect, Streamlit or CDK; those live in the
top-level ``flows/``, ``tasks/``, ``dashboard/`` and ``infra/`` packages.
"""

__version__ = "0.1.0"
