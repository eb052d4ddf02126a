"""The Web Push switch on either page: ``PushSwitch``'s look drawn into ``#push-box``, its clicks passed on.

The markup (``index.html``, ``inbox.html``): ``#push-box`` holding ``#push-switch`` (a checkbox with
``role="switch"``), its ``#push-label`` and the note ``#push-note`` (``role="status"``) that says why
it is off when the browser refuses. A click calls ``PushSwitch.press`` synchronously: the permission
prompt must start inside it. While busy the switch is ``aria-busy`` rather than disabled, so the
focus stays on it.

A notification click (``sw.js`` posts ``{type: "chatbooking:open", url}`` to an open window of the
page) calls ``on_open(url)``: the inbox opens the conversation the URL names.

Example::

    panel = PushPanel(view, switch, label=lambda: words.PUSH_INBOX_LABEL, on_open=window.open_url)
    panel.start()
    panel.render()     # from the window's render: the switch settles for whoever is the owner now
"""

from __future__ import annotations

from collections.abc import Callable

import js
from pyodide.ffi.wrappers import add_event_listener

from app.browser.push import service_worker_container
from app.push.switch import PushSwitch

OPEN_MESSAGE = "chatbooking:open"


class PushPanel:
    def __init__(self, view, switch: PushSwitch, *, label: Callable[[], str],
                 on_open: Callable[[str], None] | None = None) -> None:
        self.view, self.switch, self._label, self._on_open = view, switch, label, on_open
        self._drawn: tuple | None = None  # what is on the page: the render every second writes nothing

    def start(self) -> None:
        add_event_listener(self.view.el("push-switch"), "change", self._changed)
        container = service_worker_container()
        if container is not None:
            add_event_listener(container, "message", self._message)
        self.switch.subscribe(lambda _switch: self._draw())
        self.render()

    def _changed(self, event) -> None:
        self.switch.press(bool(event.target.checked))

    def _message(self, event) -> None:
        data = event.data
        try:
            kind, url = str(data.type), str(data.url)
        except AttributeError:
            return  # not one of ours (another script's message)
        if kind == OPEN_MESSAGE and self._on_open is not None:
            self._on_open(url)

    def relocalize(self) -> None:
        """The language switched (the view has said its texts again): the server learns it too."""
        self.switch.language_changed()

    def render(self) -> None:
        self.switch.update()  # settles (and draws) when the owner changed; otherwise a no-op
        self._draw()

    def _draw(self) -> None:
        look, view = self.switch.look(), self.view
        label = self._label() if look.visible else ""
        if (look, label) == self._drawn:
            return
        self._drawn = (look, label)
        view.show("push-box", look.visible)
        if not look.visible:
            return
        view.set_text("push-label", label)
        switch = view.el("push-switch")
        if bool(switch.checked) != look.checked:
            switch.checked = look.checked
        switch.disabled = look.disabled
        switch.setAttribute("aria-busy", "true" if look.busy else "false")
        view.set_text("push-note", look.note)
        view.el("push-note").dataset.kind = look.kind
