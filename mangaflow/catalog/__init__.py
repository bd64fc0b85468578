"""The catalog product: anime metadata synced from the anime-offline-database, reviewed by a
person, stored under one stable ``anime_id`` in the item store and the vector index, and
searched semantically with structured filters."""
