"""Every error the API sends is JSON, and no bad input ever becomes a 5xx (shapes: ``backend.core.errors``).

    ApiError / InvalidRequest      raised by routes                   → its status, {"detail": ...}
    RequestValidationError         FastAPI's own (query/path params)  → the 422 shape
    pydantic.ValidationError       from parsing the body              → the 422 shape
    a database error that passes   busy/locked/disk trouble, PostgreSQL connection lost or refused,
    by itself (db.errors)          the pool empty for DB_POOL_TIMEOUT → 503 + Retry-After: 1
    sqlalchemy DataError           a value PostgreSQL cannot store    → 422
    anything else (a database      "no such column", a syntax error…  → 500 {"detail": ...}, and
    bug included)                                                       its traceback in the log

Example::

    install_error_handlers(app)
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from backend.core.errors import ApiError, Conflict, FieldError, InvalidRequest, field_errors, validation_response
from backend.db.errors import DATABASE_ERRORS, INVALID_VALUE_ERRORS, is_unavailable

log = logging.getLogger(__name__)

async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    if isinstance(exc, InvalidRequest):
        return validation_response(exc.errors, exc.detail)
    if isinstance(exc, Conflict):
        return JSONResponse(exc.body(), status_code=409, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return validation_response(field_errors(exc.errors()))


def _unavailable_response() -> JSONResponse:
    return JSONResponse({"detail": "The booking database is busy or unavailable; try again shortly."},
                        status_code=503, headers={"Retry-After": "1"})


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    # PostgreSQL refuses some values SQLite keeps (a NUL character in text, an integer past 64 bits).
    log.info("value refused by the database: %s", exc)
    return validation_response([FieldError(field=None, type="unstorable_value",
                                           message="The request holds a value that cannot be stored "
                                                   "(e.g. a NUL character or an integer out of range).")])


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):  # it passes by itself: say when to come back, no traceback needed
        log.warning("database unavailable: %s", exc)
        return _unavailable_response()
    # Our bug (a missing column, bad SQL): no Retry-After, so clients stop; the traceback for us.
    log.error("database error in %s %s", request.method, request.url.path, exc_info=exc)
    return _internal_error()


def _internal_error() -> JSONResponse:
    return JSONResponse({"detail": "Internal server error."}, status_code=500)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette logs the traceback after this handler answers.
    return _internal_error()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _request_validation)
    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)
    for error in INVALID_VALUE_ERRORS:
        app.add_exception_handler(error, _unstorable_value)
    app.add_exception_handler(Exception, _unexpected)
