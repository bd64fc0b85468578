"""One exception tree for MangaFlow.

::

    MangaFlowError
    ├── ConfigError            settings are missing or inconsistent (message says which setting)
    ├── ValidationError        bad input; ``details`` lists ``{"field", "message"}`` pairs
    ├── NotFound               an id that does not exist (or belongs to another user)
    ├── Conflict               the thing exists but is not in a state that allows this
    ├── ProviderError          a model / insights provider failed
    │   ├── ProviderUnavailable    5xx, connection errors, invalid answers (retryable)
    │   │   └── ProviderTimeout    no answer within the read timeout     (retryable)
    │   ├── ProviderRateLimited    throttling, 429                       (retryable)
    │   ├── ProviderAuthError      bad or missing credentials            (permanent)
    │   ├── ContentRejected        the provider's content filter refused (permanent)
    │   └── ProviderOutputError    output that stays invalid after repair (permanent)
    ├── StorageError           the item table or blob store failed
    │   └── ConditionFailed        a conditional write lost (already exists / changed)
    └── RenderError            a media tool (ffmpeg, MediaConvert) failed to render a video

Adapters map their SDK's errors at the boundary (``raise Mapped(...) from exc``).
Retry policy acts on ``error.retryable``, never on message text. A provider error may carry
``retry_after`` (seconds the provider asked us to wait, already capped): every retry of it
waits at least that long.
"""

from __future__ import annotations

from typing import Any


class MangaFlowError(Exception):
    """Base of every error MangaFlow raises on purpose."""

    code = "internal_error"
    retryable = False

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable (Prefect persists task exceptions as results), with any
        # extra attributes (``retry_after``) restored by ``BaseException.__setstate__``.
        return (_rebuild, (type(self), self.message, self.details), dict(self.__dict__))


def _rebuild(cls: type[MangaFlowError], message: str, details: Any) -> MangaFlowError:
    return cls(message, details=details)


class ConfigError(MangaFlowError):
    code = "config_error"


class ValidationError(MangaFlowError):
    """Bad input. ``details`` is a list of ``{"field": ..., "message": ...}``."""

    code = "validation_error"

    @property
    def fields(self) -> list[str]:
        return [d["field"] for d in (self.details or [])]

    def __str__(self) -> str:
        if not self.details:
            return self.message
        lines = [self.message] + [f"  {d['field']}: {d['message']}" for d in self.details]
        return "\n".join(lines)


class NotFound(MangaFlowError):
    code = "not_found"


class Conflict(MangaFlowError):
    """The request is valid but its target's state forbids it (e.g. resuming a running
    request); the message says what to do instead."""

    code = "conflict"


class ProviderError(MangaFlowError):
    code = "provider_error"

    def __init__(
        self, message: str, *, details: Any = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, details=details)
        #: Seconds the provider asked us to wait before calling again (``Retry-After``).
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    code = "provider_unavailable"
    retryable = True


class ProviderTimeout(ProviderUnavailable):
    """No answer within the read timeout. Retried by the task policy only, never inside the
    call: the provider may still be working on (and billing) the timed-out request."""


class ProviderRateLimited(ProviderError):
    code = "provider_rate_limited"
    retryable = True


class ProviderAuthError(ProviderError):
    code = "provider_auth_error"


class ContentRejected(ProviderError):
    code = "content_rejected"


class ProviderOutputError(ProviderError):
    code = "provider_output_error"


class StorageError(MangaFlowError):
    code = "storage_error"


class ConditionFailed(StorageError):
    code = "condition_failed"


class RenderError(MangaFlowError):
    """A render failed; ``details`` carries the tool's last output lines (``stderr_tail``)."""

    code = "render_error"


def is_retryable(exc: BaseException) -> bool:
    """True when ``exc`` is a transient failure worth retrying."""
    return isinstance(exc, MangaFlowError) and exc.retryable
