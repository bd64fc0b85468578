"""Domain models and pure rules: preferences, story bible, episode script, requests, events."""
