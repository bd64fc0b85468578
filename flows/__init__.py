"""Prefect flows: orchestration only (fan-out, ordering, events, state hooks)."""
