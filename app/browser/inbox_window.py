"""The therapist's inbox window: browser events to the ``Inbox`` core, its state to ``InboxView``.

No rules here: who is signed in, what to mark read and what to send are ``app.inbox``'s; the
words are ``app.domain.words``'; times are ``app.browser.language.message_time``'s (the browser's
``Intl``). Listeners live as long as the page (``pyodide.ffi.wrappers.add_event_listener``); the list
and the log use one delegated click listener each.

Example::

    window = InboxWindow(InboxView(js.document), inbox, catalog, clock=clock, scheduler=scheduler)
    window.start()
"""

from __future__ import annotations


import js
from pyodide.ffi.wrappers import add_event_listener

from app.browser import keyboard, language
from app.browser.inbox_view import BookingCard, InboxView, ListRow, LogRow, UpcomingItem
from app.browser.push_panel import PushPanel
from app.domain import words
from app.domain.i18n import Text, translate
from app.domain.catalog import Catalog
from app.domain.models import LOCATION_TYPES, MASSAGE_FOR, BookingCreated
from app.domain.tasks import spawn
from app.inbox.bookings import BookingRow
from app.inbox.inbox import Inbox, InboxState
from app.inbox.when import when
from app.persistence.keys import check_session_id
from app.push.switch import PushSwitch


TITLE = Text("Inbox · Chat Booking")  # the <title> (static/js/i18n.js says it before Python runs)


class InboxWindow:
    def __init__(self, view: InboxView, inbox: Inbox, catalog: Catalog, *, clock, scheduler,
                 push: PushSwitch | None = None) -> None:
        self.view, self.inbox, self.catalog = view, inbox, catalog
        self.clock, self.scheduler = clock, scheduler
        self._shown_session: str | None = None
        self._asking: tuple[str, str] | None = None  # (booking id, action) the reason dialog is for
        # "Notify me on this device" (Web Push); a notification's click opens its conversation here.
        self.push = PushPanel(view, push, label=lambda: words.PUSH_INBOX_LABEL, on_open=self.open_url) \
            if push is not None else None

    def start(self) -> None:
        self.inbox.subscribe(lambda _inbox: self.render())
        self._listen()
        self.inbox.visible = str(js.document.visibilityState) != "hidden"
        self.inbox.start()
        self.scheduler.call_every(30.0, self.render)  # "14:05" becomes "3 Jan 14:05" after midnight
        if self.push is not None:
            self.push.start()
        # inbox.html?session=...: a notification opened this page, or a reload of an open conversation.
        # Opened before the first render, so the pane early-reply.js showed while loading stays (and
        # so does the focus of a therapist typing there).
        self.open_url(str(js.location.href), focus=js.document.activeElement in (None, js.document.body))
        self.render()

    def relocalize(self) -> None:
        """The reader switched language: every text of ours again (what is typed stays)."""
        self.view.relocalize()
        js.document.title = translate(TITLE)
        if self.push is not None:
            self.push.relocalize()
        self.render()

    # --- events ---------------------------------------------------------------------------------

    def _listen(self) -> None:
        el, on = self.view.el, add_event_listener
        on(el("signin-form"), "submit", self._sign_in)
        on(el("sign-out"), "click", lambda event: self._sign_out())
        on(el("conversations"), "click", self._list_click)
        on(el("back"), "click", lambda event: self._back())
        on(el("reply"), "input", self._reply_input)
        on(el("reply"), "keydown", self._reply_key)
        self.view.set_text("reply-hint", words.REPLY_HINT_TOUCH if keyboard.touch_keyboard()
                           else words.REPLY_HINT_KEYBOARD)
        on(el("reply-form"), "submit", self._reply_submit)
        on(el("messages"), "click", self._log_click)
        on(el("bookings"), "click", self._booking_click)
        on(el("action-form"), "submit", self._reason_submit)
        on(el("action-back"), "click", lambda event: self.view.el("action-dialog").close())
        on(el("action-dialog"), "close", lambda event: self._reason_closed())
        on(el("action-reason"), "input", lambda event: self.view.set_text("action-error", ""))
        on(el("action-reasons"), "change", lambda event: self.view.set_text("action-error", ""))
        on(js.document, "visibilitychange", self._visibility)
        on(js.window, "pagehide", self._page_hide)
        on(js.window, "online", lambda event: self.inbox.went_online())
        on(js.window, "offline", lambda event: self.render())

    def _sign_in(self, event) -> None:
        event.preventDefault()
        if self.inbox.state is InboxState.SIGNING_IN:
            return
        spawn(self._signing_in(str(self.view.el("access-token").value)))

    async def _signing_in(self, token: str) -> None:
        if await self.inbox.sign_in(token):
            self.view.el("access-token").value = ""
            self.view.el("list-title").focus()
        else:
            self.view.el("access-token").focus()

    def _sign_out(self) -> None:
        if self.push is not None:
            self.push.switch.leave()  # first: its DELETE still needs the token sign_out forgets
        self.inbox.sign_out()
        self.view.el("access-token").focus()

    def _list_click(self, event) -> None:
        button = event.target.closest("button[data-session]")
        if button:
            self._open(str(button.dataset.session))

    def open_url(self, url: str, *, focus: bool = True) -> None:
        """Open the conversation a notification's URL names (``inbox.html?session=<id>``), if signed in."""
        session_id = str(js.URL.new(url).searchParams.get("session") or "")
        if not session_id or self.inbox.state is not InboxState.SIGNED_IN:
            return
        try:
            check_session_id(session_id)
        except ValueError:
            return  # not a conversation of ours (a mistyped or crafted link): the list stays
        self._open(session_id, focus=focus)

    def _open(self, session_id: str, *, focus: bool = True) -> None:
        self.inbox.open_conversation(session_id)
        self.view.el("inbox").dataset.pane = "conversation"
        self._remember_open(session_id)
        self.render()
        if focus:
            self.view.el("conversation-title").focus()

    @staticmethod
    def _remember_open(session_id: str | None) -> None:
        """The open conversation in the address (``?session=``): a reload reopens it, and
        early-reply.js can show it (and take a reply) before Python is ready."""
        url = js.URL.new(js.location.href)
        if session_id:
            url.searchParams.set("session", session_id)
        else:
            url.searchParams.delete("session")
        if str(url.href) != str(js.location.href):
            js.history.replaceState(js.history.state, "", url.href)

    def _back(self) -> None:
        session_id = self.inbox.open.session_id if self.inbox.open else None
        self.inbox.close_conversation()
        self.view.el("inbox").dataset.pane = "list"
        self._remember_open(None)
        self.render()
        button = js.document.querySelector(f"button[data-session='{session_id}']") if session_id else None
        if button:
            button.focus()

    def _reply_input(self, event) -> None:
        if self.inbox.open is not None:
            self.inbox.drafts.update(self.inbox.open.session_id, str(event.target.value))

    def _reply_key(self, event) -> None:
        if keyboard.enter_sends(event):  # a touch keyboard's Enter is a new line; Send reply sends
            event.preventDefault()
            self._send()

    def _reply_submit(self, event) -> None:
        event.preventDefault()
        self._send()

    def _send(self) -> None:
        box = self.view.el("reply")
        if self.inbox.open is not None:
            self.inbox.drafts.update(self.inbox.open.session_id, str(box.value))
        entry = self.inbox.queue_reply()
        if entry is None:
            return
        box.value = ""
        self.view.scroll_log()
        spawn(self.inbox.sender.send(entry))

    def _log_click(self, event) -> None:
        button = event.target.closest("button[data-action]")
        if not button:
            return
        message_id = str(button.dataset.id)
        if str(button.dataset.action) == "retry":
            spawn(self.inbox.retry_reply(message_id))
        else:
            self.inbox.delete_reply(message_id)

    def _booking_click(self, event) -> None:
        button = event.target.closest("button[data-action]")
        if not button:
            return
        booking_id, action = str(button.dataset.booking), str(button.dataset.action)
        if action in ("decline", "cancel"):
            self._ask_reason(booking_id, action)
        else:
            spawn(self.inbox.act(booking_id, action))

    def _ask_reason(self, booking_id: str, action: str) -> None:
        """Decline and cancel say why (the customer reads it): a short list, or own words."""
        opened = self.inbox.open
        booking = next((b for b in opened.bookings if b.id == booking_id), None) if opened else None
        if booking is None:
            return
        said = when(booking.starts_at, booking.time_zone_label)
        self._asking = (booking_id, action)
        view = self.view
        view.set_text("action-title", words.decline_title(said) if action == "decline" else words.cancel_title(said))
        view.set_text("action-confirm", words.ACTION_CONFIRM[action])
        view.set_text("action-error", "")
        view.el("action-form").reset()
        dialog = view.el("action-dialog")
        dialog.showModal()
        view.el("action-back").focus()  # the safe choice first, as on the customer's page

    def _reason_submit(self, event) -> None:
        event.preventDefault()
        if self._asking is None:
            return
        view = self.view
        chosen = js.document.querySelector("#action-reasons input[name=reason]:checked")
        reason = str(view.el("action-reason").value).strip() or (str(chosen.value) if chosen else "")
        if not reason:
            view.set_text("action-error", words.REASON_MISSING)
            view.el("action-reason").focus()
            return
        booking_id, action = self._asking
        self._asking = None
        view.el("action-dialog").close()
        spawn(self.inbox.act(booking_id, action, reason))
        card = js.document.querySelector(f"#bookings li[data-booking='{booking_id}']")
        if card:
            card.focus()

    def _reason_closed(self) -> None:
        if self._asking is not None:  # closed without sending (Back, Escape): back to the button
            booking_id, action = self._asking
            self._asking = None
            button = js.document.querySelector(f"#bookings button[data-booking='{booking_id}'][data-action='{action}']")
            if button:
                button.focus()

    def _visibility(self, event) -> None:
        self.inbox.set_visible(str(js.document.visibilityState) != "hidden")

    def _page_hide(self, event) -> None:
        self.inbox.drafts.flush()
        self.inbox.sender.release_leases()  # a reload must not wait for this page's send lock

    # --- rendering ------------------------------------------------------------------------------

    def render(self) -> None:
        inbox, view = self.inbox, self.view
        signed_in = inbox.state is InboxState.SIGNED_IN
        if self.push is not None:
            self.push.render()
        view.show("signin", not signed_in)
        view.show("sign-out", signed_in)
        view.show("list-pane", signed_in)
        view.show("conversation-pane", signed_in)
        view.set_text("signin-message", inbox.message if not signed_in else "")
        view.el("sign-in").disabled = inbox.state is InboxState.SIGNING_IN
        credentials = inbox.auth.credentials
        view.set_text("inbox-who", Text("Signed in as {name}", name=credentials.name or credentials.therapist_id)
                      if credentials else Text("Messages and bookings from your customers"))
        view.set_text("page-notice", "" if inbox.persistent else words.INBOX_NOT_PERSISTENT)
        view.show("page-notice", not inbox.persistent)
        if not signed_in:
            view.el("inbox").dataset.pane = "list"
            self._shown_session = None
            self._remember_open(None)
            return
        now = self.clock.now_ms()
        opened = inbox.open
        view.set_text("list-note", words.INBOX_OFFLINE_LIST if inbox.offline or not js.navigator.onLine else "")
        view.render_list([ListRow(c.session_id, c.display_name, c.snippet,
                                  language.message_time(c.last_activity, now) if c.last_activity else "",
                                  c.unread, opened is not None and opened.session_id == c.session_id, c.who,
                                  c.waiting)
                          for c in inbox.conversations.items])
        self._render_upcoming()
        self._render_conversation(now)

    def _render_upcoming(self) -> None:
        upcoming = self.inbox.upcoming
        days = [(heading, tuple(UpcomingItem(r.id, r.time, r.customer, r.duration, r.address) for r in rows))
                for heading, rows in upcoming.days()]
        empty = (words.UPCOMING_NONE if upcoming.loaded else
                 words.UPCOMING_UNREACHABLE if upcoming.failed else words.UPCOMING_LOADING)
        self.view.render_upcoming(days, empty)
        self.view.set_text("upcoming-note", words.UPCOMING_STALE if upcoming.loaded and upcoming.failed else "")

    def _render_conversation(self, now: int) -> None:
        inbox, view, opened = self.inbox, self.view, self.inbox.open
        view.show("conversation-empty", opened is None)
        view.show("conversation-open", opened is not None)
        if opened is None:
            view.set_text("conversation-title", Text("Conversation"))
            if self._shown_session is not None:
                view.clear_log()
                self._shown_session = None
            return
        summary = inbox.conversations.find(opened.session_id)
        name = summary.display_name if summary else words.NEW_CUSTOMER
        view.set_text("conversation-title", name)
        if self._shown_session != opened.session_id:
            view.clear_log()
            self._shown_session = opened.session_id
            view.el("reply").value = inbox.drafts.text(opened.session_id)
        who = {"customer": translate(name), "therapist": translate(words.INBOX_YOU),
               "system": translate(words.SENDER_LABELS["system"])}
        rows = [LogRow(r.id, r.sender_type, f"{who.get(r.sender_type, who['therapist'])} · "
                       f"{language.message_time(r.timestamp, now)}", r.text, r.status, r.reason, r.actionable)
                for r in inbox.rows()]
        if not opened.loaded and not rows:
            rows = [LogRow("loading", "system", "", words.INBOX_LOADING)]
        elif not rows:
            rows = [LogRow("empty", "system", "", words.INBOX_NO_MESSAGES)]
        if view.render_log(rows):
            view.scroll_log()
        created = {b.id: b for b in opened.bookings}
        at_bottom = view.log_at_bottom()
        if view.render_bookings([self._booking_card(row, created[row.id]) for row in inbox.booking_rows()],
                                words.INBOX_NO_BOOKINGS if opened.bookings_loaded else words.INBOX_LOADING) \
                and at_bottom:
            view.scroll_log()  # the bookings above grew and the log shrank: the newest message stays in sight

    def _booking_card(self, row: BookingRow, created: BookingCreated) -> BookingCard:
        sending = row.sending
        return BookingCard(row.id, row.status, created.status, tuple(self._booking_pairs(row, created)),
                           sending.status if sending else "", sending.reason if sending else "",
                           tuple((action, words.BOOKING_ACTIONS[action]) for action in row.actions))

    def _booking_pairs(self, row: BookingRow, created: BookingCreated) -> list[tuple[str, str]]:
        booking = created.booking
        reason = [(words.BOOKING_REASON, row.reason)] if row.reason else []
        return [(words.BOOKING_WHEN, row.when), (words.FIELD_LABELS["duration"], row.duration),
                (words.BOOKING_ADDRESS, row.address), *reason, (Text("Reference"), created.id),
                (words.FIELD_LABELS["price"], self.catalog.format_price(booking.price)),
                (words.FIELD_LABELS["location_type"], LOCATION_TYPES.get(booking.location_type, booking.location_type)),
                (words.FIELD_LABELS["massage_for"], MASSAGE_FOR.get(booking.massage_for, booking.massage_for)),
                (Text("Name"), booking.customer_name), ("WhatsApp", booking.customer_whatsapp)]
