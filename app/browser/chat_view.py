"""The chat's part of the DOM: the "Chat history" list, kept in step with the history by message id.

Rows are updated in place and new ones appended, instead of rebuilding the list, so the list's
polite live region (``aria-live="polite"``) announces only what is new, a reply arriving while
the customer reads earlier messages does not move what they read, and a status change ("Sent"
→ "Read") rewrites one small span. Text is set with ``textContent`` only: a message like
``<img src=x onerror=alert(1)>`` shows as text.

States, reasons and buttons are ours and shown in the reader's language; ``data-state`` keeps
the English state for scripts and styles.

Example::

    chat = ChatView(js.document)
    chat.render([Row("m1", "customer", "You · 14:05", "Hi!", "Sent", "")])
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import words
from app.domain.i18n import Text, translate, translate_or

ACTIONS = {"retry": Text("Retry"), "delete": Text("Delete")}  # a "Not sent" message's buttons
EMPTY = Text("No messages yet. Say hello, or ask about availability.")  # as index.html says it first
NEAR_BOTTOM_PX = 48  # within this of the end counts as "reading the newest messages"


@dataclass(frozen=True)
class Row:
    message_id: str
    sender_type: str
    meta: str  # "You · 14:05"
    text: str
    status: str = ""  # for the customer's own messages: exactly one of the MESSAGE_* words
    reason: str = ""  # why the server refused it ("Not sent" only)


class ChatView:
    def __init__(self, document, list_id: str = "messages", empty_id: str = "messages-empty",
                 marker_id: str = "new-messages") -> None:
        self.document = document
        self.listing = document.getElementById(list_id)
        self.empty = document.getElementById(empty_id)
        self.marker = document.getElementById(marker_id)
        self._rows: dict[str, Row] = {}
        self._order: list[str] = []
        self.unseen = 0  # replies that arrived while the customer was scrolled up

    # --- rendering ------------------------------------------------------------------------------

    def near_bottom(self) -> bool:
        listing = self.listing
        return listing.scrollHeight - listing.scrollTop - listing.clientHeight <= NEAR_BOTTOM_PX

    def render(self, rows: list[Row]) -> list[Row]:
        """Show ``rows``; returns the rows that are new since the last render."""
        ids = [row.message_id for row in rows]
        if not rows:
            self._rows, self._order = {}, []
            # Out of the page while there were messages, static/js/i18n.js could not re-say it.
            self.empty.removeAttribute("data-i18n")
            self.empty.textContent = translate(EMPTY)
            self.empty.hidden = False  # static/js/boot.js hides it for a message sent before Python was ready
            self.listing.replaceChildren(self.empty)
            return []
        if self._order and ids[:len(self._order)] == self._order:
            for row in rows[:len(self._order)]:
                if self._rows[row.message_id] != row:
                    self._update(self._item(row.message_id), row)
            added = rows[len(self._order):]
            for row in added:
                self.listing.append(self._build(row))
        else:
            # Something was removed, reordered or is new: build the list again (rare).
            known = set(self._order)
            added = [row for row in rows if row.message_id not in known]
            self.listing.replaceChildren(*[self._build(row) for row in rows])
        self._rows = {row.message_id: row for row in rows}
        self._order = ids
        return added

    def _item(self, message_id: str):
        return self.listing.querySelector(f"li[data-message-id='{message_id}']")

    def _build(self, row: Row):
        doc = self.document
        item = doc.createElement("li")
        item.className = f"message message--{row.sender_type}"
        item.dataset.messageId = row.message_id
        meta = doc.createElement("span")
        meta.className = "message__meta"
        body = doc.createElement("span")
        body.className = "message__text"
        item.append(meta, body)
        if row.sender_type == "customer":
            status = doc.createElement("span")
            status.className = "message__status"
            item.append(status)
        self._update(item, row)
        return item

    def _update(self, item, row: Row) -> None:
        item.querySelector(".message__meta").textContent = row.meta
        item.querySelector(".message__text").textContent = row.text
        status = item.querySelector(".message__status")
        if not status:  # querySelector gives jsnull (falsy, not None) when there is none
            return
        status.textContent = translate(row.status)
        status.dataset.state = row.status
        actions = item.querySelector(".message__actions")
        if row.status == words.MESSAGE_NOT_SENT:
            if not actions:
                actions = self._actions(row)
                item.append(actions)
            actions.querySelector(".message__reason").textContent = translate_or(row.reason, words.MESSAGE.rejected)
            for button in actions.querySelectorAll("button[data-action]"):
                label = translate(ACTIONS[str(button.dataset.action)])
                button.textContent = label
                button.setAttribute("aria-label", f"{label}: {row.text[:40]}")
        elif actions:
            actions.remove()

    def _actions(self, row: Row):
        doc = self.document
        box = doc.createElement("span")
        box.className = "message__actions"
        reason = doc.createElement("span")
        reason.className = "message__reason"
        box.append(reason)
        for action in ACTIONS:
            button = doc.createElement("button")
            button.type = "button"
            button.className = "button button--quiet button--small"
            button.dataset.action = action
            button.dataset.messageId = row.message_id
            box.append(button)  # labelled by _update, in the reader's language
        return box

    def relocalize(self) -> None:
        """Write every row again at the next render (the language switched; ids and order stay)."""
        self._rows = dict.fromkeys(self._order)  # None != any row: each is updated in place
        if self.unseen:
            self.marker.textContent = translate(words.new_messages(self.unseen))

    # --- scrolling and the "new messages" marker --------------------------------------------------

    def scroll_to_end(self) -> None:
        self.listing.scrollTop = self.listing.scrollHeight
        self.clear_unseen()

    def scroll_to(self, top: int) -> None:
        self.listing.scrollTop = top

    def add_unseen(self, count: int) -> None:
        self.unseen += count
        self.marker.textContent = translate(words.new_messages(self.unseen))
        self.marker.hidden = False

    def clear_unseen(self) -> None:
        self.unseen = 0
        self.marker.hidden = True
