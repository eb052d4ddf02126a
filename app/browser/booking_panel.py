"""The booking form's time choice (``When``) and the chat's ``Your booking``, on the page.

No rules here: the free times come from ``app.outbox.slots``, the words from ``app.domain.times``
and ``app.ui.booking_panel``, the booking and its status from ``app.chat.booking.BookingTracker``.
What the customer chooses is saved in the draft at once (``when``, ``date``, ``starts_at``,
``whatsapp_updates``), so a reload restores it.

Example::

    panel = BookingPanel(view, service, tracker, therapist, catalog, transport=..., api_base=..., clock=...,
                         zones=BrowserTimeZones(), open_dialog=window._open_dialog)
    panel.start()
"""

from __future__ import annotations

import js
from pyodide.ffi.wrappers import add_event_listener

from app.domain import words
from app.domain.i18n import translate
from app.domain.tasks import spawn
from app.domain.times import asap_label, booking_when, date_choices, day_text, parse_start, slot_label
from app.outbox.slots import SlotsUnavailable, fetch_slots
from app.ui.booking_panel import booking_panel


class BookingPanel:
    def __init__(self, view, service, tracker, therapist, catalog, *, transport, api_base: str, clock, zones,
                 open_dialog, show_form, errors_follow=None) -> None:
        self.view, self.service, self.tracker = view, service, tracker
        self.therapist, self.catalog = therapist, catalog
        self.transport, self.api_base, self.clock, self.zones = transport, api_base, clock, zones
        self.open_dialog, self.show_form = open_dialog, show_form
        # The window's error list follows a corrected field (When, Start time) as it does the others.
        self.errors_follow = errors_follow or (lambda field: None)
        self._loads = 0  # the newest load of the times: an older answer arriving late is dropped
        self._asked = False  # the times were wanted once (the customer turned to the form)
        self._next_day: str | None = None
        self._label = therapist.time_zone_label or "WITA"

    # --- start-up ---------------------------------------------------------------------------

    def start(self) -> None:
        self._fill_dates()  # the window filled the form before: the draft's date is chosen here
        self.tracker.subscribe(lambda _tracker: self.render_booking())
        self.render_booking()
        self._listen()
        draft = self.service.draft
        if draft is not None and draft.when is not None:
            self.load_times()  # a time choice restored: its times (or that they cannot load) at once
        if self.tracker.latest is not None and js.navigator.onLine:
            spawn(self.tracker.refresh())  # after a reload or another device: the server's status now

    def _listen(self) -> None:
        el = self.view.el
        # The times are asked for once the customer turns to the form, not at every page load (a page
        # read and left makes no API call; a site published without its API logs no 404 until used).
        add_event_listener(el("booking-form"), "focusin", lambda event: self._wanted())
        add_event_listener(el("booking-form"), "pointerdown", lambda event: self._wanted())
        add_event_listener(js.window, "online", lambda event: self._back_online())
        for element_id in ("when-asap", "when-choose"):
            add_event_listener(el(element_id), "change", lambda event: self._when_changed())
        add_event_listener(el("booking-date"), "change", lambda event: self._date_changed())
        add_event_listener(el("start-time"), "change", lambda event: self._start_changed())
        add_event_listener(el("whatsapp-updates"), "change", lambda event: self.service.save_draft_immediately(
            {"whatsapp_updates": bool(el("whatsapp-updates").checked)}))
        add_event_listener(el("next-free-day"), "click", lambda event: self._go_to_next_day())
        add_event_listener(el("cancel-this-booking"), "click", lambda event: self._ask_cancel())
        add_event_listener(el("confirm-cancel-booking"), "close", lambda event: self._cancel_closed())
        add_event_listener(el("pick-another-time"), "click", lambda event: self._pick_another_time())

    def _fill_dates(self) -> None:
        select = self.view.el("booking-date")
        kept = str(select.value)
        choices = date_choices(self.clock.now_ms(), self.therapist.time_zone or "Asia/Makassar",
                               self.therapist.days_ahead, self.zones)
        options = []
        for value, label in choices:
            option = self.view.document.createElement("option")
            option.value, option.textContent = value, translate(label)
            options.append(option)
        select.replaceChildren(*options)
        draft = self.service.draft
        chosen = (draft.date if draft is not None and draft.date else "") or kept
        if chosen and any(value == chosen for value, _ in choices):
            select.value = chosen

    def relocalize(self) -> None:
        self._fill_dates()
        if self._asked:
            self.load_times()
        self.render_booking()

    # --- When --------------------------------------------------------------------------------

    def _when_changed(self) -> None:
        when = self.view.read_form()["when"]
        updates = {"when": when}
        if when == "choose" and not (self.service.draft and self.service.draft.date):
            updates["date"] = str(self.view.el("booking-date").value)
        self.service.save_draft_immediately(updates)
        self.view.show("when-choose-panel", when == "choose")
        self.errors_follow("when")
        if when == "choose":
            self.load_times()

    def _date_changed(self) -> None:
        self.service.save_draft_immediately({"date": str(self.view.el("booking-date").value), "starts_at": ""})
        self.load_times()

    def _start_changed(self) -> None:
        self.service.save_draft_immediately({"starts_at": str(self.view.el("start-time").value)})
        self.errors_follow("starts_at")

    def duration_changed(self) -> None:
        self.load_times()

    def _go_to_next_day(self) -> None:
        if self._next_day:
            self.view.el("booking-date").value = self._next_day
            self._date_changed()
            self.view.focus("start-time")

    def _wanted(self) -> None:
        if not self._asked:
            self.load_times()

    def _back_online(self) -> None:
        if self._asked:
            self.load_times()
        if self.tracker.latest is not None:
            spawn(self.tracker.refresh())

    def load_times(self) -> None:
        self._asked = True
        self._loads += 1
        if not js.navigator.onLine:
            # Offline: say so and keep the choice (no request: it would only fail, loudly, in the console).
            self.view.set_text("times-status", words.TIMES_OFFLINE)
            return
        spawn(self._load(self._loads))

    async def _load(self, load: int) -> None:
        draft = self.service.draft
        duration = (draft.duration if draft is not None else None) or 60
        date = (draft.date if draft is not None and draft.date else "") or str(self.view.el("booking-date").value)
        if not date:
            return  # no day to ask about (the list is empty until the dates are filled)
        chosen = draft.starts_at if draft is not None else ""
        self.view.set_text("times-status", words.TIMES_LOADING)
        self.view.show("next-free-day", False)
        try:
            day = await fetch_slots(self.transport, self.api_base, self.therapist.id, date, duration)
        except SlotsUnavailable as trouble:
            if load == self._loads:
                self.view.set_text("times-status", words.TIMES_OFFLINE if trouble.offline else words.TIMES_FAILED)
            return
        if load != self._loads:
            return
        label = day.label or self._label
        self.view.set_text("asap-time", asap_label(day.asap, label, self.zones))
        self._fill_starts([(start.isoformat(), slot_label(start, label, self.zones)) for start in day.starts],
                          chosen)
        if day.starts:
            self.view.set_text("times-status", "")
            return
        self.view.set_text("times-status", words.no_times_on(day_text(date)))
        if draft is not None and draft.when == "choose":
            await self._offer_next_day(date, duration, load)

    def _fill_starts(self, starts: list[tuple[str, str]], chosen: str) -> None:
        select = self.view.el("start-time")
        first = self.view.document.createElement("option")
        first.value, first.textContent = "", translate(words.CHOOSE_START)
        options = [first]
        for value, label in starts:
            option = self.view.document.createElement("option")
            option.value, option.textContent = value, translate(label)
            options.append(option)
        select.replaceChildren(*options)
        if chosen:
            start = parse_start(chosen)
            listed = any(value == chosen for value, _ in starts)
            label = chosen if start is None else translate(slot_label(start, self._label, self.zones))
            self.view.set_choice("start-time", chosen, label if listed else f"{label} {translate(words.START_NO_LONGER_LISTED)}")

    async def _offer_next_day(self, date: str, duration: int, load: int) -> None:
        """No free time that day: find the next day that has one and offer it."""
        later = [value for value, _ in date_choices(self.clock.now_ms(), self.therapist.time_zone or "Asia/Makassar",
                                                    self.therapist.days_ahead, self.zones) if value > date]
        for value in later:
            try:
                day = await fetch_slots(self.transport, self.api_base, self.therapist.id, value, duration)
            except SlotsUnavailable:
                return
            if load != self._loads:
                return
            if day.starts:
                self._next_day = value
                self.view.set_text("next-free-day", words.next_free_day(day_text(value)))
                self.view.show("next-free-day")
                return
        self.view.set_text("times-status", words.NO_TIMES_AHEAD)

    # --- Your booking ------------------------------------------------------------------------------

    def render_booking(self) -> None:
        latest = self.tracker.latest
        self.view.show("your-booking", latest is not None)
        if latest is None:
            return
        now = self.clock.now_ms()
        panel = booking_panel(latest, self.therapist.name, self.catalog.format_price(latest.booking.price),
                              self.zones, can_cancel=self.tracker.can_cancel(now),
                              pending=self.tracker.cancel_pending(), note=self.tracker.note)
        view = self.view
        view.set_text("your-booking-when", panel.when)
        view.set_text("your-booking-summary", panel.summary)
        view.set_text("your-booking-status", panel.status, panel.status_kind)
        view.set_text("your-booking-detail", panel.detail)
        view.show("your-booking-detail", bool(panel.detail))
        view.set_text("cancel-state", panel.cancel_state)
        view.show("cancel-state", bool(panel.cancel_state))
        view.show("cancel-this-booking", panel.can_cancel)
        view.show("pick-another-time", panel.pick_again)
        if self.tracker.needs_refresh:
            self.tracker.needs_refresh = False
            spawn(self.tracker.refresh())

    def _ask_cancel(self) -> None:
        latest = self.tracker.latest
        if latest is None:
            return
        self.view.set_text("cancel-booking-question",
                           words.cancel_question(booking_when(latest.starts_at, latest.time_zone_label or self._label,
                                                              self.zones)))
        self.view.el("cancel-reason").value = ""
        self.open_dialog("confirm-cancel-booking")

    def _cancel_closed(self) -> None:
        dialog = self.view.el("confirm-cancel-booking")
        if dialog.returnValue != "confirm":
            return
        dialog.returnValue = ""
        reason = str(self.view.el("cancel-reason").value)
        spawn(self.tracker.cancel(reason))
        self.view.focus("your-booking")

    def _pick_another_time(self) -> None:
        self.show_form()
        self.service.save_draft_immediately({"when": "choose"})
        self.view.set_field("when", "choose")
        self.load_times()
        self.view.focus("booking-date")
