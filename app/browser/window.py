"""The chat booking window: wires browser events to the draft manager and checkout, and state to the view.

No business rules live here: what to save, what is valid and what to send are the
core's (``ChatBookingStorageService``, ``Checkout``); the words are ``app.domain.words``
and ``app.ui.presenter``'s; the DOM is ``app.browser.view``'s.

Why it is longer than our ~300 lines: it is the booking form's whole life on the page (fields,
prices, recovery, ordering, confirmation, other tabs), one set of DOM state; the chat and what the
device keeps already live in ``chat_panel`` and ``device_panel``.

Event listeners live as long as the page; ``pyodide.ffi.wrappers.add_event_listener`` keeps
their proxies (one per listener, made once).

Example::

    window = ChatWindow(view, service, checkout, catalog, therapist, customer_id=..., clock=..., scheduler=...)
    window.start()
"""

from __future__ import annotations


import js
from pyodide.ffi import JsException, create_once_callable
from pyodide.ffi.wrappers import add_event_listener

from app.browser.chat_panel import ChatPanel
from app.browser.device_panel import DevicePanel
from app.browser.push_panel import PushPanel
from app.browser.storage import nullable
from app.browser.view import FIELD_IDS, TEXT_FIELDS, View
from app.domain import words
from app.domain.i18n import Text, translate
from app.domain.catalog import Catalog, Therapist
from app.domain.models import DURATIONS, BookingCreated, has_customer_data
from app.domain.tasks import spawn
from app.outbox.results import SyncStatus
from app.persistence.keys import confirmation_key
from app.push.switch import PushSwitch
from app.ui import presenter
from app.ui.presenter import Indicator

SENDING = Indicator(words.BOOKING_SENDING, "busy")
QUEUED_OFFLINE = Indicator(words.BOOKING_QUEUED_OFFLINE, "queued")


class ChatWindow:
    def __init__(self, view: View, service, checkout, catalog: Catalog, therapist: Therapist, *,
                 customer_id: str, clock, scheduler, api_base: str, chat: ChatPanel, storage,
                 early_record_at: int | None = None, booking=None, push: PushSwitch | None = None) -> None:
        self.view, self.service, self.checkout, self.sync = view, service, checkout, checkout.sync
        self.chat = chat
        self.storage = storage
        self.booking = booking  # app.browser.booking_panel.BookingPanel: When, and "Your booking"
        # "Notify me when <name> answers" (Web Push); a notification's click brings the chat into view.
        panel = PushPanel(view, push, label=lambda: words.push_customer_label(therapist.name),
                          on_open=lambda _url: view.focus("messages")) if push is not None else None
        self.device = DevicePanel(view, service, storage, chat=chat, open_dialog=self._open_dialog, push=panel)
        # When static/js/boot.js kept typing from an earlier load that never got ready (its
        # record's "at", in ms): that typing wins over a stored draft only if it is newer.
        self.early_record_at = early_record_at
        self._render_queued = False
        self.catalog, self.therapist = catalog, therapist
        self.customer_id = customer_id
        self.clock, self.scheduler, self.api_base = clock, scheduler, api_base
        self._ordering = False
        self._sync_text: Indicator | None = None
        self._shown_errors: list[tuple[str | None, str]] = []  # the "Please fix the following" list

    # --- start-up -------------------------------------------------------------------------

    def start(self) -> None:
        view, service = self.view, self.service
        self._render_therapist()
        stored = service.draft
        record_at = self.early_record_at
        early = view.early_input(restored=record_at is not None and (
            stored is None or record_at >= stored.last_modified))
        view.fill_form(stored)
        if early:
            service.save_draft(early)  # typed before Python was ready: wins over the stored draft
            if record_at is not None:
                service.flush()  # the early record is removed next: the draft must hold it first
            for name, value in early.items():
                view.set_field(name, value)
        self._sync_price()
        confirmation = self.sync.confirmation(service.session_id)
        # A queued booking is not a forgotten draft: the sync status says it is on its way.
        if has_customer_data(stored) and stored.booking_step not in ("confirmed", "queued"):
            view.set_text("recovery-summary", presenter.draft_summary(stored, self.clock.now_ms(),
                                                                      self.therapist.name))
            view.show("recovery")
        elif confirmation is not None and not has_customer_data(service.draft):
            self._show_confirmation(confirmation)
        problem = service.get_health_status(include_bytes=False).last_error
        if problem and service.persistent:
            # E.g. a damaged draft restored from its backup: say so once, the health line stays short.
            view.set_text("page-notice", problem)
            view.show("page-notice")
        self.chat.start()
        self.device.start()
        self._render_pending()
        service.subscribe(lambda _service: self._render_soon())
        self.sync.subscribe(lambda _snapshot: self._render_pending())
        self._render_state()
        self.scheduler.call_every(1.0, self._render_state)  # "Saved 12s ago" keeps counting
        self._listen()
        if self.booking is not None:
            self.booking.start()

    def _render_therapist(self) -> None:
        therapist, view = self.therapist, self.view
        view.set_text("therapist-name", therapist.name)
        view.set_text("therapist-meta", " · ".join(p for p in (therapist.specialty, therapist.city) if p))
        view.set_text("therapist-avatar", therapist.initials or therapist.name[:2].upper())
        view.set_text("chat-title", Text("Chat with {name}", name=therapist.name.split()[0]))
        js.document.title = translate(Text("Chat & book with {name}", name=therapist.name))

    def relocalize(self) -> None:
        """The reader switched language: every text of ours again, in it (nothing typed is touched)."""
        self.view.relocalize()
        self._render_therapist()
        self._sync_price()
        self._render_state()
        self.chat.relocalize()
        if self.booking is not None:
            self.booking.relocalize()
        if self.device.push is not None:
            self.device.push.relocalize()

    # --- events ---------------------------------------------------------------------------

    def _on(self, target, event: str, handler) -> None:
        add_event_listener(target, event, handler)

    def _listen(self) -> None:
        el = self.view.el
        for name, element_id in FIELD_IDS.items():
            kind = "input" if name in TEXT_FIELDS else "change"
            self._on(el(element_id), kind, lambda event, name=name: self._field_changed(name, event))
        self._on(el("duration-group"), "change", lambda event: self._duration_changed())
        self._on(el("booking-form"), "submit", self._order_now)
        self._on(el("cancel-booking"), "click", lambda event: self._open_dialog("confirm-cancel"))
        self._on(el("confirm-cancel"), "close", lambda event: self._confirmed_dialog("confirm-cancel"))
        self._on(el("reset-chat"), "click", lambda event: self._open_reset_dialog())
        self._on(el("confirm-reset"), "close", lambda event: self._confirmed_dialog("confirm-reset"))
        self._on(el("recovery-continue"), "click", lambda event: self._continue_draft())
        self._on(el("recovery-fresh"), "click", lambda event: self._start_fresh())
        self._on(el("new-booking"), "click", lambda event: self._new_booking())
        self._on(el("copy-ref"), "click", self._copy_reference)
        # Leaving or hiding the page inside the debounce window must lose nothing.
        self._on(js.document, "visibilitychange", self._visibility)
        self._on(js.window, "pagehide", self._page_hide)
        self._on(js.window, "beforeunload", self._before_unload)
        self._on(js.window, "storage", self._storage_event)
        self._on(js.window, "online", self._online)

    def _field_changed(self, name: str, event) -> None:
        value = str(event.target.value)
        if name in TEXT_FIELDS:
            self.service.update_field(name, value)  # memory + debounce timer only
        else:
            self.service.save_draft_immediately({name: value or None})  # a click: save now
        self._errors_follow(name)

    def _duration_changed(self) -> None:
        duration = self.view.duration()
        self.service.save_draft_immediately({"duration": duration, "price": self.therapist.price_for(duration)})
        self._errors_follow("duration")
        self._sync_price()
        if self.booking is not None:
            self.booking.duration_changed()  # the free starts depend on the session's length

    def _show_errors(self, errors: list[tuple[str | None, str]], *, focus: bool = True) -> None:
        self._shown_errors = list(errors)
        self.view.show_errors(errors, focus=focus)

    def _errors_follow(self, field: str) -> None:
        """A field changed while the error list shows: its error leaves once it is valid (no new ones)."""
        if not self._shown_errors:
            return
        remaining = presenter.errors_still_shown(self._shown_errors, self.service.get_validation_field_errors(),
                                                 field)
        if remaining != self._shown_errors:
            self._show_errors(remaining, focus=False)

    def _sync_price(self) -> None:
        draft = self.service.draft
        duration = draft.duration if draft is not None else None
        price = self.therapist.price_for(duration)
        if draft is not None and duration is not None and draft.price != price:
            self.service.save_draft_immediately({"price": price})  # the catalog changed since the draft
        labels = {d: self.catalog.format_price(self.therapist.price_for(d)) for d in DURATIONS}
        self.view.set_prices(labels, self.catalog.format_price(price))

    def _visibility(self, event) -> None:
        if self.device.forgotten:
            return
        if js.document.visibilityState == "hidden":
            self.service.flush()
            self.chat.hidden()  # no new long poll while nobody looks; caught up when shown
        else:
            self.sync.trigger()  # every queued item: bookings and messages
            self.chat.visible()

    def _online(self, event) -> None:
        self.sync.trigger()
        self.chat.online()

    def _page_hide(self, event) -> None:
        if self.device.forgotten:
            return
        self.service.flush()
        self.chat.hidden()
        self.sync.release_leases()  # a reload must not wait 30 s for this page's send lock

    def _before_unload(self, event) -> None:
        if self.device.forgotten:
            return
        # Only when something could not be saved; otherwise the flush on pagehide makes a prompt needless.
        self.service.flush()
        if not self.service.persistent and has_customer_data(self.service.draft):
            event.preventDefault()
            event.returnValue = ""

    def _storage_event(self, event) -> None:
        key, value = nullable(event.key), nullable(event.newValue)
        self.service.handle_storage_event(key, value)
        self.view.fill_form(self.service.draft)  # skips the field this tab is typing in
        self._sync_price()
        self.chat.storage_changed(key)
        if key == confirmation_key(self.service.session_id) and value is not None:
            self._confirmed_elsewhere()

    def _confirmed_elsewhere(self) -> None:
        """Another tab sent this chat's queued booking: show the confirmation here too, as a reload would."""
        self.checkout.settle_confirmed_elsewhere()  # drops the draft that was queued here
        confirmation = self.sync.confirmation(self.service.session_id)
        if confirmation is not None and not has_customer_data(self.service.draft):
            self.view.fill_form(None)
            self._sync_price()
            self._show_confirmation(confirmation)

    async def prefill_from_backend(self) -> None:
        """A returning customer's empty fields, from their last booking (never over what they typed)."""
        updates = await self.checkout.fetch_and_prefill_from_backend(self.customer_id, self.api_base)
        if updates:
            self.view.fill_form(self.service.draft)
            self._sync_price()

    # --- dialogs and prompts --------------------------------------------------------------

    def _open_dialog(self, dialog_id: str) -> None:
        # The safe choice gets the focus (not the autofocus attribute: browsers refuse autofocus
        # inside a cross-origin iframe, which is how marketplaces embed this page).
        dialog = self.view.el(dialog_id)
        dialog.showModal()
        dialog.querySelector("button[value=cancel]").focus()

    def _open_reset_dialog(self) -> None:
        draft = has_customer_data(self.service.draft)
        self.view.set_text("confirm-reset-text", words.RESET_CHAT_DRAFT_STAYS if draft else words.RESET_CHAT)
        self._open_dialog("confirm-reset")

    def _confirmed_dialog(self, dialog_id: str) -> None:
        dialog = self.view.el(dialog_id)
        if dialog.returnValue != "confirm":
            return
        dialog.returnValue = ""
        if dialog_id == "confirm-reset":
            self.chat.reset()  # keeps the booking draft; nothing from before comes back
            self.view.focus("message")
        else:
            self.service.cancel_booking()
            self.sync.discard(self.service.session_id)
            self.view.fill_form(None)
            self._show_errors([])
            self.view.show("recovery", False)
            self._sync_price()
            self._set_sync_text(Indicator(words.DRAFT_DELETED))
            self.view.focus("booking-title")  # the button that opened the dialog is gone with the draft

    def _continue_draft(self) -> None:
        self.view.show("recovery", False)
        draft = self.service.draft
        first_empty = next((n for n in ("customer_name", "customer_whatsapp", "location_type", "massage_for")
                            if draft is None or not getattr(draft, n)), "customer_name")
        self.view.focus(FIELD_IDS[first_empty])

    def _start_fresh(self) -> None:
        early = self.view.early_input()
        self.service.clear_draft()
        self.view.fill_form(None)
        if early:
            self.service.save_draft_immediately(early)  # what was typed on this visit is not "previous"
            for name, value in early.items():
                self.view.set_field(name, value)
        self.view.show("recovery", False)
        self._sync_price()
        self.view.focus("customer-name")

    async def _copy_reference(self, event) -> None:
        """One tap copies the booking reference; where the clipboard is refused, it is selected instead."""
        reference = self.view.el("confirmation-ref")
        try:
            await js.navigator.clipboard.writeText(reference.textContent)
            self.view.set_text("copy-status", words.REFERENCE_COPIED)
        except (JsException, AttributeError):  # no clipboard (http page, old browser) or refused: select it
            js.window.getSelection().selectAllChildren(reference)
            self.view.set_text("copy-status", words.REFERENCE_SELECTED)

    def _new_booking(self) -> None:
        self.sync.clear_confirmation(self.service.session_id)
        self.view.show("confirmation", False)
        self.view.show("booking-form")
        self._set_sync_text(None)
        self.view.focus("customer-name")

    # --- ordering -------------------------------------------------------------------------

    def _order_now(self, event) -> None:
        event.preventDefault()
        self.order_now()

    def order_now(self) -> None:
        """Order now (also a press kept by static/js/boot.js before Python was ready)."""
        if not self._ordering:
            spawn(self._order())

    async def _order(self) -> None:
        self._ordering = True
        self.view.el("order-now").disabled = True
        try:
            self.view.show("recovery", False)
            data = self.view.read_form()
            data["price"] = self.therapist.price_for(data["duration"])
            self.service.save_draft_immediately(data)
            errors = self.service.get_validation_field_errors()
            self._show_errors(errors)
            if errors:
                self._set_sync_text(None)
                return
            self._set_sync_text(SENDING)
            result = await self.checkout.confirm_booking(self.api_base)
            self._show_result(result)
        finally:
            self._ordering = False
            self.view.el("order-now").disabled = False

    def _show_result(self, result) -> None:
        if result:
            return  # booking_confirmed (called by the sync) already switched the view
        if result.status in (SyncStatus.REJECTED, SyncStatus.INVALID):
            self._show_errors(result.fields or [(None, message) for message in result.errors]
                              or [(None, result.message)])
            if self.booking is not None and any(field in ("starts_at", "when") for field, _ in result.fields):
                self.booking.load_times()  # the time was just taken: offer the free ones
            self._set_sync_text(Indicator(result.message, "error"))
        elif result.status is SyncStatus.CONFLICT:
            self._set_sync_text(Indicator(result.message, "error"))
        else:
            self._render_pending(result.message)

    def booking_confirmed(self, session_id: str, created: BookingCreated) -> None:
        """Called by the checkout when the server confirmed, now or from a later retry."""
        if session_id != self.service.session_id:
            return
        self.view.fill_form(None)  # the draft manager has already removed the draft
        self._sync_price()
        self._show_confirmation(created)
        self.chat.booking_confirmed()

    def _show_confirmation(self, created: BookingCreated) -> None:
        booking = created.booking
        self.view.set_text("confirmation-ref", created.id)
        summary, details = presenter.confirmation_details(booking, self.therapist.name,
                                                          self.catalog.format_price(booking.price))
        self.view.set_text("confirmation-summary", summary)
        self.view.set_details("confirmation-details", details)
        self.view.set_text("confirmation-next", words.confirmation_next(self.therapist.name.split()[0]))
        self.view.set_text("copy-status", "")
        self.view.show("booking-form", False)
        self.view.show("recovery", False)
        self.view.show("confirmation")
        self._set_sync_text(None)
        self.view.focus("confirmation")

    # --- status -----------------------------------------------------------------------------

    def _set_sync_text(self, indicator: Indicator | None) -> None:
        self._sync_text = indicator
        self.view.set_text("sync-status", indicator.text if indicator else "", indicator.kind if indicator else "")

    def _render_pending(self, message: str | None = None) -> None:
        pending = self.sync.pending(self.service.session_id)
        if pending is None:
            if self._sync_text in (SENDING, QUEUED_OFFLINE) and not self._ordering:
                self._set_sync_text(None)
            return
        if pending.in_flight:
            self._set_sync_text(SENDING)
        elif "offline" in (pending.last_error or "").lower() or not js.navigator.onLine:
            self._set_sync_text(QUEUED_OFFLINE)
        else:
            self._set_sync_text(Indicator(message or words.BOOKING_QUEUED, "queued"))

    def _render_soon(self) -> None:
        """Render the save status once the current task is done (a microtask), not inside every save.

        A save notifies its listeners; rendering there put the status computation and four DOM
        writes inside each ``save_draft_immediately`` call (about half its median time, and more of its
        tail). Several saves in one event (a duration click saves the duration and then the price)
        now render once, before the browser paints.
        """
        if self._render_queued:
            return
        self._render_queued = True

        def render() -> None:
            self._render_queued = False
            self._render_state()

        js.queueMicrotask(create_once_callable(render))

    def _render_state(self) -> None:
        service, now = self.service, self.clock.now_ms()
        autosave = presenter.autosave_text(saving=service.is_saving, unsaved=service.has_unsaved_changes,
                                           last_saved_ms=service.last_saved, now_ms=now,
                                           persistent=service.persistent)
        self.view.set_text("autosave-status", autosave.text, autosave.kind)
        # "Cancel booking" only when there is a draft to discard: on an empty form it would delete nothing.
        self.view.show("cancel-booking", has_customer_data(service.draft))
        health = service.get_health_status(include_bytes=False)
        for element_id, indicator in zip(("health-storage", "health-autosave", "health-version"),
                                         presenter.health_texts(health)):
            self.view.set_text(element_id, indicator.text, indicator.kind)
        self.device.render()
