"""The therapist's inbox as the page drives it: signed in or not, the list, the open conversation.

``Inbox`` owns one of each: the token (``TherapistAuth``), the list (``ConversationList``,
long-polled), the open conversation (``OpenConversation``, long-polled while open), the reply
drafts (``ReplyDrafts``) and one ``OutboxSender`` whose ``ReplyOutbox`` (``MessageSync(kind="reply")``) sends
replies exactly once (the message id is the idempotency key) and whose ``BookingActions`` send the
therapist's answers to bookings (accept, decline, cancel, complete) exactly once too; the upcoming
confirmed bookings (``UpcomingBookings``) are read again whenever a booking changes. Every call goes through one
``WatchedTransport``: a 401 while signed in returns to the sign-in form with
``words.INBOX_TOKEN_EXPIRED`` (the reply drafts stay on the device).

- Pollers run while the page is visible (``set_visible``), and catch up on ``went_online``.
- Read marking: after each answer of the open conversation's poll, while the page is visible,
  newer customer messages are marked read (``POST …/read``); a failed mark is tried again
  after the next answer or ``READ_RETRY_S``, whichever comes first.

Subscribers (``subscribe``) hear of every change; the page re-renders from ``state``,
``conversations``, ``open`` and ``rows()``.

Example::

    inbox = Inbox(storage, FetchTransport(), scheduler, clock, api_base="./api")
    inbox.start()                              # signed in from the last visit: polling starts
    await inbox.sign_in("tok_123")             # or the sign-in form's button
    inbox.open_conversation("session_t-ayu_c1")
    inbox.drafts.update("session_t-ayu_c1", "Yes, 3 pm is free")
    await inbox.send_reply()                   # queued once, sent; rows() shows it with its status
    await inbox.act("bk_1", "accept")          # booking_rows() shows it "Sending…", then confirmed
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any
from urllib.parse import quote

from app.chat.poller import Poller
from app.domain import tasks, words
from app.domain.errors import NetworkError, ServiceError
from app.domain.models import BookingCreated, ServerMessage
from app.domain.observable import Observable
from app.domain.ports import Clock, Locks, Scheduler, Storage, Transport
from app.inbox.actions import BookingActions
from app.inbox.api import InboxApi, WatchedTransport
from app.inbox.auth import TherapistAuth
from app.inbox.bookings import BookingRow, UpcomingBookings, booking_row
from app.inbox.conversation import OpenConversation
from app.inbox.conversations import ConversationList
from app.inbox.outgoing import MessageRow, ReplyOutbox
from app.inbox.when import event_text
from app.inbox.replies import ReplyDrafts
from app.outbox.sender import OutboxSender, api_url
from app.outbox.store import OutboxEntry
from app.persistence.early_input import EarlyReplies
from app.persistence.safe_storage import SafeStorage

READ_RETRY_S = 3.0  # a read mark that failed is tried again this soon (the poll may wait 25 s)


class InboxState(Enum):
    SIGNED_OUT = "signed_out"  # the sign-in form (``message`` may say why)
    SIGNING_IN = "signing_in"  # the token is being checked with the server
    SIGNED_IN = "signed_in"    # the list, and perhaps an open conversation


class Inbox(Observable):
    def __init__(self, storage: Storage | None, transport: Transport, scheduler: Scheduler, clock: Clock, *,
                 api_base: str = "./api", spawn: Callable[[Coroutine[Any, Any, Any]], Any] | None = None,
                 locks: Locks | None = None) -> None:
        self.store = SafeStorage(storage)
        self.scheduler, self.clock, self.api_base = scheduler, clock, api_base
        self.spawn = spawn or tasks.spawn
        self.transport = WatchedTransport(transport, on_denied=self.token_refused,
                                          on_connection=lambda _ok: self.notify())
        self.auth = TherapistAuth(self.store)
        self.api = InboxApi(self.transport, api_base, headers=self.auth.headers)
        self.conversations = ConversationList(self.store)
        self.conversations.subscribe(lambda _list: self.notify())
        self.drafts = ReplyDrafts(self.store, scheduler, clock)
        self.sender = OutboxSender(storage, self.transport, scheduler, clock, api_base=api_base,
                                   spawn=self.spawn, credentials=self.auth.headers, locks=locks)
        self.outgoing = ReplyOutbox(self.sender, on_delivered=self._delivered)
        self.actions = BookingActions(self.sender, on_changed=self._booking_changed)
        self.upcoming = UpcomingBookings(self.api, clock)
        self.upcoming.subscribe(lambda _upcoming: self.notify())
        self.sender.subscribe(lambda _snapshot: self.notify())
        self.state = InboxState.SIGNED_IN if self.auth.signed_in else InboxState.SIGNED_OUT
        self.message = ""  # the sign-in form's notice: a wrong token, an expired one, signed out
        self.open: OpenConversation | None = None
        self.visible = True
        self._list_poller: Poller | None = None
        self._open_poller: Poller | None = None

    # --- state for the page ----------------------------------------------------------------

    @property
    def offline(self) -> bool:
        return not self.transport.connected

    @property
    def persistent(self) -> bool:
        return self.store.persistent

    def start(self) -> None:
        """Page load: signed in from an earlier visit means polling starts now (and queued replies go);
        replies left unedited for 7 days are removed."""
        self.drafts.remove_expired()
        if self.state is InboxState.SIGNED_IN:
            self._start_list()
            self.spawn(self.sender.resume())
            self.spawn(self.upcoming.refresh())
        self.notify()

    # --- signing in and out ----------------------------------------------------------------

    async def sign_in(self, token: str) -> bool:
        self.state, self.message = InboxState.SIGNING_IN, ""
        self.notify()
        result = await self.auth.sign_in(self.api, token)
        if not result.ok:
            self.state, self.message = InboxState.SIGNED_OUT, result.message
            self.notify()
            return False
        self.state = InboxState.SIGNED_IN
        self._start_list()
        self.spawn(self.upcoming.refresh())
        self.sender.trigger()  # replies kept from before (e.g. an expired token) go out now
        self.notify()
        return True

    def sign_out(self) -> None:
        """The therapist asked: forget the token and the cached list; reply drafts stay."""
        self._signed_out(words.INBOX_SIGNED_OUT)

    def token_refused(self) -> None:
        """Any call answered 401 while signed in: back to the sign-in form."""
        if self.state is InboxState.SIGNED_IN:
            self._signed_out(words.INBOX_TOKEN_EXPIRED)

    def _signed_out(self, message: str) -> None:
        self.drafts.flush()
        for poller in self._pollers():
            poller.pause()
        self._list_poller = self._open_poller = None
        self.open = None
        self.auth.sign_out()
        self.conversations.clear()
        self.upcoming.clear()
        self.state, self.message = InboxState.SIGNED_OUT, message
        self.notify()

    # --- polling -----------------------------------------------------------------------------

    def _poller(self, path: str, on_answer: Callable[[dict[str, Any]], str | None], *,
                stoppable: bool = False) -> Poller:
        return Poller(self.transport, self.scheduler, self.clock, path=api_url(self.api_base, path),
                      on_answer=on_answer, headers=self.auth.headers, spawn=self.spawn, stoppable=stoppable)

    def _pollers(self) -> list[Poller]:
        return [p for p in (self._list_poller, self._open_poller) if p is not None]

    def _start_list(self) -> None:
        self._list_poller = self._poller("therapist/conversations", self._list_answer)
        if self.visible:
            self._list_poller.resume()

    def _list_answer(self, data: dict[str, Any]) -> str | None:
        opened = self.open
        before = self.conversations.find(opened.session_id) if opened else None
        bookings_before = self._booking_signature()
        cursor = self.conversations.apply(data)
        after = self.conversations.find(opened.session_id) if opened else None
        if opened is not None and after is not None and after.last_sender_type is None and (
                before is None or after.last_activity != before.last_activity):
            self.spawn(self._load_bookings(opened))  # a new booking started or joined the conversation
        if self._booking_signature() != bookings_before:
            self.spawn(self.upcoming.refresh())  # a booking somewhere changed (it says so in its conversation)
        return cursor

    def _booking_signature(self) -> tuple:
        """What in the list changes when any booking does: requests waiting, the last system line."""
        return tuple((c.session_id, c.requests_waiting,
                      c.last_activity if c.last_sender_type in (None, "system") else 0)
                     for c in self.conversations.items)

    def set_visible(self, visible: bool) -> None:
        """Hidden: write drafts, stop asking. Visible: catch up, mark read, send what waits."""
        self.visible = visible
        if not visible:
            self.drafts.flush()
            for poller in self._pollers():
                poller.pause()
            return
        for poller in self._pollers():
            poller.resume()
        self._maybe_mark_read()
        if self.state is InboxState.SIGNED_IN:
            self.sender.trigger()

    def went_online(self) -> None:
        for poller in self._pollers() if self.visible else []:
            poller.resume()
        if self.state is InboxState.SIGNED_IN:
            self.sender.trigger()

    # --- the open conversation ---------------------------------------------------------------

    def open_conversation(self, session_id: str) -> OpenConversation:
        if self.open is not None and self.open.session_id == session_id:
            return self.open
        self.close_conversation()
        conversation = self.open = OpenConversation(session_id)
        path = f"therapist/conversations/{quote(session_id, safe='')}"
        self._open_poller = self._poller(path + "/messages",
                                         lambda data: self._messages_answer(conversation, data), stoppable=True)
        self.spawn(self._first_page(conversation, self._open_poller))
        self.spawn(self._load_bookings(conversation))
        self.notify()
        return conversation

    def close_conversation(self) -> None:
        self.drafts.flush()
        if self._open_poller is not None:
            # Stopped, not paused: its long poll would hold one of the browser's six connections to the
            # server for up to 25 s, and six conversations opened in a row would hold up an Accept.
            self._open_poller.stop()
        self.open, self._open_poller = None, None
        self.notify()

    async def _first_page(self, conversation: OpenConversation, poller: Poller) -> None:
        await poller.poll_once(0)  # answer now, even with nothing new: the page shows it at once
        if self.open is conversation and self.visible:
            poller.resume()

    def _messages_answer(self, conversation: OpenConversation, data: dict[str, Any]) -> str | None:
        if conversation is not self.open:
            return None  # a poll of a conversation closed since; its answer is of no use
        cursor = conversation.merge(data)
        if conversation.bookings_changed:  # a booking changed (a system line came): read them again
            self.spawn(self._load_bookings(conversation))
            self.spawn(self.upcoming.refresh())
        self._maybe_mark_read()
        self.notify()
        return cursor

    def _maybe_mark_read(self) -> None:
        conversation = self.open
        if conversation is not None and self.visible and conversation.needs_read:
            conversation.read_requesting()
            self.spawn(self._mark_read(conversation))

    async def _mark_read(self, conversation: OpenConversation) -> None:
        path = f"therapist/conversations/{quote(conversation.session_id, safe='')}/read"
        try:
            data = await self.api.post(path)
        except (NetworkError, ServiceError):
            conversation.read_failed()  # asked again after the next answer of the poll, or soon
            self.scheduler.call_later(READ_RETRY_S, self._maybe_mark_read)
            return
        conversation.read_marked(int(data.get("read_through") or 0))
        self.conversations.mark_read(conversation.session_id)
        self.notify()

    async def _load_bookings(self, conversation: OpenConversation) -> None:
        path = f"therapist/conversations/{quote(conversation.session_id, safe='')}/bookings"
        try:
            conversation.set_bookings(await self.api.get(path))
        except (NetworkError, ServiceError):
            return  # shown as not loaded; opening the conversation again asks again
        self.notify()

    # --- answering bookings --------------------------------------------------------------------

    def booking_rows(self) -> list[BookingRow]:
        """The open conversation's bookings, each with what the therapist can do now and what is on its way."""
        conversation = self.open
        if conversation is None:
            return []
        now = self.clock.now_ms()
        return [booking_row(b, now, self.actions.status_for(b.id)) for b in conversation.bookings]

    def queue_action(self, booking_id: str, action: str, reason: str = "") -> OutboxEntry | None:
        """Keep the therapist's answer on the device first (one key: it reaches the server once)."""
        conversation = self.open
        if conversation is None or self.state is not InboxState.SIGNED_IN:
            return None
        entry = self.actions.queue(conversation.session_id, booking_id, action, reason)
        self.notify()
        return entry

    async def act(self, booking_id: str, action: str, reason: str = "") -> OutboxEntry | None:
        """``queue_action``, then send it now (offline: it goes by itself when the network is back)."""
        entry = self.queue_action(booking_id, action, reason)
        if entry is not None:
            await self.sender.send(entry)
        return entry

    def _booking_changed(self, session_id: str, booking: BookingCreated | None) -> None:
        conversation = self.open
        if conversation is not None and conversation.session_id == session_id:
            if booking is not None:
                conversation.put_booking(booking)
            self.spawn(self._load_bookings(conversation))
        self.spawn(self.upcoming.refresh())
        self.notify()

    # --- replies -----------------------------------------------------------------------------

    def queue_reply(self) -> OutboxEntry | None:
        """Put the open conversation's reply in the outbox, once: the draft goes as it is queued."""
        conversation = self.open
        if conversation is None or self.state is not InboxState.SIGNED_IN:
            return None
        text = self.drafts.text(conversation.session_id).strip()
        if not text:
            return None
        entry = self.outgoing.queue(conversation.session_id, text)
        self.drafts.discard(conversation.session_id)
        self.notify()
        return entry

    def adopt_early(self, early: EarlyReplies) -> list[OutboxEntry]:
        """What the therapist did before Python was ready: the replies they sent go into the outbox
        under the ids they were shown with, in their order (sent once signed in: now, or after
        signing in again); the reply they were typing becomes that conversation's draft."""
        adopted = [self.outgoing.adopt(r.session_id, r.id, r.text, r.at)
                   for r in sorted(early.replies, key=lambda r: r.at)]
        if early.typing is not None:  # "" too: a stored draft that was sent (or erased) must not come back
            session_id, text = early.typing
            self.drafts.update(session_id, text)
            self.drafts.flush()  # the early record is removed next: the draft must hold it first
        if adopted:
            self.notify()
        return adopted

    async def send_reply(self) -> str | None:
        """``queue_reply``, then send it now (the sender retries if this attempt does not get through)."""
        entry = self.queue_reply()
        if entry is None:
            return None
        await self.sender.send(entry)
        return entry.key

    async def retry_reply(self, message_id: str) -> None:
        entry = self.outgoing.retry(message_id)
        if entry is not None:
            self.notify()
            await self.sender.send(entry)

    def delete_reply(self, message_id: str) -> None:
        self.outgoing.delete(message_id)
        self.notify()

    def _delivered(self, session_id: str, message: ServerMessage) -> None:
        if self.open is not None and self.open.session_id == session_id:
            self.open.add(message)

    def rows(self) -> list[MessageRow]:
        """The open conversation: the server's messages in order, then own replies still on their way."""
        conversation = self.open
        if conversation is None:
            return []
        def status(m: ServerMessage) -> str | None:
            if m.sender_type != "therapist":
                return None
            return words.MESSAGE_READ if m.seq <= conversation.replies_read_through else words.MESSAGE_SENT

        def text(m: ServerMessage) -> str:
            return event_text(m.event, m.message) if m.sender_type == "system" else m.message

        rows = [MessageRow(m.id, m.sender_type, text(m), m.timestamp, status(m)) for m in conversation.ordered()]
        return rows + [MessageRow(p.id, "therapist", p.text, p.created_at, p.status, p.reason, p.actionable)
                       for p in self.outgoing.rows(conversation.session_id, set(conversation.messages))]
