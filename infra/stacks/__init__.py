"""MangaFlow CDK stacks (SPEC §7): storage, events, API and monitoring."""
