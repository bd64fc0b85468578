"""Retry policy: transient provider errors are retried with exponential backoff and jitter;
permanent ones fail at once. The decision acts on the exception type, never on its text.

These task retries are the second layer: the provider adapters already retried the call a
few times in place (``MANGAFLOW_PROVIDER_RETRIES``, see :mod:`mangaflow.platform.retry`).
An error that carries ``retry_after`` (a 429's capped ``Retry-After``) makes the retry
condition wait that long before Prefect's own delay starts, so the retry waits at least
what the provider asked for (Prefect's delay schedule is fixed when the task is built)."""

from __future__ import annotations

import time
from typing import Any, ParamSpec, TypeVar

from prefect import Task
from prefect.tasks import exponential_backoff

from mangaflow.platform.config import Settings
from mangaflow.platform.errors import is_retryable

P = ParamSpec("P")
R = TypeVar("R")


#: How the retry condition waits (replaced in tests).
_sleep = time.sleep


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """``retry_condition_fn``: retry only errors marked retryable (``ProviderUnavailable``...).
    Prefect asks only while retries remain; before saying yes, wait the error's
    ``retry_after`` (already capped by the adapter at ``MANGAFLOW_RETRY_AFTER_CAP_SECONDS``)."""
    exc = state.data
    if not isinstance(exc, BaseException):
        try:
            exc = state.result(raise_on_failure=False)
        except Exception:  # a result we cannot read is not a known transient error
            return False
    if not (isinstance(exc, BaseException) and is_retryable(exc)):
        return False
    wait = getattr(exc, "retry_after", None)
    if isinstance(wait, int | float) and wait > 0:
        _sleep(float(wait))
    return True


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
