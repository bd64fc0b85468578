"""The video product's pages: topics and the budget, trends, and the videos made."""

from dashboard.pages import PageSpec

PAGES = [
    PageSpec("Video", "pages/video/topics.py", "Topics & budget", ":material/topic:",
             "video-topics"),
    PageSpec("Video", "pages/video/trends.py", "Trends", ":material/trending_up:",
             "video-trends"),
    PageSpec("Video", "pages/video/videos.py", "Videos", ":material/movie:", "videos"),
]  # fmt: skip
