"""What the routes share in their OpenAPI description: the documented error answers, the body of a
route that parses its own JSON, and the chat's query parameters (cursors and the long poll's wait).

Example::

    @router.post("/x", responses={**UNAUTHORIZED, **TOO_MANY}, openapi_extra=request_body(Model))
    def read(after: After = None, wait: Wait = 0): ...
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from backend.core.errors import ErrorBody, ValidationErrorBody
from backend.core.models import LIST_CURSOR_PATTERN, MESSAGE_CURSOR_PATTERN, WAIT_MAX

After = Annotated[str | None, Query(pattern=MESSAGE_CURSOR_PATTERN, max_length=64,
                                    description="The cursor of the previous answer; none = from the start")]
ListAfter = Annotated[str | None, Query(pattern=LIST_CURSOR_PATTERN, max_length=64,
                                        description="The cursor of the previous answer")]
Wait = Annotated[float, Query(ge=0, le=WAIT_MAX, allow_inf_nan=False,
                              description="Seconds to hold the request until there is news (0 = answer now)")]


def _error(status: int, description: str, model: type = ErrorBody) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": model, "description": description}}


UNAUTHORIZED = _error(401, "Missing, malformed, unknown or revoked bearer token")
FORBIDDEN = _error(403, "This customer id is bound to another token")
NOT_FOUND = _error(404, "No such conversation (or not this therapist's)")
TOO_LARGE = _error(413, "Body larger than 16 KB")
TOO_MANY = _error(429, "Too many requests (or failed token checks) from this client: see Retry-After")
INVALID = _error(422, "Invalid input, with one entry per field", ValidationErrorBody)
REPLAYED = {200: {"description": "Replay: this message id was already stored with this content "
                                 "(header Idempotent-Replayed: true)"}}


def request_body(model: type) -> dict[str, Any]:
    """openapi_extra for a body parsed by deps.json_body (FastAPI does not see it)."""
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": model.model_json_schema()}}}}


def mark_replayed(response: Response) -> None:
    """A replay of a stored write: 200 (not 201) and the header clients and tests look for."""
    response.status_code = 200
    response.headers["Idempotent-Replayed"] = "true"
