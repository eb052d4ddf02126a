"""What the customer's and the therapist's chat routes share: storing a message once, the long
poll over a conversation, the query parameters and the OpenAPI descriptions.

Example::

    stored = store_message(conn, session, new, response, notifier, may_create=True)  # 201 / 200 replay
    page = await poll_messages(database, notifier, session.session_id, after, wait)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Response
from sqlalchemy import Connection

from backend.crud import chat as chat_crud
from backend.crud.chat import NewMessage
from backend.core.models import (
    LIST_CURSOR_PATTERN,
    MESSAGE_CURSOR_PATTERN,
    WAIT_MAX,
    MessageCursor,
    MessagePage,
    MessagePublic,
)
from backend.db.engine import Database
from backend.core.errors import ErrorBody, FieldError, InvalidRequest, ValidationErrorBody
from backend.core.notify import Notifier, conversation_topic, long_poll, therapist_topic
from backend.services.sessions import Session

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


def store_message(conn: Connection, session: Session, new: NewMessage, response: Response,
                  notifier: Notifier, *, may_create: bool,
                  on_stored: Callable[[Connection, MessagePublic], None] | None = None,
                  wake: str | None = None) -> MessagePublic:
    """Store once; 201 when new, 200 + Idempotent-Replayed for the same content, 422 on ``id`` else.
    ``on_stored`` runs in the message's transaction (the notifications outbox); ``wake`` is a topic
    published after the commit (the dispatcher's, when the notification is due at once)."""
    stored, created = chat_crud.add_message(conn, session, new, may_create=may_create, on_stored=on_stored)
    if created:
        notifier.publish(conversation_topic(session.session_id))
        notifier.publish(therapist_topic(session.therapist_id))
        if wake:
            notifier.publish(wake)
        return stored
    same = (stored.sender_id, stored.sender_type, stored.message) == (new.sender_id, new.sender_type,
                                                                      new.message)
    if new.sender_type == "customer":  # a reply's timestamp is the server's, not part of its content
        same = same and stored.timestamp == new.timestamp
    if not same:
        raise InvalidRequest([FieldError(
            field="id", type="message_id_reused",
            message="This message id was already used for a different message; use a new id.")])
    response.status_code = 200
    response.headers["Idempotent-Replayed"] = "true"
    return stored


async def poll_messages(database: Database, notifier: Notifier, session_id: str, after: str | None,
                        wait: float) -> MessagePage:
    cursor = MessageCursor.parse(after)

    def fetch() -> MessagePage:
        with database.connection() as conn:
            return chat_crud.message_page(conn, session_id, cursor)

    return await long_poll(notifier, [conversation_topic(session_id)], fetch,
                           lambda page: chat_crud.page_has_news(page, cursor), wait)
