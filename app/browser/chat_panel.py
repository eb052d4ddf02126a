"""The customer page's chat panel: the composer, the "Chat history" list, and when to poll.

Wires the browser to ``app.chat.conversation.Conversation`` and ``app.chat.poller.Poller``:

- Enter sends (Shift+Enter is a new line) on a physical keyboard; on a touch keyboard Enter is a
  new line and ``Send`` sends, and the hint under the box says which; a message shows at once with its state
  ("Sending…" → "Sent" → "Read", or "Waiting for network" when offline, or "Service unavailable,
  will retry" when a server answered 404/501/503…, or "Not sent" with Retry / Delete);
- replies are polled while the page is visible; hidden, no new poll starts; visible or
  ``online`` again, it catches up at once (``resume``);
- a reply arriving while the customer is scrolled up does not move the list: a "new messages"
  marker counts them, and clicking it (or scrolling down) goes to the newest.

Example::

    panel = ChatPanel(document, drafts, conversation, poller, clock=clock, therapist_name="Ayu")
    panel.start()
"""

from __future__ import annotations

import js
from pyodide.ffi.wrappers import add_event_listener

from app.browser import keyboard, language
from app.browser.chat_view import ChatView, Row
from app.chat.conversation import Conversation, MessageState
from app.chat.poller import Poller
from app.domain import words
from app.domain.i18n import translate
from app.drafts.session import ChatBookingStorageService
from app.persistence import keys
from app.ui import presenter
from app.ui.booking_panel import event_line


class ChatPanel:
    def __init__(self, document, drafts: ChatBookingStorageService, conversation: Conversation, poller: Poller,
                 *, clock, therapist_name: str, show_notice, zones=None) -> None:
        self.document, self.drafts, self.conversation, self.poller = document, drafts, conversation, poller
        self.zones = zones  # a booking event's line says its time in both zones (app.browser.zones)
        self.clock, self.therapist_name, self._show_notice = clock, therapist_name, show_notice
        self.view = ChatView(document)
        self.box = document.getElementById("message")
        self.poller.on_denied = self._denied

    def start(self) -> None:
        self.conversation.requeue_orphans()
        self.render(restore_scroll=True)
        self.conversation.subscribe(lambda _c: self.render())
        self.conversation.messages.sender.subscribe(lambda _snapshot: self.render())
        el = self.document.getElementById
        add_event_listener(el("chat-form"), "submit", self._submit)
        add_event_listener(self.box, "keydown", self._key)
        self._say_hint()
        add_event_listener(el("messages"), "scroll", self._scrolled)
        add_event_listener(el("messages"), "click", self._clicked)
        add_event_listener(el("new-messages"), "click", lambda event: self._jump_to_end())
        if str(js.document.visibilityState) != "hidden":
            self._poll()

    # --- lifecycle (called by the window's page events) -------------------------------------------

    def _poll(self) -> None:
        # A chat the server does not know yet has nothing to hear back about: no request at all
        # (so a page with no chat costs the server nothing, and a host with no API sees none).
        if self.conversation.started:
            self.poller.resume()

    def visible(self) -> None:
        self._poll()
        self.conversation.replies_shown()  # replies that came while hidden are seen now

    def hidden(self) -> None:
        self.poller.pause()

    def online(self) -> None:
        self._poll()

    def booking_confirmed(self) -> None:
        """A booking starts the conversation on the server: listen for the therapist from now on."""
        if str(js.document.visibilityState) != "hidden":
            self.poller.resume()

    def storage_changed(self, key: str | None) -> None:
        if key is None or key == keys.chat_key(self.drafts.session_id):
            self.conversation.reload_position()
        self.render()

    def relocalize(self) -> None:
        """The language switched: every row's words again (states, times, Retry / Delete)."""
        self.view.relocalize()
        self._say_hint()
        self.render()

    def _say_hint(self) -> None:
        """What Enter does on the keyboard in hand, in the reader's language."""
        hint = self.document.getElementById("message-hint")
        hint.removeAttribute("data-i18n")  # Python writes this one now, not static/js/i18n.js
        touch = keyboard.touch_keyboard()
        hint.textContent = translate(words.CHAT_HINT_TOUCH if touch else words.CHAT_HINT_KEYBOARD)

    def reset(self) -> None:
        self.conversation.reset()
        self.view.clear_unseen()
        self.render()

    # --- composing --------------------------------------------------------------------------------

    def _key(self, event) -> None:
        if keyboard.enter_sends(event):
            event.preventDefault()
            self._send()

    def _submit(self, event) -> None:
        event.preventDefault()
        self._send()

    def _send(self) -> None:
        if self.conversation.send(str(self.box.value)) is None:
            return
        self.box.value = ""
        self.render()
        self.view.scroll_to_end()  # your own message: always show it
        self._poll()

    def _clicked(self, event) -> None:
        button = event.target.closest("button[data-action]")
        if not button:
            return
        message_id = str(button.dataset.messageId)
        if str(button.dataset.action) == "retry":
            self.conversation.retry(message_id)
        elif self.conversation.delete(message_id):
            self.box.focus()

    # --- the list ---------------------------------------------------------------------------------

    def render(self, restore_scroll: bool = False) -> None:
        now = self.clock.now_ms()
        pending = self.conversation.messages.pending(self.drafts.session_id)
        at_end = self.view.near_bottom()
        rows = []
        for message in self.drafts.get_messages():
            state = self.conversation.state_of(message, pending)
            rows.append(Row(message.id, message.sender_type,
                            f"{translate(presenter.sender_label(message.sender_type, self.therapist_name))} · "
                            f"{language.message_time(message.server_time or message.timestamp, now)}",
                            self._text(message), state.value if state else "",
                            (message.not_sent or "") if state is MessageState.NOT_SENT else ""))
        added = self.view.render(rows)
        if str(js.document.visibilityState) == "visible":
            self.conversation.replies_shown()  # read receipts: the therapist's replies are on screen
        if restore_scroll:
            saved = self.drafts.get_scroll_position()
            if saved:
                self.view.scroll_to(saved)
            else:
                self.view.scroll_to_end()
            return
        replies = [row for row in added if row.sender_type != "customer"]
        if not added:
            return
        if at_end:
            self.view.scroll_to_end()
        elif replies:
            self.view.add_unseen(len(replies))  # reading earlier messages: do not yank the list

    def _text(self, message) -> str:
        """A system message with a booking event in the reader's words; anything else as it was written."""
        if message.sender_type == "system" and message.event and self.zones is not None:
            return translate(event_line(message.event, self.zones, message.message))
        return message.message

    def _scrolled(self, event) -> None:
        self.drafts.save_scroll_position(self.view.listing.scrollTop)
        if self.view.unseen and self.view.near_bottom():
            self.view.clear_unseen()

    def _jump_to_end(self) -> None:
        self.view.scroll_to_end()
        self.box.focus()

    def _denied(self, status: int) -> None:
        self._show_notice(words.CHAT_DENIED)
