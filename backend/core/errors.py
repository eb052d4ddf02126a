"""Every error the API sends is JSON, and no bad input ever becomes a 5xx.

Shapes (``detail`` is always a sentence a person can read)::

    4xx/5xx   {"detail": "..."}
    422       {"detail": "...", "errors": [{"field": "price", "message": "...", "type": "..."}]}

``field`` is the request field (body field or query parameter) the message is about, or
``null`` for a problem with the request as a whole (not JSON, Idempotency-Key reused).

    ApiError                     raised by routes; becomes {"detail": ...} with its status
    └── InvalidRequest           422 with field errors (catalog checks, key reuse)
    RequestValidationError       FastAPI's own (query/path params) → the 422 shape above
    pydantic.ValidationError     from parsing the body                → the 422 shape above
    backend.db.engine.UNAVAILABLE_ERRORS  locked/busy/disk trouble, PostgreSQL connection lost or
                                 pool exhausted (sqlite3/psycopg OperationalError) → 503 + Retry-After
    backend.db.engine.INVALID_VALUE_ERRORS  a value PostgreSQL cannot store (psycopg.DataError) → 422
    anything else                                                      → 500 {"detail": ...}
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from backend.db.engine import INVALID_VALUE_ERRORS, UNAVAILABLE_ERRORS

log = logging.getLogger(__name__)

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


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    if isinstance(exc, InvalidRequest):
        return validation_response(exc.errors, exc.detail)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return validation_response(field_errors(exc.errors()))


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc)
    return JSONResponse({"detail": "The booking database is busy or unavailable; try again shortly."},
                        status_code=503, headers={"Retry-After": "1"})


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    # PostgreSQL refuses some values SQLite keeps (a NUL character in text, an integer past 64 bits).
    log.info("value refused by the database: %s", exc)
    return validation_response([FieldError(field=None, type="unstorable_value",
                                           message="The request holds a value that cannot be stored "
                                                   "(e.g. a NUL character or an integer out of range).")])


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette logs the traceback after this handler answers.
    return JSONResponse({"detail": "Internal server error."}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _request_validation)
    for error in UNAVAILABLE_ERRORS:
        app.add_exception_handler(error, _database_unavailable)
    for error in INVALID_VALUE_ERRORS:
        app.add_exception_handler(error, _unstorable_value)
    app.add_exception_handler(Exception, _unexpected)
