"""Stateful test of the draft manager: random edits, timers, crashes, corruption, quota and a second tab.

Tab A edits the contact fields with debounced writes; tab B edits the location and
"massage for" fields and saves immediately (as the booking buttons do). The model
keeps, per field, the values storage may hold: after a flush or an elapsed debounce
(with room in storage) that is exactly the latest edit, and a reload must show it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.drafts.session import ChatBookingStorageService, SaveState
from app.persistence import keys
from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage, FakeStorageEvents

SESSION, THERAPIST = "s-1", "t-ayu"
PRIMARY = keys.draft_key(SESSION)
DEBOUNCE_S, AUTOSAVE_S = 1.0, 30.0
A_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "customer_name": st.text("abc ", max_size=4),
    "customer_whatsapp": st.text("+12", max_size=4),
    "duration": st.sampled_from([None, 60, 90, 120]),
}
B_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "location_type": st.sampled_from([None, "home", "villa"]),
    "massage_for": st.sampled_from([None, "myself", "friend"]),
}
DEFAULTS = {"customer_name": "", "customer_whatsapp": "", "duration": None, "location_type": None,
            "massage_for": None}


def field_edit(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[tuple[str, Any]]:
    return st.one_of(*(st.tuples(st.just(name), values) for name, values in fields.items()))


class DraftManagerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.scheduler = FakeScheduler(self.clock)
        self.data: dict[str, str] = {}
        self.events = FakeStorageEvents()
        self.quota_full = False
        self.storages: list[FakeStorage] = []
        self.tab_a, self.stop_a = self.open_tab()
        self.tab_b, _ = self.open_tab()
        self.latest = dict(DEFAULTS)
        self.may_be_stored = {name: {value} for name, value in DEFAULTS.items()}
        self.last_edit_a_ms: int | None = None  # None: tab A has no unsaved edit

    def open_tab(self) -> tuple[ChatBookingStorageService, Any]:
        storage = FakeStorage(self.data, quota_bytes=1 if self.quota_full else None)
        self.storages.append(storage)
        tab = ChatBookingStorageService(THERAPIST, SESSION, storage=storage, scheduler=self.scheduler,
                                        clock=self.clock, debounce_s=DEBOUNCE_S,
                                        autosave_interval_s=AUTOSAVE_S)
        return tab, self.events.listen(storage, tab.handle_storage_event)

    # --- the model -------------------------------------------------------------------------------

    def edited(self, name: str, value: Any) -> None:
        self.latest[name] = value
        self.may_be_stored[name].add(value)

    def now_durable(self, fields: dict[str, Any]) -> None:
        for name in fields:
            self.may_be_stored[name] = {self.latest[name]}

    def check_reloaded(self, tab: ChatBookingStorageService) -> None:
        values = tab.draft.model_dump() if tab.draft is not None else DEFAULTS
        for name in DEFAULTS:
            assert values[name] in self.may_be_stored[name], (name, values[name], self.may_be_stored[name])

    # --- rules -----------------------------------------------------------------------------------

    @rule(edit=field_edit(A_FIELDS))
    def type_in_tab_a(self, edit: tuple[str, Any]) -> None:
        self.tab_a.update_field(*edit)
        self.edited(*edit)
        self.last_edit_a_ms = self.clock.now_ms()

    @rule(edit=field_edit(B_FIELDS))
    def choose_in_tab_b(self, edit: tuple[str, Any]) -> None:
        self.tab_b.save_draft_immediately(dict([edit]))
        self.edited(*edit)
        if not self.quota_full:
            self.now_durable(B_FIELDS)  # B's earlier refused choices are still dirty and written too

    @rule(seconds=st.sampled_from([0.3, 0.7, 1.0, 2.5, AUTOSAVE_S]))
    def time_passes(self, seconds: float) -> None:
        self.scheduler.advance(seconds)
        last_edit = self.last_edit_a_ms
        if last_edit is not None and self.clock.now_ms() - last_edit >= DEBOUNCE_S * 1000:
            self.last_edit_a_ms = None  # the debounce fired (a refused write waits for the autosave)
            if not self.quota_full:
                self.now_durable(A_FIELDS)
        if seconds >= AUTOSAVE_S and not self.quota_full:
            self.now_durable(DEFAULTS)  # every tab's autosave ticked once: refused writes were retried

    @rule()
    def page_hidden_flushes_tab_a(self) -> None:
        self.tab_a.flush()
        self.last_edit_a_ms = None
        if not self.quota_full:
            self.now_durable(A_FIELDS)

    @rule()
    def storage_events_arrive(self) -> None:
        self.events.deliver()

    @rule()
    def tab_a_crashes_and_reloads(self) -> None:
        self.tab_a.dispose(flush=False)  # killed: no pagehide, its timers die with it
        self.stop_a()
        self.tab_a, self.stop_a = self.open_tab()
        self.check_reloaded(self.tab_a)
        # What A shows now is all it has: unsaved edits died with the old tab.
        for name in A_FIELDS:
            shown = getattr(self.tab_a.draft, name) if self.tab_a.draft else DEFAULTS[name]
            self.latest[name] = shown
            self.may_be_stored[name] = {shown}
        self.last_edit_a_ms = None

    @precondition(lambda self: not self.quota_full)
    @rule()
    def flush_then_reload_shows_the_latest_edits(self) -> None:
        self.tab_a.flush()
        self.tab_b.flush()
        self.now_durable(DEFAULTS)
        self.last_edit_a_ms = None
        reloaded, stop = self.open_tab()
        for name, value in self.latest.items():
            shown = getattr(reloaded.draft, name) if reloaded.draft else DEFAULTS[name]
            assert shown == value, (name, shown, value)
        reloaded.dispose(flush=False)
        stop()

    @precondition(lambda self: PRIMARY in self.data)
    @rule(cut=st.integers(min_value=0, max_value=200))
    def primary_gets_corrupted(self, cut: int) -> None:
        raw = self.data[PRIMARY]
        self.data[PRIMARY] = raw[: min(cut, len(raw) - 1)]

    @rule()
    def quota_fills_up_or_frees(self) -> None:
        self.quota_full = not self.quota_full
        for storage in self.storages:
            storage.quota_bytes = 1 if self.quota_full else None

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def timers_do_not_leak(self) -> None:
        assert self.scheduler.pending <= 4  # per tab: one debounce + one autosave interval

    @invariant()
    def save_state_agrees_with_unsaved_changes(self) -> None:
        for tab in (self.tab_a, self.tab_b):
            if tab.save_state is SaveState.MEMORY_ONLY:
                assert tab.has_unsaved_changes  # kept, to be written again with a merge
            if tab.save_state is SaveState.SAVED:
                assert not tab.has_unsaved_changes


DraftManagerMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
TestDraftManager = DraftManagerMachine.TestCase
