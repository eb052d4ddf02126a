"""Every sentence the customer (or the therapist) reads, in one place.

The core returns these in results and statuses; ``app.ui`` and ``app.browser`` only put them on
the page. They live in the lowest room (``app.domain``) because the rooms above all speak
them: validation, the outbox, the draft manager and the presenters. Keeping them here means a
wording change is one edit, and the tests that look for a sentence import it from here.

Example::

    from app.domain import words
    words.BOOKING.offline        # "No connection right now. Your booking is saved and ..."
    words.FIELD_LABELS["customer_whatsapp"]   # "WhatsApp number"
"""

from __future__ import annotations

from dataclasses import dataclass

# --- the booking form ---------------------------------------------------------------------------

# The labels the form shows, so a server error reads like the page.
FIELD_LABELS = {"customer_name": "Your name", "customer_whatsapp": "WhatsApp number", "duration": "Duration",
                "price": "Price", "location_type": "Location", "massage_for": "Massage for",
                "therapist_id": "Therapist"}

INVALID_BOOKING = "Please fix the details below before ordering."
FIX_BEFORE_ORDERING = "Please fix the following before ordering:"
GENERIC_INVALID = "Please check the booking details"
DRAFT_DELETED = "Your booking draft was deleted."


def validation_messages(name_max: int) -> dict[str, dict[str, str]]:
    """Per field: pydantic error type -> sentence; "*" is the field's fallback."""
    return {
        "customer_name": {
            "missing": "Your name is required",
            "too_short": "Your name must be at least 2 characters",
            "string_too_long": f"Your name must be at most {name_max} characters",
            "value_error": "Your name must not contain control characters",
            "*": "Please check your name",
        },
        "customer_whatsapp": {
            "missing": "Your WhatsApp number is required",
            "*": "WhatsApp number must be a valid international number, like +62 812 3456 7890",
        },
        "duration": {"*": "Please choose a duration"},
        "price": {"*": "The price is missing; please choose the duration again"},
        "location_type": {"*": "Please choose a location"},
        "massage_for": {"*": "Please choose who the massage is for"},
        "therapist_id": {"*": "This chat is not linked to a therapist; please open it again from their page"},
        "customer_id": {"*": "We could not identify you; please reload the page"},
    }


# --- saving on this device ----------------------------------------------------------------------

NOT_PERSISTENT = "Storage is full or blocked in this browser: your draft is only kept while this tab is open."
DRAFT_SAVED_AS_YOU_TYPE = "Your draft is saved on this device as you type."
SAVING = "Saving…"


def storage_full(detail: str) -> str:
    return f"Browser storage is full; changes are kept only while this tab is open ({detail})"


def storage_blocked(detail: str) -> str:
    return f"This browser does not let the page save; changes are kept only while this tab is open ({detail})"


def saving_failed(detail: str) -> str:
    return f"Saving failed ({detail})"


DRAFT_DAMAGED_NO_COPY = "The saved booking was damaged and no good copy was left; starting a new one"


def draft_restored(version: int) -> str:
    return f"The saved booking was damaged; restored the copy of version {version}"


def history_unreadable(reason: str) -> str:
    return f"The chat history could not be read ({reason})"


OUTBOX_MEMORY_ONLY = "Bookings are kept in this tab only."


def outbox_memory_only(detail: str) -> str:
    return f"Bookings are kept in this tab only ({detail})."


def outbox_not_saved(detail: str) -> str:
    return f"Your booking could not be saved on this device ({detail}); keep this page open until it is sent."


def outbox_set_aside(reason: str) -> str:
    return f"A saved booking could not be read ({reason}); it was set aside."


# --- sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendTexts:
    """What the person reads about one kind of outgoing item, by what happened to it."""

    sent: str
    offline: str
    busy: str
    wait: str
    other_tab: str
    unexpected: str  # formatted with {status}
    rejected: str
    rejected_fallback: str
    conflict: str
    changed_after_send: str
    handled_elsewhere: str
    memory_only_note: str = " Keep this page open until it is sent."


BOOKING = SendTexts(
    sent="Your booking is confirmed.",
    offline="No connection right now. Your booking is saved and will be sent as soon as you are online.",
    busy="The booking service is busy. Your booking is saved and will be sent automatically.",
    wait="The booking service asked us to wait a little. Your booking is saved and will be sent.",
    other_tab="Your booking is being sent from another open tab.",
    unexpected=("We could not reach the booking service (it answered {status}). Your booking is saved "
                "and will be sent when you come back to this page."),
    rejected="The booking was not accepted. Please check the details and send it again.",
    rejected_fallback="The booking service did not accept these details.",
    conflict=("This booking clashes with one the booking service already has, so it was not sent again. "
              "Nothing is lost: you can send it again or ask the therapist in the chat."),
    changed_after_send=("An earlier version of this booking may already have reached the therapist, so "
                        "the changed one was not sent. Please check with the therapist in the chat."),
    handled_elsewhere="This booking was handled in another open tab.",
)

MESSAGE = SendTexts(
    sent="Sent",
    offline="No connection right now; the message goes out as soon as you are online.",
    busy="The chat service is busy; the message is kept and goes out automatically.",
    wait="The chat service asked us to wait a little; the message goes out automatically.",
    other_tab="This message is being sent from another open tab.",
    unexpected=("We could not reach the chat service (it answered {status}); the message is kept and goes "
                "out when you come back to this page."),
    rejected="The chat service did not accept this message.",
    rejected_fallback="The chat service did not accept this message.",
    conflict="The chat service already has a different message with this id.",
    changed_after_send="The chat service already has a different message with this id.",
    handled_elsewhere="This message was handled in another open tab.",
    memory_only_note=" Keep this page open until it is sent.",
)

# The booking's sync status line.
BOOKING_SENDING = "Sending your booking…"
BOOKING_QUEUED_OFFLINE = "Booking queued — it will be sent when you're back online"
BOOKING_QUEUED = "Booking queued — it will be sent automatically."

# The state of a chat message, shown inside its list item (a contract: exactly these words).
MESSAGE_SENDING = "Sending…"
MESSAGE_WAITING = "Waiting for network"
MESSAGE_SENT = "Sent"
MESSAGE_READ = "Read"
MESSAGE_NOT_SENT = "Not sent"


def new_messages(count: int) -> str:
    return "1 new message ↓" if count == 1 else f"{count} new messages ↓"


CHAT_DENIED = ("This chat cannot be opened from this device any more (its key was replaced). "
               "Your booking draft is safe; ask the therapist on WhatsApp if you need an answer.")

# --- this device's copy ------------------------------------------------------------------------


def unsent_warning(counts: dict[str, int]) -> str:
    """The "Forget me" dialog's warning about what was never sent ("" when nothing is waiting)."""
    parts = []
    bookings, messages = counts.get("booking", 0), counts.get("message", 0)
    if bookings:
        parts.append("1 booking" if bookings == 1 else f"{bookings} bookings")
    if messages:
        parts.append("1 message" if messages == 1 else f"{messages} messages")
    if not parts:
        return ""
    return f"{' and '.join(parts)} not sent yet will not be sent."


PERSIST_GRANTED = "Kept by the browser: yes"
PERSIST_DENIED = "Kept by the browser: may be cleared when space is low"
PERSIST_UNKNOWN = "Kept by the browser: not asked yet"

# --- who said it --------------------------------------------------------------------------------

SENDER_LABELS = {"customer": "You", "system": "Chat Booking"}
THERAPIST_FALLBACK = "Therapist"
NEW_CUSTOMER = "New customer"

# --- the therapist's inbox (inbox.html) ---------------------------------------------------------

INBOX_TOKEN_MISSING = "Please paste the access token you were given."
INBOX_TOKEN_WRONG = ("This access token is not valid: it may be mistyped or revoked. "
                     "Please check it, or ask for a new one.")
INBOX_TOKEN_EXPIRED = ("Your access token is no longer valid. Please sign in again; "
                       "a reply you were writing is kept on this device.")
INBOX_SIGN_IN_OFFLINE = "No connection right now, so the token cannot be checked. Please try again when online."
INBOX_SIGN_IN_FAILED = "The inbox service could not check the token (it answered {status}). Please try again."
INBOX_SIGNED_OUT = "You are signed out. The token was removed from this device."
INBOX_NOT_PERSISTENT = ("This browser does not let the page save: your sign-in and the reply you are "
                        "writing are only kept while this tab is open.")
INBOX_OFFLINE_LIST = "No connection right now: showing the conversations from your last visit."
INBOX_NO_CONVERSATIONS = "No conversations yet. When a customer writes or books, it shows up here."
INBOX_NO_MESSAGES = "No messages in this conversation yet."
INBOX_NO_BOOKINGS = "No bookings with you yet."
INBOX_CHOOSE = "Choose a conversation to read it and reply."
INBOX_LOADING = "Loading the conversation…"
INBOX_YOU = "You"

# --- a background task failed (app.domain.tasks) ------------------------------------------------

BACKGROUND_TASK_FAILED = ("Something went wrong in the background ({detail}). Your draft is kept; "
                          "reload the page if it keeps happening.")
