"""Every error the API sends is JSON, and no bad input ever becomes a 5xx.

Shapes (``detail`` is always a sentence a person can read)::

    4xx/5xx   {"detail": "..."}
    422       {"detail": "...", "errors": [{"field": "price", "message": "...", "type": "..."}]}

``field`` is the request field (body field or query parameter) the message is about, or
``null`` for a problem with the request as a whole (not JSON, Idempotency-Key reused).

    ApiError                     raised by routes; becomes {"detail": ...} with its status
    ├── InvalidRequest           422 with field errors (catalog checks, key reuse)
    └── Conflict                 409 {"detail", "status": the booking's current status, or
                                 "field": "starts_at" for a time just taken}

How every other error is answered (FastAPI's own 422s, the database's 503s) is
``backend.api.errors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class FieldError(BaseModel):
    field: str | None
    message: str
    type: str


class ErrorBody(BaseModel):
    detail: str


class ValidationErrorBody(BaseModel):
    detail: str
    errors: list[FieldError]


class ApiError(Exception):
    def __init__(self, status_code: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers


class InvalidRequest(ApiError):
    def __init__(self, errors: Sequence[FieldError], detail: str | None = None) -> None:
        super().__init__(422, detail or _summary(errors))
        self.errors = list(errors)


class Conflict(ApiError):
    """409: the booking is not in a status that allows this (``status``), or the time is taken (``field``)."""

    def __init__(self, detail: str, *, status: str | None = None, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(409, detail, headers)
        self.status = status
        self.field = field

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.detail}
        if self.status is not None:
            body["status"] = self.status
        if self.field is not None:
            body["field"] = self.field
        return body


class ConflictBody(BaseModel):
    detail: str
    status: str | None = None
    field: str | None = None


def _summary(errors: Sequence[FieldError]) -> str:
    fields = sorted({e.field for e in errors if e.field})
    return "The request is not valid" + (f": check {', '.join(fields)}." if fields else ".")


def field_errors(raw: Iterable[Any]) -> list[FieldError]:
    """pydantic/FastAPI error dicts → FieldError, without echoing the input back."""
    result = []
    for error in raw:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _LOCATIONS:
            loc = loc[1:]
        message = str(error.get("msg", "is not valid"))
        # A field_validator's ValueError arrives as "Value error, <our sentence>".
        message = message.removeprefix("Value error, ")
        field = ".".join(loc) if loc else None
        if error.get("type") == "json_invalid":
            field, message = None, "The body is not valid JSON: " + message.removeprefix("Invalid JSON: ")
        result.append(FieldError(field=field, message=message, type=str(error.get("type", "invalid"))))
    return result


def validation_response(errors: Sequence[FieldError], detail: str | None = None) -> JSONResponse:
    body = ValidationErrorBody(detail=detail or _summary(errors), errors=list(errors))
    return JSONResponse(body.model_dump(), status_code=422)
