"""The support product's flows: document ingestion and the admin's decision."""
