"""Every sentence the customer (or the therapist) reads, in one place.

The core returns these in results and statuses; ``app.ui`` and ``app.browser`` only put them on
the page. They live in the lowest room (``app.domain``) because the rooms above all speak
them: validation, the outbox, the draft manager and the presenters. Keeping them here means a
wording change is one edit, and the tests that look for a sentence import it from here.

Example::

    from app.domain import words
    words.BOOKING.offline        # "No connection right now. Your booking is saved and ..."
    words.FIELD_LABELS["customer_whatsapp"]   # "WhatsApp number"

Every sentence is a ``Text`` (``app.domain.i18n``): a ``str`` in English that the page translates
when it shows it. Adding one: write it here as ``Text("...")`` (values as ``{name}``, filled in with
``Text("... {name}", name=...)`` or ``.format(name=...)``), then run ``python tools/i18n.py update``
and translate the new entry in ``locale/id/LC_MESSAGES/chatbooking.po`` (tests/build/test_translations.py
names any entry left untranslated).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.i18n import Text

# --- the booking form ---------------------------------------------------------------------------

# The labels the form shows, so a server error reads like the page.
FIELD_LABELS = {"customer_name": Text("Your name"), "customer_whatsapp": Text("WhatsApp number"),
                "duration": Text("Duration"), "price": Text("Price"), "location_type": Text("Location"),
                "massage_for": Text("Massage for"), "therapist_id": Text("Therapist"), "address": Text("Address"),
                "when": Text("When"), "starts_at": Text("Start time")}

INVALID_BOOKING = Text("Please fix the details below before ordering.")
FIX_BEFORE_ORDERING = Text("Please fix the following before ordering:")
GENERIC_INVALID = Text("Please check the booking details")
DRAFT_DELETED = Text("Your booking draft was deleted.")
# What the page says instead of the API's English ``detail`` when the reader's language is another.
SERVER_REFUSED = Text("This was not accepted. Please check it and try again.")


# "Request sent": what happens next, said once (the customer is already in a chat with them).
def confirmation_next(therapist_first_name: str) -> str:
    return Text("{name} accepts or declines your request; the answer shows under “Your booking” and here in "
                "the chat.", name=therapist_first_name)


REFERENCE_COPIED = Text("Copied")
REFERENCE_SELECTED = Text("Selected: copy it with your browser's Copy")

# The "Clear this chat?" dialog: the draft is mentioned only when there is one.
RESET_CHAT = Text("The conversation is removed from this device.")
RESET_CHAT_DRAFT_STAYS = Text("The conversation is removed from this device. Your booking draft stays.")


def validation_messages(name_max: int) -> dict[str, dict[str, str]]:
    """Per field: pydantic error type -> sentence; "*" is the field's fallback."""
    return {
        "customer_name": {
            "missing": Text("Your name is required"),
            "too_short": Text("Your name must be at least 2 characters"),
            "string_too_long": Text("Your name must be at most {name_max} characters", name_max=name_max),
            "value_error": Text("Your name must not contain control characters"),
            "*": Text("Please check your name"),
        },
        "customer_whatsapp": {
            "missing": Text("Your WhatsApp number is required"),
            "*": Text("WhatsApp number must be a valid international number, like +62 812 3456 7890"),
        },
        "duration": {"*": Text("Please choose a duration")},
        "price": {"*": Text("The price is missing; please choose the duration again")},
        "location_type": {"*": Text("Please choose a location")},
        "massage_for": {"*": Text("Please choose who the massage is for")},
        "address": {
            "missing": Text("Your address is required: the place and how to find it"),
            "string_too_long": Text("The address must be at most 300 characters"),
            "value_error": Text("The address must not contain control characters"),
            "*": Text("Please check the address"),
        },
        "when": {
            "missing": Text("Please choose when: as soon as possible, or a time"),
            "taken": Text("No free time is left soon; please choose a time"),
            "*": Text("Please choose when: as soon as possible, or a time"),
        },
        "starts_at": {
            "missing": Text("Please choose a start time"),
            "past": Text("That start time has passed; please choose another"),
            "taken": Text("That time was just taken; please choose another start time"),
            "*": Text("Please choose a start time"),
        },
        "therapist_id": {"*": Text("This chat is not linked to a therapist; please open it again from their page")},
        "customer_id": {"*": Text("We could not identify you; please reload the page")},
    }


# --- saving on this device ----------------------------------------------------------------------

NOT_PERSISTENT = Text("Storage is full or blocked in this browser: your draft is only kept while this tab is open.")
DRAFT_SAVED_AS_YOU_TYPE = Text("Your draft is saved on this device as you type.")
SAVING = Text("Saving…")


def storage_full(detail: str) -> str:
    return Text("Browser storage is full; changes are kept only while this tab is open ({detail})", detail=detail)


def storage_blocked(detail: str) -> str:
    return Text("This browser does not let the page save; changes are kept only while this tab is open ({detail})",
                detail=detail)


def saving_failed(detail: str) -> str:
    return Text("Saving failed ({detail})", detail=detail)


DRAFT_DAMAGED_NO_COPY = Text("The saved booking was damaged and no good copy was left; starting a new one")


def draft_restored(version: int) -> str:
    return Text("The saved booking was damaged; restored the copy of version {version}", version=version)


def history_unreadable(reason: str) -> str:
    return Text("The chat history could not be read ({reason})", reason=reason)


OUTBOX_MEMORY_ONLY = Text("Bookings are kept in this tab only.")


def outbox_memory_only(detail: str) -> str:
    return Text("Bookings are kept in this tab only ({detail}).", detail=detail)


def outbox_not_saved(detail: str) -> str:
    return Text("Your booking could not be saved on this device ({detail}); keep this page open until it is sent.",
                detail=detail)


def outbox_set_aside(reason: str) -> str:
    return Text("A saved booking could not be read ({reason}); it was set aside.", reason=reason)


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
    memory_only_note: str = Text(" Keep this page open until it is sent.")


BOOKING = SendTexts(
    sent=Text("Your booking is confirmed."),
    offline=Text("No connection right now. Your booking is saved and will be sent as soon as you are online."),
    busy=Text("The booking service is busy. Your booking is saved and will be sent automatically."),
    wait=Text("The booking service asked us to wait a little. Your booking is saved and will be sent."),
    other_tab=Text("Your booking is being sent from another open tab."),
    unexpected=Text("We could not reach the booking service (it answered {status}). Your booking is saved "
                    "and will be sent when you come back to this page."),
    rejected=Text("The booking was not accepted. Please check the details and send it again."),
    rejected_fallback=Text("The booking service did not accept these details."),
    conflict=Text("This booking clashes with one the booking service already has, so it was not sent again. "
                  "Nothing is lost: you can send it again or ask the therapist in the chat."),
    changed_after_send=Text("An earlier version of this booking may already have reached the therapist, so "
                            "the changed one was not sent. Please check with the therapist in the chat."),
    handled_elsewhere=Text("This booking was handled in another open tab."),
)

MESSAGE = SendTexts(
    sent=Text("Sent"),
    offline=Text("No connection right now; the message goes out as soon as you are online."),
    busy=Text("The chat service is busy; the message is kept and goes out automatically."),
    wait=Text("The chat service asked us to wait a little; the message goes out automatically."),
    other_tab=Text("This message is being sent from another open tab."),
    unexpected=Text("We could not reach the chat service (it answered {status}); the message is kept and goes "
                    "out when you come back to this page."),
    rejected=Text("The chat service did not accept this message."),
    rejected_fallback=Text("The chat service did not accept this message."),
    conflict=Text("The chat service already has a different message with this id."),
    changed_after_send=Text("The chat service already has a different message with this id."),
    handled_elsewhere=Text("This message was handled in another open tab."),
    memory_only_note=Text(" Keep this page open until it is sent."),
)

# The booking's sync status line.
BOOKING_SENDING = Text("Sending your booking…")
BOOKING_QUEUED_OFFLINE = Text("Booking queued — it will be sent when you're back online")
BOOKING_QUEUED = Text("Booking queued — it will be sent automatically.")

# The state of a chat message, shown inside its list item (a contract: exactly these words).
MESSAGE_SENDING = Text("Sending…")
MESSAGE_WAITING = Text("Waiting for network")  # only when this device is offline
MESSAGE_UNAVAILABLE = Text("Service unavailable, will retry")  # online, but the server answered 404/501/503...
MESSAGE_SENT = Text("Sent")
MESSAGE_READ = Text("Read")
MESSAGE_NOT_SENT = Text("Not sent")


# The composer's hint, true for the device in hand: a touch keyboard's Enter starts a new line (as on
# WhatsApp on phones), and the Send button sends; a physical keyboard's Enter sends.
CHAT_HINT_KEYBOARD = Text("Enter sends, Shift+Enter starts a new line.")
CHAT_HINT_TOUCH = Text("Enter starts a new line; tap Send to send.")
REPLY_HINT_KEYBOARD = Text("Enter sends, Shift+Enter starts a new line. What you type is kept on this device.")
REPLY_HINT_TOUCH = Text("Enter starts a new line; tap Send reply to send. What you type is kept on this device.")


def new_messages(count: int) -> str:
    return Text("1 new message ↓") if count == 1 else Text("{count} new messages ↓", count=count)


CHAT_DENIED = Text("This chat cannot be opened from this device any more (its key was replaced). "
                   "Your booking draft is safe; ask the therapist on WhatsApp if you need an answer.")

# --- this device's copy ------------------------------------------------------------------------


def unsent_warning(counts: dict[str, int]) -> str:
    """The "Forget me" dialog's warning about what was never sent ("" when nothing is waiting)."""
    parts = []
    bookings, messages = counts.get("booking", 0), counts.get("message", 0)
    cancels = counts.get("cancel", 0)
    if bookings:
        parts.append(Text("1 booking") if bookings == 1 else Text("{count} bookings", count=bookings))
    if messages:
        parts.append(Text("1 message") if messages == 1 else Text("{count} messages", count=messages))
    if cancels:
        parts.append(Text("1 cancellation") if cancels == 1 else Text("{count} cancellations", count=cancels))
    if not parts:
        return ""
    items = parts[0]
    for part in parts[1:-1]:
        items = Text("{first}, {second}", first=items, second=part)
    if len(parts) > 1:
        items = Text("{first} and {second}", first=items, second=parts[-1])
    return Text("{items} not sent yet will not be sent.", items=items)


PERSIST_GRANTED = Text("Kept by the browser: yes")
PERSIST_DENIED = Text("Kept by the browser: may be cleared when space is low")
PERSIST_UNKNOWN = Text("Kept by the browser: not asked yet")

# --- who said it --------------------------------------------------------------------------------

SENDER_LABELS = {"customer": Text("You"), "system": "Chat Booking"}  # the product's name is not translated
THERAPIST_FALLBACK = Text("Therapist")
NEW_CUSTOMER = Text("New customer")

# --- the therapist's inbox (inbox.html) ---------------------------------------------------------

INBOX_TOKEN_MISSING = Text("Please paste the access token you were given.")
INBOX_TOKEN_WRONG = Text("This access token is not valid: it may be mistyped or revoked. "
                         "Please check it, or ask for a new one.")
INBOX_TOKEN_EXPIRED = Text("Your access token is no longer valid. Please sign in again; "
                           "a reply you were writing is kept on this device.")
INBOX_SIGN_IN_OFFLINE = Text("No connection right now, so the token cannot be checked. Please try again when online.")
INBOX_SIGN_IN_FAILED = Text("The inbox service could not check the token (it answered {status}). Please try again.")
INBOX_SIGNED_OUT = Text("You are signed out. The token was removed from this device.")
INBOX_NOT_PERSISTENT = Text("This browser does not let the page save: your sign-in and the reply you are "
                            "writing are only kept while this tab is open.")
INBOX_OFFLINE_LIST = Text("No connection right now: showing the conversations from your last visit.")
INBOX_NO_CONVERSATIONS = Text("No conversations yet. When a customer writes or books, it shows up here.")
INBOX_NO_MESSAGES = Text("No messages in this conversation yet.")
INBOX_NO_BOOKINGS = Text("No bookings with you yet.")
INBOX_CHOOSE = Text("Choose a conversation to read it and reply.")
INBOX_LOADING = Text("Loading the conversation…")
INBOX_YOU = Text("You")
INBOX_NO_BOOKING_YET = Text("No booking yet")


def inbox_whatsapp_ending(digits: str) -> str:
    return Text("WhatsApp …{digits}", digits=digits)


# --- the therapist's bookings (inbox.html, issue 17): one block, so merges stay easy -----------------

# A booking's time is said by app.domain.times (day and month names, the clock time: WEEKDAYS, MONTHS below).


def zoned_time(time: str, zone: str) -> str:
    """"15:00 WITA"."""
    return Text("{time} {zone}", time=time, zone=zone) if zone else time


def booking_when(day: str, time: str, zone: str) -> str:
    """"Tue 9 Dec, 15:00 WITA"."""
    return Text("{day}, {time}", day=day, time=zoned_time(time, zone))


def request_waiting(count: int, first: str = "") -> str:
    """The conversation list's line for requests not answered yet (contract: contains "Request waiting")."""
    said = Text("Request waiting") if count == 1 else Text("Request waiting ({count})", count=count)
    return Text("{waiting} · {when}", waiting=said, when=first) if first else said


# A booking's status as the therapist reads it.
BOOKING_STATUS = {"requested": Text("Request waiting"), "confirmed": Text("Booking confirmed"),
                  "declined": Text("Declined"), "expired": Text("Expired"), "cancelled": Text("Cancelled"),
                  "completed": Text("Completed")}
CANCELLED_BY = {"customer": Text("Cancelled by the customer"), "therapist": Text("Cancelled by you"),
                "system": Text("Cancelled")}
# The buttons (contracts) and what the dialog asks.
BOOKING_ACTIONS = {"accept": Text("Accept"), "decline": Text("Decline"), "cancel": Text("Cancel"),
                   "complete": Text("Mark completed")}
DECLINE_REASONS = (Text("Fully booked"), Text("Too far"), Text("Not available then"))


def known_reason(reason: str) -> str:
    """A reason from the short list is sent in English and read in the reader's language; any other
    reason is what a person wrote, shown as written."""
    return next((ours for ours in DECLINE_REASONS if ours == reason), reason)
REASON_MISSING = Text("Please choose or write a reason: the customer reads it.")


def decline_title(when: str) -> str:
    return Text("Decline the request for {when}?", when=when)


def cancel_title(when: str) -> str:
    return Text("Cancel the booking for {when}?", when=when)


# An action on its way (the same words as a reply's), and why one was not sent.
BOOKING_ACTION = SendTexts(
    sent=Text("Done"),
    offline=Text("No connection right now; it goes out as soon as you are online."),
    busy=Text("The booking service is busy; it is kept and goes out automatically."),
    wait=Text("The booking service asked us to wait a little; it goes out automatically."),
    other_tab=Text("This is being sent from another open tab."),
    unexpected=Text("We could not reach the booking service (it answered {status}); it is kept and goes out "
                    "when you come back to this page."),
    rejected=Text("The booking service did not accept this."),
    rejected_fallback=Text("The booking service did not accept this."),
    conflict=Text("This booking changed before your answer arrived."),
    changed_after_send=Text("This booking changed before your answer arrived."),
    handled_elsewhere=Text("This was handled in another open tab."),
)


def booking_now(status: str) -> str:
    """Why an action was not sent: the booking is no longer what it was (the 409's current status)."""
    return Text("Not possible any more: this booking is now “{status}”.",
                status=BOOKING_STATUS.get(status, status))


# A system line this page cannot say from its event: the server's English, or this in another language.
BOOKING_UPDATE = Text("A booking changed: see Bookings.")
UPCOMING_NONE = Text("No confirmed bookings coming up.")
UPCOMING_LOADING = Text("Loading your bookings…")
UPCOMING_UNREACHABLE = Text("Your bookings could not be loaded; they show up when you are online.")
UPCOMING_STALE = Text("No connection right now: this list may be out of date.")
ACTION_CONFIRM = {"decline": Text("Decline request"), "cancel": Text("Cancel booking")}
BOOKING_WHEN = Text("When")
BOOKING_ADDRESS = Text("Address")
BOOKING_REASON = Text("Reason")


def minutes(count: int) -> str:
    return Text("{minutes} min", minutes=count)


def booking_event(event_status: str, by: str, *, customer: str, when: str, reason: str = "") -> str:
    """A system line of the conversation, as the therapist reads it ("" when the event is unknown)."""
    said = {
        ("requested", "customer"): Text("{customer} asked for a booking on {when}", customer=customer, when=when),
        ("confirmed", "therapist"): Text("You confirmed the booking on {when}", when=when),
        ("declined", "therapist"): Text("You declined the request for {when}", when=when),
        ("expired", "system"): Text("The request for {when} expired: nobody answered in time", when=when),
        ("cancelled", "customer"): Text("{customer} cancelled the booking on {when}", customer=customer, when=when),
        ("cancelled", "therapist"): Text("You cancelled the booking on {when}", when=when),
        ("completed", "therapist"): Text("You marked the booking on {when} completed", when=when),
    }.get((event_status, by), "")
    if said and reason:
        return Text("{said} (“{reason}”)", said=said, reason=known_reason(reason))
    return said

# --- a background task failed (app.domain.tasks) ------------------------------------------------

BACKGROUND_TASK_FAILED = Text("Something went wrong in the background ({detail}). Your draft is kept; "
                              "reload the page if it keeps happening.")

# --- a booking's time (the customer's page; app.domain.times) -----------------------------------

WEEKDAYS = (Text("Mon"), Text("Tue"), Text("Wed"), Text("Thu"), Text("Fri"), Text("Sat"), Text("Sun"))
MONTHS = (Text("Jan"), Text("Feb"), Text("Mar"), Text("Apr"), Text("May"), Text("Jun"), Text("Jul"),
          Text("Aug"), Text("Sep"), Text("Oct"), Text("Nov"), Text("Dec"))
TODAY = Text("Today")
TOMORROW = Text("Tomorrow")
TIME_TO_BE_AGREED = Text("Time to be agreed")  # a booking from before times (a contract)
ASAP_NONE = Text("no free time soon")


def your_time(time: str) -> str:
    return Text("{time} your time", time=time)


def about(time: str) -> str:
    return Text("about {time}", time=time)


# The free start times of the chosen day (GET /api/therapists/{id}/slots).
TIMES_LOADING = Text("Loading the free times…")
TIMES_OFFLINE = Text("The free times cannot be loaded right now (no connection). Your choice is kept.")
TIMES_FAILED = Text("The free times cannot be loaded right now. Your choice is kept; please try again later.")
CHOOSE_START = Text("Choose a start time")
START_NO_LONGER_LISTED = Text("(no longer free)")


def no_times_on(day: str) -> str:
    return Text("No free time on {day}.", day=day)


def next_free_day(day: str) -> str:
    return Text("Show {day}", day=day)


NO_TIMES_AHEAD = Text("No free time in the coming days. Please ask in the chat.")

# --- the booking's status (the customer's "Your booking") ----------------------------------------

REQUEST_SENT = Text("Request sent")  # a contract


def waiting_for(therapist_name: str) -> str:
    return Text("Waiting for {name} to accept", name=therapist_name)  # a contract


STATUS_TITLES = {  # exactly one shows (contracts); "requested" is waiting_for(name)
    "confirmed": Text("Booking confirmed"),
    "declined": Text("Declined"),
    "expired": Text("Expired"),
    "cancelled": Text("Cancelled"),
    "completed": Text("Completed"),
}
PICK_ANOTHER_TIME = Text("Pick another time")
EXPIRED_DETAIL = Text("Nobody answered in time.")
CANCELLED_BY_YOU = Text("Cancelled by you")
CANCELLED_BY_SYSTEM = Text("Cancelled by Chat Booking")


def cancelled_by(name: str) -> str:
    return Text("Cancelled by {name}", name=name)


def reason_is(reason: str) -> str:
    return Text("Reason: {reason}", reason=reason)


def duration_minutes(minutes: int) -> str:
    return Text("{minutes} min", minutes=minutes)


# Each status change once in the chat, from its event (app.chat: a system message's ``event``).
def event_line(status: str, by: str, therapist: str, when: str) -> str:
    if status == "requested":
        return Text("You asked {name} for a booking on {when}.", name=therapist, when=when)
    if status == "confirmed":
        return Text("{name} confirmed your booking for {when}", name=therapist, when=when)
    if status == "declined":
        return Text("{name} declined your booking for {when}", name=therapist, when=when)
    if status == "expired":
        return Text("Your booking request for {when} expired: nobody answered in time", when=when)
    if status == "cancelled" and by == "customer":
        return Text("You cancelled your booking for {when}", when=when)
    if status == "cancelled" and by == "therapist":
        return Text("{name} cancelled your booking for {when}", name=therapist, when=when)
    if status == "cancelled":
        return Text("Your booking for {when} was cancelled", when=when)
    return Text("{name} marked your booking for {when} as completed", name=therapist, when=when)


# --- cancelling a booking (the customer's "Cancel this booking") ---------------------------------

CANCEL_THIS_BOOKING = Text("Cancel this booking")  # a contract


def cancel_question(when: str) -> str:
    return Text("Cancel your booking for {when}?", when=when)


CANCEL = SendTexts(
    sent=Text("Cancelled"),
    offline=Text("Waiting for network"),
    busy=Text("The booking service is busy; your cancellation is kept and sent automatically."),
    wait=Text("The booking service asked us to wait a little; your cancellation is sent automatically."),
    other_tab=Text("Your cancellation is being sent from another open tab."),
    unexpected=Text("We could not reach the booking service (it answered {status}); your cancellation is "
                    "kept and sent when you come back to this page."),
    rejected=Text("Not sent"),
    rejected_fallback=Text("The booking service did not accept this cancellation."),
    conflict=Text("Not sent"),
    changed_after_send=Text("Not sent"),
    handled_elsewhere=Text("This cancellation was handled in another open tab."),
)


def not_sent_because(status_title: str) -> str:
    """A cancellation the server refused (409): the booking had already moved on."""
    return Text("Not sent: the booking is already “{status}”.", status=status_title)
# --- Web Push switches (app.push.switch; both pages) --------------------------------------------

PUSH_INBOX_LABEL = Text("Notify me on this device")


def push_customer_label(therapist_name: str) -> str:
    return Text("Notify me when {name} answers", name=therapist_name)


PUSH_UNSUPPORTED = Text("This browser cannot show notifications")
PUSH_BLOCKED = Text("Notifications are blocked in this browser's settings")
PUSH_NOT_ALLOWED = Text("Notifications stay off: the browser did not get your permission.")
PUSH_TURNING_ON = Text("Turning notifications on…")
PUSH_TURNING_OFF = Text("Turning notifications off…")
PUSH_ON = Text("This device will be notified.")
PUSH_OFFLINE = Text("No connection right now: notifications could not be turned on. Please try again when online.")
PUSH_FAILED = Text("Notifications could not be turned on. Please try again.")
PUSH_SERVICE_REFUSED = Text("This site does not accept this browser's notification service.")
