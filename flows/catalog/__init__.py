"""The catalog's flows: sync (weekly), enrichment with human review, snapshot (weekly)."""
