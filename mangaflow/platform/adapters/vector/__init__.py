"""Vector index adapters: ``qdrant`` (embedded local mode, a Qdrant server or Qdrant Cloud
through one class), searched exactly in numpy in local mode (:mod:`.exact`)."""
