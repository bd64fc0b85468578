"""Prefect tasks: retry/caching policy plus one call into a service each."""
