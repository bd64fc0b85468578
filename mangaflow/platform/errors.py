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
    │   ├── QuotaExceeded          a daily API quota is spent (waits for ``resets_at``)
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


class BudgetExceeded(Conflict):
    """Running would spend past a cap; refused before any paid call. ``details`` name the cap,
    what was spent, what the run needs and the cap's value."""

    code = "budget_exceeded"


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


class QuotaExceeded(ProviderError):
    """A provider's daily quota (ours, counted before the call, or the provider's own) is
    spent. Not retryable: no backoff helps before the quota resets. ``details`` holds
    ``used``, ``needed``, ``limit`` (units; None when the provider did not say) and
    ``resets_at`` (ISO 8601)."""

    code = "quota_exceeded"


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


def field_errors(exc: Any, hints: tuple[str, ...] = ("contentRating", "characters")) -> list[
    dict[str, str]
]:  # fmt: skip
    """Flatten a ``pydantic.ValidationError`` to ``[{"field": "genres[2]", "message": ...}]``;
    a model-level error names the first of ``hints`` its message mentions (else ``body``)."""
    out: list[dict[str, str]] = []
    for err in exc.errors():
        parts: list[str] = []
        for loc in err["loc"]:
            if isinstance(loc, int):
                parts[-1:] = [f"{parts[-1]}[{loc}]"] if parts else [f"[{loc}]"]
            else:
                parts.append(str(loc))
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        field = ".".join(parts) or next((h for h in hints if h in msg), "body")
        out.append({"field": field, "message": msg})
    return out


def invalid(exc: Any, what: str, hints: tuple[str, ...] = ()) -> ValidationError:
    """A :class:`ValidationError` for a ``pydantic.ValidationError`` of ``what``."""
    details = field_errors(exc, hints) if hints else field_errors(exc)
    return ValidationError(f"invalid {what}: " + "; ".join(
        f"{d['field']}: {d['message']}" for d in details[:5]), details=details)  # fmt: skip
