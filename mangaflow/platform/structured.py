"""Structured output: ask the text model for JSON, validate it with a pydantic model and
re-prompt with the validation error a bounded number of times."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import pydantic

from mangaflow.platform.errors import ContentRejected, ProviderOutputError
from mangaflow.platform.ports import TextModel, TextRequest, TextResult

M = TypeVar("M", bound=pydantic.BaseModel)

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def safer_message() -> dict[str, str]:
    return {
        "role": "user",
        "content": "Your provider's content filter refused that. Write it again suitable for "
        "all audiences: no graphic violence, no sexual content, no slurs; keep the plot.",
    }


def repair_message(error: str) -> dict[str, str]:
    return {
        "role": "user",
        "content": "Your answer did not validate against the schema:\n"
        f"{error}\nAnswer again with the corrected JSON object only.",
    }


def _parse(model: type[M], text: str) -> M:
    cleaned = _FENCE.sub("", text.strip())
    return model.model_validate_json(cleaned)


def _short(exc: pydantic.ValidationError) -> str:
    lines = []
    for err in exc.errors()[:8]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"- {loc}: {err['msg']}")
    return "\n".join(lines)


def generate_structured(
    text: TextModel,
    model: type[M],
    request: TextRequest,
    *,
    repair_attempts: int,
    on_result: Any = None,
    limiter: Any = None,
) -> tuple[M, TextResult]:
    """Call ``text`` until its answer validates as ``model``; raises ``ProviderOutputError``
    after ``repair_attempts`` re-prompts. ``on_result(result)`` sees every call (usage).
    A content-filter refusal gets one safer re-prompt, then fails with ``ContentRejected``.
    ``limiter`` (a :class:`~mangaflow.platform.limits.ProviderLimiter`) bounds the calls."""
    messages = list(request.messages)
    last_error = ""
    safer_tried = False
    attempt = 0
    while attempt <= repair_attempts:
        attempt += 1
        req = TextRequest(
            task=request.task, messages=messages, context=request.context,
            json_schema=request.json_schema, seed=request.seed,
            temperature=request.temperature, max_tokens=request.max_tokens,
        )  # fmt: skip
        try:
            if limiter is not None:
                with limiter.slot():
                    result = text.complete(req)
            else:
                result = text.complete(req)
        except ContentRejected as exc:
            if safer_tried:
                raise ContentRejected(
                    f"{text.name} refused the {request.task.replace('_', ' ')} twice, also after "
                    f"a safer re-prompt: {exc.message}. Try other preferences or notes."
                ) from exc
            safer_tried = True
            attempt -= 1  # the refusal does not use up a repair attempt
            messages = [*messages, safer_message()]
            continue
        if on_result is not None:
            on_result(result)
        try:
            return _parse(model, result.text), result
        except pydantic.ValidationError as exc:
            last_error = _short(exc)
        except json.JSONDecodeError as exc:
            last_error = f"- not valid JSON: {exc}"
        messages = [*messages, {"role": "assistant", "content": result.text[:4000]},
                    repair_message(last_error)]  # fmt: skip
    raise ProviderOutputError(
        f"{text.name} returned an invalid {request.task.replace('_', ' ')} "
        f"{repair_attempts + 1} times; last problem:\n{last_error}",
        details={"task": request.task, "attempts": repair_attempts + 1},
    )
