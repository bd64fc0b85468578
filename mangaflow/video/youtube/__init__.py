"""The YouTube Data API v3: credentials (:mod:`.auth`), the daily quota ledger
(:mod:`.quota`) and the read-only client for trends and statistics (:mod:`.data`)."""
