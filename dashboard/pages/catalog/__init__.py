"""The catalog's pages: search, the review queue and the sync history."""

from dashboard.pages import PageSpec

PAGES = [
    PageSpec("Catalog", "pages/catalog/search.py", "Catalog Search", ":material/search:",
             "catalog"),
    PageSpec("Catalog", "pages/catalog/review.py", "Review Queue", ":material/fact_check:",
             "catalog-review"),
    PageSpec("Catalog", "pages/catalog/syncs.py", "Sync History", ":material/sync:",
             "catalog-syncs"),
]  # fmt: skip
