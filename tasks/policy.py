"""Retry policy: transient provider errors are retried with exponential backoff and jitter;
permanent ones fail at once. The decision acts on the exception type, never on its text."""

from __future__ import annotations

from typing import Any, ParamSpec, TypeVar

from prefect import Task
from prefect.tasks import exponential_backoff

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import is_retryable

P = ParamSpec("P")
R = TypeVar("R")


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """``retry_condition_fn``: retry only errors marked retryable (``ProviderUnavailable``...)."""
    exc = state.data
    if not isinstance(exc, BaseException):
        try:
            exc = state.result(raise_on_failure=False)
        except Exception:  # a result we cannot read is not a known transient error
            return False
    return isinstance(exc, BaseException) and is_retryable(exc)


def with_policy(task: Task[P, R], settings: Settings) -> Task[P, R]:
    """The task with the configured retries, backoff and jitter."""
    base = settings.retry_backoff_seconds
    if base <= 0:  # tests: retry at once
        return task.with_options(retries=settings.retries, retry_delay_seconds=0)
    return task.with_options(
        retries=settings.retries,
        retry_delay_seconds=exponential_backoff(backoff_factor=base),
        retry_jitter_factor=settings.retry_jitter,
    )
