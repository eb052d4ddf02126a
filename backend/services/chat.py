"""The chat's rules, shared by the customer's and the therapist's routes: a message is stored once
(the same id with the same content is a replay, with other content an error), its readers are woken
after the commit, and a long poll over one conversation answers as soon as there is news.

Example::

    stored = store_message(conn, session, new, notifier, may_create=True)
    if stored.replayed: ...                      # the route answers 200 + Idempotent-Replayed
    page = await poll_messages(database, notifier, session.session_id, after, wait)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from backend.core.errors import FieldError, InvalidRequest
from backend.core.models import ConversationList, MessageCursor, MessagePage, MessagePublic
from backend.core.notify import Notifier, conversation_topic, long_poll, therapist_topic
from backend.crud import chat as chat_crud
from backend.crud.chat import NewMessage
from backend.db.engine import Database
from backend.services.sessions import Session


Gone = Callable[[], Awaitable[object]]  # resolves when the client hung up (backend.api.deps.client_gone)


@dataclass(frozen=True)
class Stored:
    message: MessagePublic
    replayed: bool  # True: this id was stored before with the same content; nothing new happened


def _same_content(stored: MessagePublic, new: NewMessage) -> bool:
    same = (stored.sender_id, stored.sender_type, stored.message) == (new.sender_id, new.sender_type,
                                                                      new.message)
    if new.sender_type == "customer":  # a reply's timestamp is the server's, not part of its content
        same = same and stored.timestamp == new.timestamp
    return same


def store_message(conn: Connection, session: Session, new: NewMessage, notifier: Notifier, *,
                  may_create: bool, on_stored: Callable[[Connection, MessagePublic], None] | None = None,
                  wake: str | None = None) -> Stored:
    """Store once; a replay of the same content is ``replayed``, the same id with other content is an
    ``InvalidRequest`` on ``id``. ``on_stored`` runs in the message's transaction (the notifications
    outbox); ``wake`` is a topic published after the commit (the dispatcher's, when the notification
    is due at once). ``ConversationMissing`` when ``may_create`` is False and there is none."""
    stored, created = chat_crud.add_message(conn, session, new, may_create=may_create, on_stored=on_stored)
    if created:
        notifier.publish(conversation_topic(session.session_id))
        notifier.publish(therapist_topic(session.therapist_id))
        if wake:
            notifier.publish(wake)
        return Stored(stored, replayed=False)
    if not _same_content(stored, new):
        raise InvalidRequest([FieldError(
            field="id", type="message_id_reused",
            message="This message id was already used for a different message; use a new id.")])
    return Stored(stored, replayed=True)


async def poll_messages(database: Database, notifier: Notifier, session_id: str, after: str | None,
                        wait: float, *, gone: Gone | None = None) -> MessagePage:
    """The messages after ``after`` (oldest first), held up to ``wait`` seconds until there are some
    (or until ``gone``: the client hung up)."""
    cursor = MessageCursor.parse(after)

    def fetch() -> MessagePage:
        with database.connection() as conn:
            return chat_crud.message_page(conn, session_id, cursor)

    return await long_poll(notifier, [conversation_topic(session_id)], fetch,
                           lambda page: chat_crud.page_has_news(page, cursor), wait, gone=gone)


def mark_replies_read(conn: Connection, notifier: Notifier, session_id: str, through: int) -> int:
    """The customer saw the therapist's replies up to seq ``through``; the therapist's open
    conversation hears it. ``ConversationMissing`` when there is none."""
    read_through = chat_crud.mark_replies_read(conn, session_id, through)
    notifier.publish(conversation_topic(session_id))
    return read_through


def mark_read_by_therapist(conn: Connection, notifier: Notifier, session: Session) -> int:
    """The therapist read every customer message of the conversation (this clears its unread count)."""
    read_through = chat_crud.mark_read(conn, session.session_id)
    # Publishing an unchanged mark is harmless: waiters re-query and go back to waiting.
    notifier.publish(conversation_topic(session.session_id))
    notifier.publish(therapist_topic(session.therapist_id))
    return read_through


async def poll_conversations(database: Database, notifier: Notifier, therapist_id: str,
                             after: str | None, wait: float, *, gone: Gone | None = None) -> ConversationList:
    """The therapist's conversations, newest activity first, held up to ``wait`` seconds until the
    list changed since the cursor ``after`` (none: the first answer is news)."""
    seen = int(after.split(".")[1]) if after else -1

    def fetch() -> ConversationList:
        with database.connection() as conn:
            return chat_crud.conversation_list(conn, therapist_id)

    return await long_poll(notifier, [therapist_topic(therapist_id)], fetch,
                           lambda listing: int(listing.cursor.split(".")[1]) > seen, wait, gone=gone)
