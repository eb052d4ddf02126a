"""``/api/conversations``: the customer's side of the chat (bearer = the page's customer token).

    POST /api/conversations/{session_id}/messages    ChatMessage → 201 stored, 200 replay, 422
    GET  /api/conversations/{session_id}/messages?after=&wait=   → MessagePage (long poll)
    POST /api/conversations/{session_id}/read?through=<seq>      → {read_through}: replies shown

A conversation that does not exist yet reads as empty (the page polls before its first
message); the first message creates it.

Example::

    curl -H "Authorization: Bearer $TOKEN" \\
         "localhost:8000/api/conversations/session_t-ayu_$CUSTOMER_ID/messages?wait=25"
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.domain.models import ChatMessage
from backend.api.openapi import (
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    REPLAYED,
    TOO_LARGE,
    TOO_MANY,
    UNAUTHORIZED,
    After,
    Wait,
    mark_replayed,
    request_body,
)
from backend.api.auth import CustomerSession, CustomerWriteLimit
from backend.api.deps import CatalogDep, Conn, DatabaseDep, NotifierDep, OutboxDep, client_gone, json_body
from backend.core.errors import ApiError, FieldError, InvalidRequest
from backend.core.models import MessagePage, MessagePublic, ReadMark
from backend.crud import chat as chat_crud
from backend.crud.chat import NewMessage
from backend.services import chat

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
                 outbox: OutboxDep, catalog: CatalogDep, response: Response) -> MessagePublic:
    _check_sender(message, session.customer_id)
    new = NewMessage(id=message.id, sender_type="customer", sender_id=message.sender_id,
                     message=message.message, timestamp=message.timestamp)
    therapist_name = catalog.therapists[session.therapist_id].name
    stored = chat.store_message(conn, session, new, notifier, may_create=True,
                           on_stored=outbox.on_message(session, therapist_name), wake=outbox.message_wake)
    if stored.replayed:
        mark_replayed(response)
    return stored.message


@router.get("/{session_id}/messages", response_model=MessagePage, responses=RESPONSES,
            summary="Messages after a cursor, oldest first; with wait, a long poll")
async def read_messages(session: CustomerSession, database: DatabaseDep, notifier: NotifierDep, request: Request,
                        after: After = None, wait: Wait = 0) -> MessagePage:
    return await chat.poll_messages(database, notifier, session.session_id, after, wait,
                                    gone=lambda: client_gone(request))


Through = Annotated[int, Query(ge=0, le=10**18, description="The newest reply's seq the page showed")]


@router.post("/{session_id}/read", response_model=ReadMark, responses={**RESPONSES, **NOT_FOUND},
             dependencies=[CustomerWriteLimit],
             summary="The therapist's replies up to a seq were shown to the customer (read receipts)")
def mark_replies_read(session: CustomerSession, through: Through, conn: Conn, notifier: NotifierDep) -> ReadMark:
    try:
        read_through = chat.mark_replies_read(conn, notifier, session.session_id, through)
    except chat_crud.ConversationMissing:
        raise ApiError(404, "No such conversation.") from None
    return ReadMark(read_through=read_through)
