"""The inbox page's DOM (``inbox.html``), written by id: no rules here, only what to show.

Text goes in with ``textContent`` (never ``innerHTML``), so a customer's ``<img onerror=…>`` is
text. Lists are updated in place by key (a conversation's session id, a message's id), so the
message log (``role=log``, ``aria-live=polite``) announces only what is new, and the
conversation button the therapist focused stays focused while the list refreshes.

Our sentences (``Text``) are written in the reader's language; ``relocalize`` writes them again
after the language switch. What people wrote is never translated.

Example::

    view = InboxView(js.document)
    view.render_list([ListRow("session_t-ayu_c1", "Ana", "Hello", "14:05", 2, False)])
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.i18n import Foreign, Text, translate, translate_or
from app.domain.words import SERVER_REFUSED

ACTIONS = {"retry": Text("Retry"), "delete": Text("Delete")}  # an unsent reply's buttons
UNREAD = Text(" unread")  # after the badge's number, for screen readers


def _ours(value: str) -> str:
    """Our sentences in the reader's language; anything else (a name, a message) as it is."""
    return translate(value) if isinstance(value, (Text, Foreign)) else value


@dataclass(frozen=True)
class ListRow:
    session_id: str
    name: str
    snippet: str
    time: str
    unread: int
    current: bool
    who: str = ""  # "WhatsApp …7890" / "No booking yet": two customers with one name differ here
    waiting: str = ""  # "Request waiting": the therapist has a request to answer here


@dataclass(frozen=True)
class LogRow:
    id: str
    sender_type: str
    meta: str
    text: str
    status: str | None = None
    reason: str = ""
    actionable: bool = False


@dataclass(frozen=True)
class BookingCard:
    """One booking of the open conversation, worded."""

    id: str
    status: str
    status_key: str  # the booking's status ("requested", ...), for the page's colours
    pairs: tuple[tuple[str, str], ...]
    sending: str = ""  # an answer on its way: "Sending…" / "Waiting for network" / "Not sent"
    sending_reason: str = ""
    actions: tuple[tuple[str, str], ...] = ()  # (action, button label)


@dataclass(frozen=True)
class UpcomingItem:
    id: str
    time: str
    customer: str
    duration: str
    address: str


class InboxView:
    def __init__(self, document) -> None:
        self.document = document
        self._by_id: dict[str, object] = {}
        self._rows: dict[str, tuple[object, tuple]] = {}  # conversation items by session id
        self._list_order: list[str] = []
        self._bookings: tuple | None = None
        self._upcoming: tuple | None = None
        self._log: dict[str, tuple[object, LogRow]] = {}  # message items by message id
        self._log_order: list[str] = []
        self._texts: dict[str, str] = {}  # what set_text was given, per element id

    def el(self, element_id: str):
        element = self._by_id.get(element_id)
        if element is None:
            element = self.document.getElementById(element_id)
            self._by_id[element_id] = element
        return element

    def _make(self, tag: str, class_name: str = "", text: str | None = None):
        element = self.document.createElement(tag)
        if class_name:
            element.className = class_name
        if text is not None:
            element.textContent = text
        return element

    def set_text(self, element_id: str, text: str) -> None:
        self._texts[element_id] = text
        element = self.el(element_id)
        said = translate(text)
        if element.textContent != said:
            element.removeAttribute("data-i18n")  # Python writes this one now, not static/js/i18n.js
            element.textContent = said

    def relocalize(self) -> None:
        """The language switched: every text again at once, every list row at the next render."""
        for element_id, text in self._texts.items():
            self.el(element_id).textContent = translate(text)
        self._rows = {session_id: (item, None) for session_id, (item, _) in self._rows.items()}
        self._log = {message_id: (item, None) for message_id, (item, _) in self._log.items()}
        self._bookings = None
        self._upcoming = None

    def show(self, element_id: str, visible: bool = True) -> None:
        element = self.el(element_id)
        if element.hidden == visible:
            element.hidden = not visible

    # --- the conversation list ----------------------------------------------------------------

    def render_list(self, rows: list[ListRow]) -> None:
        listing = self.el("conversations")
        items = []
        for row in rows:
            known = self._rows.get(row.session_id)
            signature = (row.name, row.who, row.snippet, row.time, row.unread, row.current, row.waiting)
            if known is None or known[1] != signature:
                item = known[0] if known else self._make("li", "conversations__item")
                self._fill_list_item(item, row)
                self._rows[row.session_id] = (item, signature)
            items.append(self._rows[row.session_id][0])
        wanted = {row.session_id for row in rows}
        for session_id in [s for s in self._rows if s not in wanted]:
            del self._rows[session_id]
        order = [row.session_id for row in rows]
        if order != self._list_order:
            self._list_order = order
            focused = self.document.activeElement
            had_focus = bool(focused) and listing.contains(focused)
            listing.replaceChildren(*items)
            if had_focus:
                focused.focus()  # moving a node drops its focus: put it back
        self.show("conversations-empty", not rows)

    def _fill_list_item(self, item, row: ListRow) -> None:
        button = self._make("button", "conversation")
        button.type = "button"
        button.dataset.session = row.session_id
        if row.current:
            button.setAttribute("aria-current", "true")
        head = self._make("span", "conversation__head")
        name = self._make("span", "conversation__name", _ours(row.name))
        if row.who:
            name.append(self._make("span", "conversation__who", " · " + translate(row.who)))
        head.append(name, self._make("span", "conversation__time", row.time))
        foot = self._make("span", "conversation__foot")
        foot.append(self._make("span", "conversation__snippet", _ours(row.snippet)))
        if row.unread:
            # The badge shows the number; the button's accessible name says what it counts.
            badge = self._make("span", "conversation__unread")
            badge.append(self._make("span", "", str(row.unread)),
                         self._make("span", "visually-hidden", translate(UNREAD)))
            foot.append(badge)
        button.append(head, foot)
        if row.waiting:
            button.append(self._make("span", "conversation__waiting", translate(row.waiting)))
        focused = self.document.activeElement
        had_focus = bool(focused) and item.contains(focused)
        item.replaceChildren(button)
        if had_focus:
            button.focus()

    # --- the open conversation ----------------------------------------------------------------

    def render_log(self, rows: list[LogRow]) -> bool:
        """Show ``rows``; True when something was added (the caller may scroll to it)."""
        listing = self.el("messages")
        ids = [row.id for row in rows]
        appended = ids[:len(self._log_order)] == self._log_order
        if not appended:
            self._log.clear()
        for row in rows:
            known = self._log.get(row.id)
            if known is None:
                self._log[row.id] = (self._log_item(row), row)
            elif known[1] != row:
                item = self._log_item(row)
                known[0].replaceWith(item)
                self._log[row.id] = (item, row)
        for message_id in [m for m in self._log if m not in set(ids)]:
            del self._log[message_id]
        if appended:
            new = [self._log[i][0] for i in ids[len(self._log_order):]]
            if new:
                listing.append(*new)
        else:
            listing.replaceChildren(*(self._log[i][0] for i in ids))
        added = len(ids) > len(self._log_order) or not appended
        self._log_order = ids
        return added

    def _log_item(self, row: LogRow):
        # The therapist's side of the chat: the customer on the left, own replies on the right.
        side = {"customer": "them", "therapist": "own"}.get(row.sender_type, "system")
        item = self._make("li", f"message message--{side}")
        item.dataset.messageId = row.id
        item.append(self._make("span", "message__meta", row.meta),
                    self._make("span", "message__text", _ours(row.text)))
        if row.status:
            status = self._make("span", "message__status", translate(row.status))
            status.dataset.status = row.status
            item.append(status)
        if row.reason:
            item.append(self._make("span", "message__reason", translate_or(row.reason, SERVER_REFUSED)))
        if row.actionable:
            actions = self._make("span", "message__actions")
            for action, label in ACTIONS.items():
                button = self._make("button", "button button--small", translate(label))
                button.type = "button"
                button.dataset.action = action
                button.dataset.id = row.id
                actions.append(button)
            item.append(actions)
        return item

    def clear_log(self) -> None:
        self._log.clear()
        self._log_order = []
        self.el("messages").replaceChildren()

    def scroll_log(self) -> None:
        listing = self.el("messages")
        listing.scrollTop = listing.scrollHeight

    def log_at_bottom(self) -> bool:
        listing = self.el("messages")
        return listing.scrollHeight - listing.scrollTop - listing.clientHeight < 24

    def render_bookings(self, cards: list[BookingCard], empty: str) -> bool:
        """Each booking: its status, its details as (label, value) pairs, what is on its way, its buttons;
        True when something changed.

        The therapist's focus survives a re-render: on the same button if it is still there, else on
        the booking's card (an answered request loses its Accept button).
        """
        signature = (tuple(cards), empty)
        if signature == self._bookings:
            return False
        self._bookings = signature
        listing = self.el("bookings")
        focused = self.document.activeElement
        had_focus = bool(focused) and listing.contains(focused)
        # getAttribute, not dataset: a missing data- attribute is an AttributeError through the proxy.
        focus_booking = str(focused.getAttribute("data-booking") or "") if had_focus else ""
        focus_action = str(focused.getAttribute("data-action") or "") if had_focus else ""
        items = [self._booking_item(card) for card in cards]
        if not items:
            items = [self._make("li", "bookings__empty", translate(empty))]
        listing.replaceChildren(*items)
        if focus_booking:
            target = (listing.querySelector(f"button[data-booking='{focus_booking}'][data-action='{focus_action}']")
                      or listing.querySelector(f"li[data-booking='{focus_booking}']"))
            if target:
                target.focus()
        return True

    def _booking_item(self, card: BookingCard):
        item = self._make("li", "booking-card")
        item.dataset.booking = card.id
        item.tabIndex = -1  # where the focus goes when the button pressed is gone
        status = self._make("p", "booking-card__status", translate(card.status))
        status.dataset.status = card.status_key
        item.append(status)
        # What is on its way and the buttons come right under the status (the details can be long and
        # the list scrolls): the therapist answers without hunting for the buttons.
        if card.sending:
            sending = self._make("p", "booking-card__sending", translate(card.sending))
            sending.dataset.status = card.sending
            item.append(sending)
        if card.sending_reason:
            item.append(self._make("p", "booking-card__reason", translate_or(card.sending_reason, SERVER_REFUSED)))
        if card.actions:
            actions = self._make("div", "booking-card__actions")
            for action, label in card.actions:
                button = self._make("button", "button button--small" + (" button--primary" if action == "accept"
                                                                      else ""), translate(label))
                button.type = "button"
                button.dataset.action = action
                button.dataset.booking = card.id
                actions.append(button)
            item.append(actions)
        details = self._make("dl", "booking-card__details")
        for label, value in card.pairs:
            said = self._make("dd", "", _ours(value))
            if not isinstance(value, (Text, Foreign)):
                said.dataset.wrote = ""  # what a person wrote (an address, a name): never translated
            details.append(self._make("dt", "", translate(label)), said)
        item.append(details)
        return item

    # --- upcoming bookings --------------------------------------------------------------------

    def render_upcoming(self, days: list[tuple[str, tuple[UpcomingItem, ...]]], empty: str) -> None:
        """Days (a heading each) of bookings, earliest first; ``empty`` when there are none."""
        signature = (tuple(days), empty)
        if signature == self._upcoming:
            return
        self._upcoming = signature
        listing = self.el("upcoming")
        items = []
        for heading, bookings in days:
            day = self._make("li", "upcoming__day")
            title = self._make("h3", "upcoming__heading", translate(heading))
            rows = self._make("ul", "upcoming__bookings")
            for booking in bookings:
                row = self._make("li", "upcoming__booking")
                row.dataset.booking = booking.id
                head = self._make("span", "upcoming__head")
                name = self._make("span", "upcoming__name", booking.customer)
                address = self._make("span", "upcoming__address", booking.address)
                name.dataset.wrote = address.dataset.wrote = ""  # what people wrote: never translated
                head.append(self._make("span", "upcoming__time", translate(booking.time)), name,
                            self._make("span", "upcoming__duration", translate(booking.duration)))
                row.append(head, address)
                rows.append(row)
            day.append(title, rows)
            items.append(day)
        listing.replaceChildren(*items)
        self.show("upcoming-empty", not days)
        self.set_text("upcoming-empty", empty)
