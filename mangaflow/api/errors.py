"""One error shape for every error the API returns:
``{"error": {"code", "message", "details", "requestId", "timestamp"}}``."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mangaflow.platform.errors import (
    ConditionFailed,
    ConfigError,
    Conflict,
    MangaFlowError,
    NotFound,
    ProviderError,
    ValidationError,
    field_errors,
)
from mangaflow.platform.requests.model import utcnow
from mangaflow.support.tenancy import Forbidden

log = logging.getLogger("mangaflow.api")

STATUS_CODES: dict[type[MangaFlowError], int] = {
    ValidationError: 422, NotFound: 404, ConditionFailed: 409, Conflict: 409, ConfigError: 500,
    ProviderError: 502, Forbidden: 403,
}  # fmt: skip
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
              415: "unsupported_media_type", 422: "validation_error",
              429: "rate_limited"}  # fmt: skip


def request_id(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        rid = request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    return str(rid)


def error_response(
    request: Request, status: int, code: str, message: str, details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:  # fmt: skip
    body = {"error": {"code": code, "message": message, "details": details,
                      "requestId": request_id(request), "timestamp": utcnow()}}  # fmt: skip
    return JSONResponse(body, status_code=status, headers=headers)


class ApiError(Exception):
    """An HTTP error raised by the API layer itself (auth, rate limit, size)."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 details: Any = None, headers: dict[str, str] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.message, self.details, self.headers = status, message, details, headers
        self.code = code or HTTP_CODES.get(status, "error")


def install(app: FastAPI) -> None:
    """Register handlers so every error, including unknown routes and crashes, has the shape."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc.status, exc.code, exc.message, exc.details,
                              exc.headers)  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "path", "query")]
            details.append({"field": ".".join(loc) or "body", "message": err.get("msg", "")})
        fields = ", ".join(dict.fromkeys(d["field"] for d in details))
        return error_response(request, 422, "validation_error", f"invalid request ({fields})",
                              details)  # fmt: skip

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}"
        return error_response(request, exc.status_code, code, message,
                              headers=getattr(exc, "headers", None))  # fmt: skip

    @app.exception_handler(MangaFlowError)
    async def _domain(request: Request, exc: MangaFlowError) -> JSONResponse:
        status = next((s for t, s in STATUS_CODES.items() if isinstance(exc, t)), 500)
        if status >= 500:
            log.error("request %s failed: %s", request_id(request), exc.code)
        return error_response(request, status, exc.code, exc.message, exc.details)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in request %s", request_id(request))
        return error_response(request, 500, "internal_error",
                              "internal error; quote the requestId when reporting it")  # fmt: skip


def pydantic_details(exc: Any) -> list[dict[str, str]]:
    return field_errors(exc)
