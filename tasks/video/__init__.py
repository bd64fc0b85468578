"""The video product's tasks."""
