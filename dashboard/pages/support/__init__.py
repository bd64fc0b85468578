"""The support product's pages: documents and approvals, conversations, tickets."""

from dashboard.pages import PageSpec

PAGES = [
    PageSpec("Support", "pages/support/documents.py", "Documents & approvals",
             ":material/library_books:", "support-documents"),
    PageSpec("Support", "pages/support/conversations.py", "Conversations", ":material/forum:",
             "support-conversations"),
    PageSpec("Support", "pages/support/tickets.py", "Tickets", ":material/support_agent:",
             "support-tickets"),
]  # fmt: skip
