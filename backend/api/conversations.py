"""``/api/conversations``: the customer's side of the chat (bearer = the page's customer token).

    POST /api/conversations/{session_id}/messages    ChatMessage → 201 stored, 200 replay, 422
    GET  /api/conversations/{session_id}/messages?after=&wait=   → MessagePage (long poll)

A conversation that does not exist yet reads as empty (the page polls before its first
message); the first message creates it.

Example::

    curl -H "Authorization: Bearer $TOKEN" \\
         "localhost:8000/api/conversations/session_t-ayu_$CUSTOMER_ID/messages?wait=25"
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.domain.models import ChatMessage
from backend.api.chat_common import (
    FORBIDDEN,
    INVALID,
    REPLAYED,
    TOO_LARGE,
    TOO_MANY,
    UNAUTHORIZED,
    After,
    Wait,
    poll_messages,
    request_body,
    store_message,
)
from backend.api.auth import CustomerSession, CustomerWriteLimit
from backend.crud.chat import NewMessage
from backend.core.models import MessagePage, MessagePublic
from backend.api.deps import Conn, DatabaseDep, NotifierDep, json_body
from backend.core.errors import FieldError, InvalidRequest

router = APIRouter(prefix="/api/conversations", tags=["conversations"])
MessageBody = Annotated[ChatMessage, Depends(json_body(ChatMessage))]
RESPONSES = {**UNAUTHORIZED, **FORBIDDEN, **INVALID, **TOO_MANY}


def _check_sender(message: ChatMessage, customer_id: str) -> None:
    errors = []
    if message.sender_type != "customer":
        errors.append(FieldError(field="sender_type", type="sender_type",
                                 message="must be 'customer' on the customer's side"))
    if message.sender_id != customer_id:
        errors.append(FieldError(field="sender_id", type="sender_id",
                                 message="must be the customer id of the session"))
    if errors:
        raise InvalidRequest(errors)


@router.post("/{session_id}/messages", status_code=201, response_model=MessagePublic,
             responses={**REPLAYED, **RESPONSES, **TOO_LARGE}, openapi_extra=request_body(ChatMessage),
             dependencies=[CustomerWriteLimit],
             summary="Send a customer message (exactly once per message id)")
def post_message(session: CustomerSession, message: MessageBody, conn: Conn, notifier: NotifierDep,
                 response: Response) -> MessagePublic:
    _check_sender(message, session.customer_id)
    new = NewMessage(id=message.id, sender_type="customer", sender_id=message.sender_id,
                     message=message.message, timestamp=message.timestamp)
    return store_message(conn, session, new, response, notifier, may_create=True)


@router.get("/{session_id}/messages", response_model=MessagePage, responses=RESPONSES,
            summary="Messages after a cursor, oldest first; with wait, a long poll")
async def read_messages(session: CustomerSession, database: DatabaseDep, notifier: NotifierDep,
                        after: After = None, wait: Wait = 0) -> MessagePage:
    return await poll_messages(database, notifier, session.session_id, after, wait)
