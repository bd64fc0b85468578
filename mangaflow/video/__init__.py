"""Video: trends to narrated videos on YouTube, with budgets (the third product)."""
