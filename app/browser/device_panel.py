"""What this device keeps: "Forget me on this device", and asking the browser to keep our data.

- **Forget me**: a confirm dialog names what was never sent (it would be lost), then every key of
  ours leaves localStorage and the page starts again as a new visitor. The draft manager is
  disposed *without* flushing first, so the pagehide of the reload cannot write the draft back.
- **Persistent storage**: once the customer has something worth keeping (their details, a
  message), ``navigator.storage.persist()`` is asked once; the health line says the answer.
- **Web Push**: the ``Notify me when <name> answers`` switch (``PushPanel``) is drawn with the health
  line; Forget me unsubscribes this device and deletes the subscription on the server first, best
  effort and for at most ``FORGET_PUSH_S`` (offline, the local unsubscribe is what counts).

Example::

    device = DevicePanel(view, service, storage, chat=chat, open_dialog=window.open_dialog)
    device.start()
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import js
from pyodide.ffi.wrappers import add_event_listener

from app.browser.persist import ask_to_persist, persisted
from app.browser.push_panel import PushPanel
from app.browser.view import View
from app.domain import words
from app.domain.models import has_customer_data
from app.domain.tasks import spawn
from app.outbox.store import unsent_items
from app.persistence.forget import forget_device
from app.ui import presenter

FORGET_PUSH_S = 8.0  # Forget me waits this long at most for the server to delete the subscription (offline: no wait)

class DevicePanel:
    def __init__(self, view: View, service, storage, *, chat, open_dialog: Callable[[str], None],
                 push: PushPanel | None = None) -> None:
        self.view, self.service, self.storage, self.chat = view, service, storage, chat
        self.push = push
        self._open_dialog = open_dialog
        self.forgotten = False  # set just before the reload: nothing may be written any more
        self._granted: bool | None = None  # what navigator.storage.persist() answered; None: not asked
        self._asked = False

    def start(self) -> None:
        add_event_listener(self.view.el("forget-me"), "click", lambda event: self._ask())
        add_event_listener(self.view.el("confirm-forget"), "close", lambda event: self._closed())
        if self.push is not None:
            self.push.start()
        spawn(self._check())

    # --- forget me ----------------------------------------------------------------------------------

    def _ask(self) -> None:
        warning = words.unsent_warning(unsent_items(self.storage))
        self.view.set_text("forget-unsent", warning)
        self.view.show("forget-unsent", bool(warning))
        self._open_dialog("confirm-forget")

    def _closed(self) -> None:
        dialog = self.view.el("confirm-forget")
        if dialog.returnValue != "confirm":
            return
        dialog.returnValue = ""
        self.forget()

    def forget(self) -> None:
        """Remove everything of ours from this browser, then start again as a new visitor."""
        self.forgotten = True
        self.chat.hidden()
        self.service.dispose(flush=False)
        if self.push is None:
            self._forget_and_reload()
        else:
            spawn(self._forget_push())

    async def _forget_push(self) -> None:
        try:
            await asyncio.wait_for(self.push.switch.forget(), FORGET_PUSH_S)
        except TimeoutError:
            pass  # a slow server: unsubscribed here first, the endpoint's next push gets a 410
        finally:
            self._forget_and_reload()

    def _forget_and_reload(self) -> None:
        # Together, with nothing in between: no timer of ours can write a key back before the reload.
        forget_device(self.storage)
        js.location.reload()

    # --- persistent storage -------------------------------------------------------------------------

    async def _check(self) -> None:
        self._granted = await persisted()
        self._asked = bool(self._granted)
        self.render()

    def render(self) -> None:
        if self.push is not None and not self.forgotten:
            self.push.render()
        self._maybe_ask()
        self.view.set_text("health-persist", presenter.persist_text(self._granted, asked=self._asked))

    def _maybe_ask(self) -> None:
        if self._asked or self.storage is None:
            return
        if has_customer_data(self.service.draft) or self.service.get_messages():
            self._asked = True
            spawn(self._ask_persist())

    async def _ask_persist(self) -> None:
        self._granted = await ask_to_persist()
        self.render()
