"""Video: trends to narrated videos to YouTube (the third product on the platform)."""
