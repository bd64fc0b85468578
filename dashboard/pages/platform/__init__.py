"""The platform's pages: overview metrics, Prefect runs, failures and dead letters."""

from dashboard.pages import PageSpec

PAGES = [
    PageSpec("Monitor", "pages/platform/overview.py", "Overview", ":material/monitoring:",
             default=True),
    PageSpec("Monitor", "pages/platform/runs.py", "Runs", ":material/account_tree:", "runs"),
    PageSpec("Monitor", "pages/platform/failures.py", "Failures", ":material/error:", "failures"),
]  # fmt: skip
