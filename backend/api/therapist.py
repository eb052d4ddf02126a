"""``/api/therapist``: the therapist's side (bearer = a token from ``python -m backend therapist-token``).

    GET  /api/therapist/me                                       → {therapist_id, name}
    GET  /api/therapist/conversations?after=&wait=               → ConversationList (long poll)
    GET  /api/therapist/conversations/{session_id}/messages?after=&wait=   → MessagePage
    POST /api/therapist/conversations/{session_id}/messages      {id, message} → 201 / 200 replay
    POST /api/therapist/conversations/{session_id}/read          → {read_through}
    GET  /api/therapist/conversations/{session_id}/bookings      → {bookings: [...]} newest first
    POST /api/therapist/bookings/{booking_id}/accept|decline|cancel|complete
                                 Idempotency-Key + {"reason"} (required for decline and cancel)
                                 → 200 BookingCreated; 409 {"detail", "status": current} when the
                                 lifecycle refuses; replayed key → the first answer; another
                                 therapist's booking → 404
    GET  /api/therapist/bookings?from=&to=&status=               → {bookings: [...]} by start
                                 (from/to: ISO 8601 with offset, default now .. a year on;
                                 status: comma-separated, default every status)

Another therapist's session id, or one never started, is a 404.

Example::

    curl -H "Authorization: Bearer $TOKEN" "localhost:8000/api/therapist/conversations?wait=25"
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Query, Request, Response

from app.domain.models import BookingCreated, BookingStatus
from backend.crud import bookings as crud
from backend.crud import chat as chat_crud
from backend.api.openapi import (
    INVALID,
    NOT_FOUND,
    REPLAYED,
    TOO_LARGE,
    TOO_MANY,
    UNAUTHORIZED,
    After,
    ListAfter,
    Wait,
    mark_replayed,
    request_body,
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
from backend.api.deps import Conn, DatabaseDep, NotifierDep, OutboxDep, client_gone, json_body
from backend.core.errors import ApiError, FieldError, InvalidRequest
from backend.api.bookings import ACTION_OPENAPI, ACTION_RESPONSES, answer_of
from backend.api.deps import ActionBody, IdempotencyKey, IsoDateTime
from backend.services import actions, chat
from backend.services.sessions import Session

router = APIRouter(prefix="/api/therapist", tags=["therapist"])
YEAR_MS = 366 * 24 * 3600 * 1000
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
async def conversations(therapist: TherapistAuth, database: DatabaseDep, notifier: NotifierDep, request: Request,
                        after: ListAfter = None, wait: Wait = 0) -> ConversationList:
    return await chat.poll_conversations(database, notifier, therapist.id, after, wait,
                                         gone=lambda: client_gone(request))


@router.get("/conversations/{session_id}/messages", response_model=MessagePage, responses=IN_CONVERSATION,
            summary="A conversation's messages after a cursor; with wait, a long poll")
async def read_messages(session: ExistingSession, database: DatabaseDep, notifier: NotifierDep, request: Request,
                        after: After = None, wait: Wait = 0) -> MessagePage:
    return await chat.poll_messages(database, notifier, session.session_id, after, wait,
                                    gone=lambda: client_gone(request))


@router.post("/conversations/{session_id}/messages", status_code=201, response_model=MessagePublic,
             responses={**REPLAYED, **IN_CONVERSATION, **TOO_LARGE}, openapi_extra=request_body(ReplyRequest),
             dependencies=[TherapistWriteLimit], summary="Reply (exactly once per message id)")
def reply(session: TherapistSession, body: ReplyBody, conn: Conn, notifier: NotifierDep,
          outbox: OutboxDep, therapist: TherapistAuth, response: Response) -> MessagePublic:
    new = NewMessage(id=body.id, sender_type="therapist", sender_id=session.therapist_id,
                     message=body.message, timestamp=now_ms())
    try:
        stored = chat.store_message(conn, session, new, notifier, may_create=False,
                               on_stored=outbox.on_message(session, therapist.name), wake=outbox.message_wake)
    except chat_crud.ConversationMissing:
        raise _missing() from None
    if stored.replayed:
        mark_replayed(response)
    return stored.message


@router.post("/conversations/{session_id}/read", response_model=ReadMark, responses=IN_CONVERSATION,
             summary="Mark every customer message of the conversation read")
def mark_read(session: TherapistSession, conn: Conn, notifier: NotifierDep) -> ReadMark:
    try:
        read_through = chat.mark_read_by_therapist(conn, notifier, session)
    except chat_crud.ConversationMissing:
        raise _missing() from None
    return ReadMark(read_through=read_through)


@router.get("/conversations/{session_id}/bookings", response_model=BookingHistory, responses=IN_CONVERSATION,
            summary="This customer's bookings with this therapist, newest first")
def bookings(session: ExistingSession, conn: Conn) -> BookingHistory:
    return BookingHistory(bookings=crud.bookings_between(conn, session.therapist_id, session.customer_id))


TherapistAction = Literal["accept", "decline", "cancel", "complete"]
STATUSES = get_args(BookingStatus)


@router.post("/bookings/{booking_id}/{action}", response_model=BookingCreated, responses=ACTION_RESPONSES,
             openapi_extra=ACTION_OPENAPI, dependencies=[TherapistWriteLimit],
             summary="Accept, decline, cancel or complete one of this therapist's bookings (once per key)")
def booking_action(booking_id: str, action: TherapistAction, therapist: TherapistAuth, key: IdempotencyKey,
                   body: ActionBody, conn: Conn, notifier: NotifierDep, outbox: OutboxDep,
                   response: Response) -> BookingCreated:
    booking = crud.get_booking(conn, booking_id)
    if booking is None or booking.booking.therapist_id != therapist.id:
        raise ApiError(404, "No booking with this id.")  # another therapist's reads as unknown
    result = actions.act(conn, booking, action=action, actor="therapist", actor_id=therapist.id, key=key,
                         reason=body.reason, outbox=outbox)
    return answer_of(result, response, notifier)


FromQuery = Annotated[IsoDateTime | None, Query(alias="from", description="ISO 8601 with offset; default now")]
ToQuery = Annotated[IsoDateTime | None, Query(description="ISO 8601 with offset; default a year after from")]
StatusQuery = Annotated[str | None, Query(max_length=100, description="Comma-separated statuses, e.g. confirmed")]


@router.get("/bookings", response_model=BookingHistory, responses=RESPONSES,
            summary="This therapist's bookings starting in [from, to), by start")
def therapist_bookings(therapist: TherapistAuth, conn: Conn, start: FromQuery = None, end: ToQuery = None,
                       status: StatusQuery = None) -> BookingHistory:
    wanted = [s.strip() for s in status.split(",") if s.strip()] if status else list(STATUSES)
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise InvalidRequest([FieldError(field="status", type="unknown_status",
                                         message=f"unknown status {unknown[0]!r}; use {', '.join(STATUSES)}")])
    for name, moment in (("from", start), ("to", end)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidRequest([FieldError(field=name, type="timezone_aware",
                                             message="must be ISO 8601 with an offset, like 2026-12-09T00:00:00+08:00")])
    first = int(start.timestamp() * 1000) if start is not None else now_ms()
    last = int(end.timestamp() * 1000) if end is not None else first + YEAR_MS
    return BookingHistory(bookings=crud.therapist_bookings(conn, therapist.id, start=first, end=last,
                                                                   statuses=wanted))
