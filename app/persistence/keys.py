"""Every localStorage key Chat Booking owns (a contract: these names never change), in one place.

Every key starts with ``chatbooking:v1:`` so we can find (and clean up) exactly what is ours
on an origin shared with other code. Per chat session::

    chatbooking:v1:<session_id>:draft            the booking draft (app.drafts.store)
    chatbooking:v1:<session_id>:draft:backup     a second copy of the draft
    chatbooking:v1:<session_id>:draft:corrupt    the last unreadable draft, kept for diagnosis
    chatbooking:v1:<session_id>:messages         the chat messages (app.drafts.chat_history)
    chatbooking:v1:<session_id>:scroll           the chat's scroll position
    chatbooking:v1:<session_id>:confirmation     the server's answer to this session's booking
    chatbooking:v1:<session_id>:booking          the chat's latest booking and its status ("Your booking")
    chatbooking:v1:<session_id>:chat             where the chat with the server stands: the long
                                                 poll's cursor, the read mark, the reset cut-off
    chatbooking:v1:<session_id>:reply            the therapist's reply being written (inbox page)

And once per origin::

    chatbooking:v1:outbox                        everything on its way to the server (app.outbox)
    chatbooking:v1:outbox:corrupt                an unreadable outbox, set aside for support
    chatbooking:v1:customer_id                   the anonymous customer id (app.persistence.identity)
    chatbooking:v1:customer_has_bookings         "1" once a booking was confirmed (enables prefill)
    chatbooking:v1:early_input                   typing before Python was ready (static/js/boot.js),
                                                 adopted and removed at start-up
    chatbooking:v1:customer_token                the customer's secret bearer token (proves who
                                                 sends; never in a URL)
    chatbooking:v1:therapist_token               the therapist's access token (inbox page, kept
                                                 until "Sign out")
    chatbooking:v1:inbox:conversations           the inbox's last conversation list (opens offline)
    chatbooking:v1:inbox:early_input             the reply typed and sent before Python was ready
                                                 (static/js/early-reply.js), adopted and removed at start-up
    chatbooking:v1:language                      the reader's choice of language, "en" or "id" (written
                                                 by static/js/i18n.js, both pages)
    chatbooking:v1:push                          Web Push on this device: the server's push config and
                                                 the subscription endpoint stored for whom (app.push.record)

Example::

    key = draft_key("s-42")               # "chatbooking:v1:s-42:draft"
    assert parse_key(key) == ("s-42", DRAFT)
    assert parse_key("theme") is None     # not ours
"""

from __future__ import annotations

import re

PREFIX = "chatbooking:v1:"

OUTBOX_KEY = PREFIX + "outbox"
OUTBOX_CORRUPT_KEY = OUTBOX_KEY + ":corrupt"
CUSTOMER_ID_KEY = PREFIX + "customer_id"
HAS_BOOKED_KEY = PREFIX + "customer_has_bookings"
CUSTOMER_TOKEN_KEY = PREFIX + "customer_token"
# What static/js/boot.js keeps of the customer's typing before Python is ready (same spelling there).
EARLY_INPUT_KEY = PREFIX + "early_input"
THERAPIST_TOKEN_KEY = PREFIX + "therapist_token"
INBOX_CONVERSATIONS_KEY = PREFIX + "inbox:conversations"
# What static/js/early-reply.js keeps of the therapist's reply before Python is ready (same spelling there).
INBOX_EARLY_INPUT_KEY = PREFIX + "inbox:early_input"
# The language the reader chose with the switch (static/js/i18n.js, same spelling there).
LANGUAGE_KEY = PREFIX + "language"
# The Web Push switches' record, both pages (app.push.record).
PUSH_KEY = PREFIX + "push"

# The kinds of record, i.e. what follows "<session_id>:" in a key.
DRAFT = "draft"
DRAFT_BACKUP = "draft:backup"
DRAFT_CORRUPT = "draft:corrupt"
MESSAGES = "messages"
SCROLL = "scroll"
CONFIRMATION = "confirmation"  # the server's answer to this session's booking (app.outbox.store)
BOOKING = "booking"  # the chat's latest booking and its status, kept live (app.chat.booking)
CHAT = "chat"  # the chat's cursor, read mark and reset cut-off (app.chat.conversation)
REPLY = "reply"  # the therapist's unsent reply text (app.inbox)
KINDS = frozenset({DRAFT, DRAFT_BACKUP, DRAFT_CORRUPT, MESSAGES, SCROLL, CONFIRMATION, BOOKING, CHAT, REPLY})
DRAFT_KINDS = frozenset({DRAFT, DRAFT_BACKUP, DRAFT_CORRUPT})

# A ":" inside a session id would make keys ambiguous to parse_key.
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def check_session_id(session_id: str) -> str:
    """Return ``session_id`` unchanged, or raise ``ValueError`` if it cannot be part of a key."""
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise ValueError(f"session id must be 1-64 of A-Z a-z 0-9 _ . - (got {session_id!r})")
    return session_id


def key_for(session_id: str, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r}")
    return f"{PREFIX}{check_session_id(session_id)}:{kind}"


def draft_key(session_id: str) -> str:
    return key_for(session_id, DRAFT)


def backup_key(session_id: str) -> str:
    return key_for(session_id, DRAFT_BACKUP)


def corrupt_key(session_id: str) -> str:
    return key_for(session_id, DRAFT_CORRUPT)


def messages_key(session_id: str) -> str:
    return key_for(session_id, MESSAGES)


def scroll_key(session_id: str) -> str:
    return key_for(session_id, SCROLL)


def confirmation_key(session_id: str) -> str:
    return key_for(session_id, CONFIRMATION)


def booking_key(session_id: str) -> str:
    return key_for(session_id, BOOKING)


def chat_key(session_id: str) -> str:
    return key_for(session_id, CHAT)


def reply_key(session_id: str) -> str:
    return key_for(session_id, REPLY)


def parse_key(key: str | None) -> tuple[str, str] | None:
    """``(session_id, kind)`` for one of our keys; ``None`` for anything else."""
    if not key or not key.startswith(PREFIX):
        return None
    session_id, _, kind = key[len(PREFIX):].partition(":")
    if kind not in KINDS or not _SESSION_ID.fullmatch(session_id):
        return None
    return session_id, kind
