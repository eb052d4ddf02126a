"""``/api/therapist``: the therapist's side (bearer = a token from ``python -m backend therapist-token``).

    GET  /api/therapist/me                                       → {therapist_id, name}
    GET  /api/therapist/conversations?after=&wait=               → ConversationList (long poll)
    GET  /api/therapist/conversations/{session_id}/messages?after=&wait=   → MessagePage
    POST /api/therapist/conversations/{session_id}/messages      {id, message} → 201 / 200 replay
    POST /api/therapist/conversations/{session_id}/read          → {read_through}
    GET  /api/therapist/conversations/{session_id}/bookings      → {bookings: [...]} newest first

Another therapist's session id, or one never started, is a 404.

Example::

    curl -H "Authorization: Bearer $TOKEN" "localhost:8000/api/therapist/conversations?wait=25"
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from backend.crud import bookings as crud
from backend.crud import chat as chat_crud
from backend.api.chat_common import (
    INVALID,
    NOT_FOUND,
    REPLAYED,
    TOO_LARGE,
    TOO_MANY,
    UNAUTHORIZED,
    After,
    ListAfter,
    Wait,
    conversation_topic,
    poll_messages,
    request_body,
    store_message,
    therapist_topic,
)
from backend.api.auth import TherapistAuth, TherapistSession, TherapistWriteLimit
from backend.crud.chat import NewMessage
from backend.core.models import (
    BookingHistory,
    ConversationList,
    MessagePage,
    MessagePublic,
    ReadMark,
    ReplyRequest,
    TherapistMe,
)
from backend.crud.bookings import now_ms
from backend.api.deps import Conn, DatabaseDep, NotifierDep, OutboxDep, json_body
from backend.core.errors import ApiError
from backend.core.notify import long_poll
from backend.services.sessions import Session

router = APIRouter(prefix="/api/therapist", tags=["therapist"])
ReplyBody = Annotated[ReplyRequest, Depends(json_body(ReplyRequest))]
RESPONSES = {**UNAUTHORIZED, **INVALID, **TOO_MANY}
IN_CONVERSATION = {**UNAUTHORIZED, **NOT_FOUND, **INVALID, **TOO_MANY}


def _missing() -> ApiError:
    return ApiError(404, "No such conversation.")


def _existing(database: DatabaseDep, session: Session) -> Session:
    with database.connection() as conn:
        if not chat_crud.conversation_exists(conn, session.session_id):
            raise _missing()
    return session


def existing_session(session: TherapistSession, database: DatabaseDep) -> Session:
    return _existing(database, session)


ExistingSession = Annotated[Session, Depends(existing_session)]


@router.get("/me", response_model=TherapistMe, responses={**UNAUTHORIZED, **TOO_MANY},
            summary="Who this token signs in")
def me(therapist: TherapistAuth) -> TherapistMe:
    return TherapistMe(therapist_id=therapist.id, name=therapist.name)


@router.get("/conversations", response_model=ConversationList, responses=RESPONSES,
            summary="This therapist's conversations, newest activity first; with wait, a long poll")
async def conversations(therapist: TherapistAuth, database: DatabaseDep, notifier: NotifierDep,
                        after: ListAfter = None, wait: Wait = 0) -> ConversationList:
    seen = int(after.split(".")[1]) if after else -1  # no cursor: the first answer is news

    def fetch() -> ConversationList:
        with database.connection() as conn:
            return chat_crud.conversation_list(conn, therapist.id)

    return await long_poll(notifier, [therapist_topic(therapist.id)], fetch,
                           lambda listing: int(listing.cursor.split(".")[1]) > seen, wait)


@router.get("/conversations/{session_id}/messages", response_model=MessagePage, responses=IN_CONVERSATION,
            summary="A conversation's messages after a cursor; with wait, a long poll")
async def read_messages(session: ExistingSession, database: DatabaseDep, notifier: NotifierDep,
                        after: After = None, wait: Wait = 0) -> MessagePage:
    return await poll_messages(database, notifier, session.session_id, after, wait)


@router.post("/conversations/{session_id}/messages", status_code=201, response_model=MessagePublic,
             responses={**REPLAYED, **IN_CONVERSATION, **TOO_LARGE}, openapi_extra=request_body(ReplyRequest),
             dependencies=[TherapistWriteLimit], summary="Reply (exactly once per message id)")
def reply(session: TherapistSession, body: ReplyBody, conn: Conn, notifier: NotifierDep,
          outbox: OutboxDep, therapist: TherapistAuth, response: Response) -> MessagePublic:
    new = NewMessage(id=body.id, sender_type="therapist", sender_id=session.therapist_id,
                     message=body.message, timestamp=now_ms())
    try:
        return store_message(conn, session, new, response, notifier, may_create=False,
                             on_stored=outbox.on_message(session, therapist.name), wake=outbox.message_wake)
    except chat_crud.ConversationMissing:
        raise _missing() from None


@router.post("/conversations/{session_id}/read", response_model=ReadMark, responses=IN_CONVERSATION,
             summary="Mark every customer message of the conversation read")
def mark_read(session: TherapistSession, conn: Conn, notifier: NotifierDep) -> ReadMark:
    try:
        read_through = chat_crud.mark_read(conn, session.session_id)
    except chat_crud.ConversationMissing:
        raise _missing() from None
    # Publishing an unchanged mark is harmless: waiters re-query and go back to waiting.
    notifier.publish(conversation_topic(session.session_id))
    notifier.publish(therapist_topic(session.therapist_id))
    return ReadMark(read_through=read_through)


@router.get("/conversations/{session_id}/bookings", response_model=BookingHistory, responses=IN_CONVERSATION,
            summary="This customer's bookings with this therapist, newest first")
def bookings(session: ExistingSession, conn: Conn) -> BookingHistory:
    return BookingHistory(bookings=crud.bookings_between(conn, session.therapist_id, session.customer_id))
