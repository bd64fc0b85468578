"""The video product's services: topics, trends, the production stages and statistics."""
