"""Use cases. Each takes a :class:`~mangaflow.bootstrap.Context` and ids, and returns ids or
blob keys; flows and tasks call these and hold no business logic of their own."""
