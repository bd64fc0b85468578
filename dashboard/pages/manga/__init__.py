"""Manga's pages: the library, creating a story, batches and continuing a story."""

from dashboard.pages import PageSpec

PAGES = [
    PageSpec("Read", "pages/manga/library.py", "Library", ":material/menu_book:", "library"),
    PageSpec("Make", "pages/manga/create.py", "Create", ":material/brush:", "create"),
    PageSpec("Make", "pages/manga/batch_continue.py", "Batch and Continue",
             ":material/playlist_add:", "actions"),
]  # fmt: skip
