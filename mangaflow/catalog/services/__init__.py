"""The catalog's use cases: sync, images, enrichment and review, search, snapshots."""
