"""ChatBookingStorageService: debounce, autosave, layout, recovery, quota, two tabs, expiry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.domain.models import BookingDraft, BookingRequest, ChatMessage
from app.domain.validation import DraftIncomplete
from app.drafts.records import CORRUPT_CODEC, DRAFT_CODEC, MESSAGES_CODEC
from app.drafts.session import ChatBookingStorageService, HealthStatus, SaveState
from app.persistence import keys
from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage, FakeStorageEvents

ROOT = Path(__file__).resolve().parents[3]
SESSION, THERAPIST = "s-42", "t-ayu"
PRIMARY, BACKUP, CORRUPT = keys.draft_key(SESSION), keys.backup_key(SESSION), keys.corrupt_key(SESSION)
DAY_S = 24 * 3600
# Message times near the fake clock's "now": chats older than 30 days are let go at start.
T0 = FakeClock().now_ms()
HELLO = {"id": "m1", "sender_id": "c1", "sender_type": "customer", "message": "Hi", "timestamp": T0 + 1}
FULL = {"customer_name": "Ana Putri Wijaya", "customer_whatsapp": "+62 812-3456-7890", "duration": 90,
        "price": 475000, "location_type": "villa", "massage_for": "partner",
        "address": "Villa Kayu, Jl. Raya Ubud 12", "when": "asap"}


class World:
    """One browser profile: a clock, a scheduler and an origin's localStorage."""

    def __init__(self, **storage_options: object) -> None:
        self.clock = FakeClock()
        self.scheduler = FakeScheduler(self.clock)
        self.data: dict[str, str] = {}
        self.storage = FakeStorage(self.data, **storage_options)  # type: ignore[arg-type]

    def service(self, storage: FakeStorage | None = None, **options: object) -> ChatBookingStorageService:
        options.setdefault("therapist_name", "Ayu Lestari")
        return ChatBookingStorageService(  # type: ignore[arg-type]
            THERAPIST, SESSION, storage=storage or self.storage, scheduler=self.scheduler, clock=self.clock,
            **options)

    def stored(self, key: str = PRIMARY) -> dict:
        return DRAFT_CODEC.decode(self.data[key], key=key).data


@pytest.fixture
def world() -> World:
    return World()


# --- the keystroke path and timers -----------------------------------------------------------

def test_typing_only_arms_the_debounce_timer_and_touches_no_storage(world: World) -> None:
    service = world.service()
    writes = world.storage.writes
    for prefix in ("A", "An", "Ana"):
        service.update_field("customer_name", prefix)
    assert world.storage.writes == writes and world.data == {}
    assert world.scheduler.pending == 2  # the debounce + the autosave interval
    assert service.draft is not None and service.draft.customer_name == "Ana"
    assert service.has_unsaved_changes and service.save_state is SaveState.PENDING


def test_the_write_happens_one_second_after_the_last_keystroke(world: World) -> None:
    service = world.service()
    for _ in range(3):
        service.update_field("customer_name", service.draft.customer_name + "a" if service.draft else "a")
        world.scheduler.advance(0.9)
    assert PRIMARY not in world.data
    world.scheduler.advance(0.09)
    assert PRIMARY not in world.data
    world.scheduler.advance(0.01)
    assert world.stored()["customer_name"] == "aaa"
    assert world.stored()["version"] == 1  # one write for the whole burst
    assert service.save_state is SaveState.SAVED and not service.has_unsaved_changes


def test_hundreds_of_keystrokes_never_accumulate_timers(world: World) -> None:
    service = world.service()
    for i in range(500):
        service.update_field("customer_name", f"name {i}")
        service.save_scroll_position(i)
        world.scheduler.advance(0.013)
        assert world.scheduler.pending <= 2
    world.scheduler.advance(1.0)
    assert world.scheduler.pending == 1  # only the autosave interval is left


def test_flush_writes_the_pending_change_at_once_and_disarms_the_debounce(world: World) -> None:
    service = world.service()
    service.update_field("customer_name", "Ana")
    service.flush()
    assert world.stored()["customer_name"] == "Ana" and world.scheduler.pending == 1
    writes = world.storage.writes
    service.flush()
    world.scheduler.advance(5)
    assert world.storage.writes == writes  # nothing pending, nothing written


def test_autosave_writes_while_the_customer_types_without_pausing(world: World) -> None:
    service = world.service(debounce_s=1.0, autosave_interval_s=30.0)
    for i in range(59):  # a keystroke every 0.5 s for 29.5 s: the debounce never elapses
        service.update_field("customer_name", f"n{i}")
        world.scheduler.advance(0.5)
    assert PRIMARY not in world.data
    service.update_field("customer_name", "still typing")
    world.scheduler.advance(0.5)
    assert world.stored()["customer_name"] == "still typing"


def test_autosave_skips_the_write_when_nothing_changed(world: World) -> None:
    service = world.service(autosave_interval_s=30.0)
    service.save_draft_immediately({"customer_name": "Ana"})
    writes = world.storage.writes
    world.scheduler.advance(300)
    assert world.storage.writes == writes and service.draft.version == 1


def test_autosave_interval_is_configurable_and_can_be_stopped_and_restarted(world: World) -> None:
    service = world.service(autosave_interval_s=5.0, debounce_s=60.0)
    service.update_field("customer_name", "Ana")
    world.scheduler.advance(5)
    assert world.stored()["customer_name"] == "Ana"
    service.stop_autosave()
    assert service.get_health_status().auto_save_enabled is False and world.scheduler.pending == 0
    service.start_autosave()
    service.start_autosave()  # idempotent: still one interval timer
    assert world.scheduler.pending == 1 and service.get_health_status().auto_save_enabled is True


def test_autosave_can_be_disabled_with_a_zero_interval(world: World) -> None:
    service = world.service(autosave_interval_s=0)
    assert world.scheduler.pending == 0 and not service.get_health_status().auto_save_enabled


def test_dispose_writes_pending_changes_then_cancels_every_timer(world: World) -> None:
    service = world.service()
    service.update_field("customer_name", "Ana")
    service.dispose()
    assert world.scheduler.pending == 0 and world.stored()["customer_name"] == "Ana"
    assert service.get_health_status().operational is False


def test_every_write_increments_version_and_sets_last_modified(world: World) -> None:
    service = world.service()
    for i, name in enumerate(("Ana", "Ana P", "Ana Putri"), start=1):
        world.scheduler.advance(10)
        service.save_draft_immediately({"customer_name": name})
        assert world.stored()["version"] == i
        assert world.stored()["last_modified"] == world.clock.now_ms()
    assert world.stored()["created_at"] == world.clock.now_ms() - 20_000


def test_subscribers_hear_of_state_changes_not_every_keystroke(world: World) -> None:
    service = world.service()
    seen: list[tuple[SaveState, bool]] = []
    unsubscribe = service.subscribe(lambda s: seen.append((s.save_state, s.has_unsaved_changes)))
    for i in range(10):
        service.update_field("customer_name", "x" * (i + 1))
    assert seen == [(SaveState.PENDING, True)]
    world.scheduler.advance(1)
    assert seen[-1] == (SaveState.SAVED, False) and len(seen) == 2
    unsubscribe()
    service.update_field("customer_name", "y")
    assert len(seen) == 2


def test_unknown_fields_and_impossible_values_are_programming_errors(world: World) -> None:
    service = world.service()
    with pytest.raises(ValueError, match="unknown draft field"):
        service.update_field("customerName", "Ana")
    with pytest.raises(ValueError):
        service.update_field("duration", 45)


def test_typed_text_is_cut_to_the_form_maxlength_not_refused(world: World) -> None:
    service = world.service()
    service.update_field("customer_name", "x" * 500)
    service.update_field("customer_whatsapp", None)
    assert service.draft.customer_name == "x" * 80 and service.draft.customer_whatsapp == ""


def test_fields_the_service_owns_cannot_be_set_by_callers(world: World) -> None:
    service = world.service()
    service.save_draft_immediately({"therapist_id": "t-made", "version": 99, "customer_name": "Ana"})
    assert world.stored()["therapist_id"] == THERAPIST and world.stored()["version"] == 1


def test_a_scheduler_is_required(world: World) -> None:
    with pytest.raises(TypeError, match="scheduler"):
        ChatBookingStorageService(THERAPIST, SESSION, storage=world.storage)


# --- layout, size, migration ---------------------------------------------------------------------

def test_storage_layout_uses_prefixed_keys_and_checked_envelopes(world: World) -> None:
    service = world.service()
    service.save_draft_immediately(FULL)
    service.add_message(HELLO)
    service.save_scroll_position(240)
    service.flush()
    assert set(world.data) == {PRIMARY, BACKUP, keys.messages_key(SESSION), keys.scroll_key(SESSION)}
    assert all(k.startswith(f"chatbooking:v1:{SESSION}:") for k in world.data)
    for key, value in world.data.items():
        envelope = json.loads(value)
        assert set(envelope) == {"schema", "checksum", "data"}
        assert envelope["schema"] == (2 if key in (PRIMARY, BACKUP) else 1)  # drafts gained where and when
    assert world.data[PRIMARY] == world.data[BACKUP]


def test_a_full_realistic_draft_is_under_two_kilobytes(world: World) -> None:
    service = world.service()
    service.save_draft_immediately(FULL)
    service.prepare_booking({})
    size = len(world.data[PRIMARY].encode("utf-8"))
    assert world.stored()["booking_step"] == "confirming"
    assert size <= 2048 and 2 * len(world.data[PRIMARY]) <= 2048  # as UTF-8 and as browsers count (UTF-16)


def test_a_draft_at_every_maximum_length_still_fits_in_two_kilobytes(world: World) -> None:
    service = world.service(therapist_name="Ṅ" * 80)
    service.save_draft_immediately({**FULL, "customer_name": "Ŵ" * 80, "customer_whatsapp": "+" + "9" * 31,
                                    "address": "Ŵ" * 300, "when": "choose", "date": "2026-12-09",
                                    "starts_at": "2026-12-09T15:00:00+08:00", "whatsapp_updates": True})
    assert len(world.data[PRIMARY].encode("utf-8")) <= 2048


def test_a_seed_schema_0_draft_is_migrated_on_load_and_rewritten_as_the_current_schema(world: World) -> None:
    world.data[PRIMARY] = json.dumps({
        "customerName": "Ana", "customerWhatsApp": "+6281234567890", "therapistId": THERAPIST,
        "duration": "60", "price": 350000, "locationType": "home", "massageFor": "myself",
        "bookingStep": "step-2", "version": 2, "lastModified": world.clock.now_ms() - 1000})
    service = world.service()
    assert service.draft is not None and service.draft.customer_name == "Ana" and service.draft.duration == 60
    # The seed knew no address or time: those are all that is left to fill.
    assert [field for field, _ in service.get_validation_field_errors()] == ["when", "address"]
    service.update_field("customer_name", "Ana Putri")
    service.flush()
    assert json.loads(world.data[PRIMARY])["schema"] == 2 and world.stored()["version"] == 3


# --- corruption and recovery ---------------------------------------------------------------------

def valid_envelope_with(data: dict) -> str:
    return DRAFT_CODEC.encode(data)


@pytest.mark.parametrize("damage", [
    lambda raw: raw[: len(raw) // 2],                                   # truncated write
    lambda raw: "\x00" * 10,                                            # not JSON at all
    lambda raw: raw.replace("Ana Putri Wijaya", "Eve"),                # failed checksum
    lambda raw: valid_envelope_with({"therapist_id": THERAPIST, "duration": 45}),  # invalid data
    lambda raw: raw.replace('"schema":2', '"schema":7'),               # from a newer page
], ids=["truncated", "binary", "checksum", "invalid-data", "future-schema"])
def test_a_damaged_primary_is_restored_from_backup_and_kept_for_diagnosis(world: World, damage) -> None:
    world.service().save_draft_immediately(FULL)
    bad = damage(world.data[PRIMARY])
    world.data[PRIMARY] = bad
    service = world.service()  # never raises
    assert service.draft is not None and service.draft.customer_name == "Ana Putri Wijaya"
    assert world.data[PRIMARY] == world.data[BACKUP]  # primary rewritten
    assert CORRUPT_CODEC.decode(world.data[CORRUPT], key=CORRUPT).data["raw"] == bad
    assert "restored" in service.get_health_status().last_error


def test_only_one_corrupt_copy_is_kept_per_session(world: World) -> None:
    world.service().save_draft_immediately(FULL)
    for bad in ("{first", "{second"):
        world.data[PRIMARY] = bad
        world.service()
    assert [k for k in world.data if k.endswith(":corrupt")] == [CORRUPT]
    assert CORRUPT_CODEC.decode(world.data[CORRUPT], key=CORRUPT).data["raw"] == "{second"


def test_when_primary_and_backup_are_both_bad_the_draft_starts_empty_and_health_says_so(world: World) -> None:
    world.data.update({PRIMARY: "{", BACKUP: '{"schema":1'})
    service = world.service()
    health = service.get_health_status()
    assert service.draft is None and health.draft_exists is False
    assert "no good copy" in health.last_error and health.operational is True
    service.update_field("customer_name", "Ana")  # and it keeps working
    service.flush()
    assert world.stored()["customer_name"] == "Ana"


class TearingStorage(FakeStorage):
    """Cuts the next write to ``key`` in half: a tab killed while the browser was writing."""

    tear_key: str | None = None

    def setItem(self, key: str, value: str) -> None:  # noqa: N802
        if key == self.tear_key:
            self.tear_key = None
            value = value[: len(value) // 2]
        super().setItem(key, value)


@pytest.mark.parametrize("torn, expected_name", [(PRIMARY, "Ana Putri"), (BACKUP, "Ana Putri")])
def test_a_torn_write_of_either_copy_loses_nothing_that_was_saved_before(world: World, torn: str,
                                                                          expected_name: str) -> None:
    storage = TearingStorage(world.data)
    service = world.service(storage)
    service.save_draft_immediately({"customer_name": "Ana"})
    storage.tear_key = torn
    service.save_draft_immediately({"customer_name": "Ana Putri"})
    reloaded = world.service(FakeStorage(world.data))
    # Primary torn: the backup already has the new value. Backup torn: the primary has it.
    assert reloaded.draft is not None and reloaded.draft.customer_name == expected_name


# --- quota and unavailable storage ---------------------------------------------------------------

def other_session_messages(n: int, session: str = "other") -> tuple[str, str]:
    items = [{"id": f"m{i}", "sender_id": "c9", "sender_type": "customer", "message": "x" * 100,
              "timestamp": T0 + i} for i in range(n)]
    return keys.messages_key(session), MESSAGES_CODEC.encode(items)


def test_quota_exceeded_frees_expired_drafts_and_other_sessions_messages_then_retries(world: World) -> None:
    eight_days_ago = world.clock.now_ms() - 8 * DAY_S * 1000
    old = BookingDraft(therapist_id="t-made", version=1, last_modified=eight_days_ago)
    key, value = other_session_messages(20)
    world.data.update({keys.draft_key("old"): DRAFT_CODEC.encode(old.model_dump(mode="json")), key: value})
    # Expiry at start would remove the old draft; let it in after start, as another tab would.
    service = world.service()
    world.data[keys.draft_key("old")] = DRAFT_CODEC.encode(old.model_dump(mode="json"))
    world.storage.quota_bytes = world.storage.bytes_used() + 600
    service.save_draft_immediately(FULL)
    health = service.get_health_status()
    assert health.persistent is True and service.save_state is SaveState.SAVED
    assert world.stored()["customer_name"] == FULL["customer_name"]
    assert keys.draft_key("old") not in world.data
    assert len(MESSAGES_CODEC.decode(world.data[key], key=key).data) == 10  # the newest half kept


def test_quota_still_exceeded_keeps_the_draft_in_memory_and_says_so(world: World) -> None:
    world.storage.quota_bytes = 100
    service = world.service()
    service.save_draft_immediately(FULL)
    health = service.get_health_status()
    assert service.save_state is SaveState.MEMORY_ONLY and not service.persistent
    assert health.persistent is False and "storage is full" in health.last_error
    assert health.last_saved is None and service.draft.customer_name == FULL["customer_name"]
    assert service.load_draft().customer_name == FULL["customer_name"]  # memory still answers


def test_persistence_recovers_on_the_next_autosave_once_space_is_free(world: World) -> None:
    world.storage.quota_bytes = 100
    service = world.service()
    service.save_draft_immediately(FULL)
    world.storage.quota_bytes = None
    world.scheduler.advance(30)
    assert service.persistent and service.save_state is SaveState.SAVED
    assert world.stored()["customer_name"] == FULL["customer_name"]
    assert service.get_health_status().last_saved == world.clock.now_ms()


def test_any_input_after_a_refused_write_tries_again_a_moment_later(world: World) -> None:
    # Found by the state machine: storage full, the number typed, the write refused; space freed;
    # then an input that changes nothing (the name field touched) and a crash a second later lost
    # the number, because only a change armed the 1 s write. Any input while unsaved arms it now.
    world.storage.quota_bytes = 100
    service = world.service()
    service.save_draft_immediately({"customer_whatsapp": "+62 812 3456 7890"})
    assert service.save_state is SaveState.MEMORY_ONLY
    world.storage.quota_bytes = None
    service.update_field("customer_name", "")                    # no change to the draft
    world.scheduler.advance(1)
    assert service.save_state is SaveState.SAVED
    assert world.stored()["customer_whatsapp"] == "+62 812 3456 7890"


def test_a_refused_write_is_retried_with_a_merge_so_another_tabs_newer_write_survives(world: World) -> None:
    _, tab_b, _ = two_tabs(world)
    storage_a = FakeStorage(world.data, quota_bytes=100)  # tab A's view of a full origin
    tab_a = world.service(storage_a)
    tab_a.save_draft_immediately({"customer_name": "Ana"})
    assert tab_a.save_state is SaveState.MEMORY_ONLY and tab_a.has_unsaved_changes
    tab_b.save_draft_immediately({"location_type": "hotel"})            # B still has room
    storage_a.quota_bytes = None
    world.scheduler.advance(30)                                         # A's autosave tries again
    assert tab_a.save_state is SaveState.SAVED and tab_a.persistent
    assert (world.stored()["customer_name"], world.stored()["location_type"]) == ("Ana", "hotel")


def test_unavailable_storage_falls_back_to_memory_without_raising(world: World) -> None:
    world.storage.unavailable = True  # Safari private mode / storage disabled: SecurityError
    service = world.service()
    service.update_field("customer_name", "Ana")
    world.scheduler.advance(1)
    service.add_message(HELLO)
    health = service.get_health_status()
    assert health.persistent is False and "does not let the page save" in health.last_error
    assert service.save_state is SaveState.MEMORY_ONLY and service.draft.customer_name == "Ana"
    assert [m.id for m in service.get_messages()] == ["m1"] and world.data == {}


def test_no_storage_object_at_all_works_in_memory(world: World) -> None:
    service = ChatBookingStorageService(THERAPIST, SESSION, scheduler=world.scheduler, clock=world.clock)
    service.save_draft_immediately({"customer_name": "Ana"})
    assert service.get_health_status().persistent is False and service.draft.version == 1


def test_storage_that_becomes_available_again_is_used_again(world: World) -> None:
    service = world.service()
    world.storage.unavailable = True
    service.save_draft_immediately({"customer_name": "Ana"})
    world.storage.unavailable = False
    service.save_draft_immediately({"customer_name": "Ana Putri"})
    assert service.persistent and world.stored()["customer_name"] == "Ana Putri"


# --- two tabs ------------------------------------------------------------------------------------

def two_tabs(world: World) -> tuple[ChatBookingStorageService, ChatBookingStorageService, FakeStorageEvents]:
    events = FakeStorageEvents()
    storage_a, storage_b = FakeStorage(world.data), FakeStorage(world.data)
    tab_a, tab_b = world.service(storage_a), world.service(storage_b)
    events.listen(storage_a, tab_a.handle_storage_event)
    events.listen(storage_b, tab_b.handle_storage_event)
    return tab_a, tab_b, events


def test_a_storage_event_brings_the_other_tabs_draft_into_this_tab(world: World) -> None:
    tab_a, tab_b, events = two_tabs(world)
    seen = []
    tab_b.subscribe(lambda s: seen.append(s.draft.customer_name if s.draft else None))
    tab_a.save_draft_immediately({"customer_name": "Ana"})
    events.deliver()
    assert tab_b.draft is not None and tab_b.draft.customer_name == "Ana" and tab_b.draft.version == 1
    assert seen and seen[-1] == "Ana"


def test_a_write_merges_a_newer_version_from_another_tab_field_by_field(world: World) -> None:
    tab_a, tab_b, events = two_tabs(world)
    tab_a.save_draft_immediately({"customer_name": "Ana", "location_type": "home"})
    events.deliver()
    tab_a.save_draft_immediately({"customer_name": "Ana Putri"})       # v2, tab B not told
    tab_b.save_draft_immediately({"location_type": "villa", "duration": 90})
    stored = world.stored()
    assert stored["customer_name"] == "Ana Putri"    # A's change survives B's write
    assert stored["location_type"] == "villa" and stored["duration"] == 90  # B's changes win
    assert stored["version"] == 3
    assert tab_b.draft.customer_name == "Ana Putri"


def test_a_storage_event_keeps_this_tabs_unsaved_edits_on_top(world: World) -> None:
    tab_a, tab_b, events = two_tabs(world)
    tab_b.update_field("massage_for", "friend")                         # typed, not yet written
    tab_a.save_draft_immediately({"customer_name": "Ana"})
    events.deliver()
    assert tab_b.draft.customer_name == "Ana" and tab_b.draft.massage_for == "friend"
    assert tab_b.has_unsaved_changes
    world.scheduler.advance(1)
    assert world.stored()["massage_for"] == "friend" and world.stored()["customer_name"] == "Ana"


def test_stale_or_foreign_storage_events_are_ignored(world: World) -> None:
    tab_a, tab_b, _ = two_tabs(world)
    tab_b.save_draft_immediately({"customer_name": "Ana"})
    tab_b.save_draft_immediately({"customer_name": "Ana Putri"})
    old = BookingDraft(therapist_id=THERAPIST, version=1, customer_name="Old",
                       last_modified=world.clock.now_ms())
    other = old.model_copy(update={"therapist_id": "t-made", "version": 9})
    tab_b.handle_storage_event(PRIMARY, DRAFT_CODEC.encode(old.model_dump(mode="json")))
    tab_b.handle_storage_event(PRIMARY, DRAFT_CODEC.encode(other.model_dump(mode="json")))
    tab_b.handle_storage_event(PRIMARY, "{torn")
    tab_b.handle_storage_event("theme", "dark")
    assert tab_b.draft.customer_name == "Ana Putri" and tab_b.draft.version == 2


def test_cancelling_in_one_tab_clears_the_draft_in_the_other(world: World) -> None:
    tab_a, tab_b, events = two_tabs(world)
    tab_a.save_draft_immediately({"customer_name": "Ana"})
    events.deliver()
    tab_a.cancel_booking()
    events.deliver()
    assert tab_b.draft is None
    tab_b.handle_storage_event(None, None)  # localStorage.clear() elsewhere: nothing breaks
    assert tab_b.draft is None


def test_messages_written_by_another_tab_appear_in_this_one(world: World) -> None:
    tab_a, tab_b, events = two_tabs(world)
    tab_a.add_message({"id": "m1", "sender_id": "t-ayu", "sender_type": "therapist", "message": "Hello",
                       "timestamp": T0 + 5})
    events.deliver()
    assert [m.message for m in tab_b.get_messages()] == ["Hello"]


# --- expiry and wrong therapist ------------------------------------------------------------------

def test_expired_drafts_of_every_session_are_removed_on_start(world: World) -> None:
    now = world.clock.now_ms()
    def record(age_days: float) -> str:
        age_ms = int(age_days * DAY_S * 1000)
        draft = BookingDraft(therapist_id=THERAPIST, version=1, last_modified=now - age_ms)
        return DRAFT_CODEC.encode(draft.model_dump(mode="json"))
    world.data.update({PRIMARY: record(8), BACKUP: record(8), keys.draft_key("other"): record(7.5),
                       keys.backup_key("other"): record(7.5), keys.draft_key("recent"): record(6.9)})
    service = world.service()
    assert service.draft is None
    assert set(world.data) == {keys.draft_key("recent")}


def test_draft_max_age_is_configurable(world: World) -> None:
    world.service().save_draft_immediately({"customer_name": "Ana"})
    world.clock.set_ms(world.clock.now_ms() + 61_000)
    assert world.service(draft_max_age_s=120).draft is not None
    assert world.service(draft_max_age_s=60).draft is None and PRIMARY not in world.data


def test_a_draft_for_another_therapist_never_prefills_this_chat(world: World) -> None:
    ChatBookingStorageService("t-made", SESSION, storage=world.storage, scheduler=world.scheduler,
                              clock=world.clock).save_draft_immediately({"customer_name": "Ana"})
    service = world.service()
    assert service.draft is None and service.load_draft() is None
    service.update_field("location_type", "home")
    assert service.draft.customer_name == "" and service.draft.therapist_id == THERAPIST
    service.flush()
    assert world.stored()["therapist_id"] == THERAPIST and world.stored()["customer_name"] == ""


# --- chat window, booking, validation, health -----------------------------------------------------

def message(i: int) -> dict:
    return {"id": f"m{i}", "sender_id": "c1", "sender_type": "customer", "message": f"m {i}", "timestamp": T0 + i}


def test_messages_survive_a_reload_and_are_capped(world: World) -> None:
    service = world.service(max_messages=3)
    for i in range(5):
        service.add_message(message(i) if i % 2 else ChatMessage.model_validate(message(i)))
    assert [m.id for m in world.service(max_messages=3).get_messages()] == ["m2", "m3", "m4"]


def test_scroll_position_is_debounced_and_survives_a_reload(world: World) -> None:
    service = world.service()
    service.save_scroll_position(100)
    service.save_scroll_position(350)
    assert keys.scroll_key(SESSION) not in world.data and service.get_scroll_position() == 350
    world.scheduler.advance(1)
    assert world.service().get_scroll_position() == 350


def test_reset_chat_window_clears_messages_and_scroll_but_keeps_the_booking(world: World) -> None:
    service = world.service()
    service.save_draft_immediately({"customer_name": "Ana"})
    service.add_message(message(1))
    service.save_scroll_position(80)
    service.reset_chat_window()
    assert service.get_messages() == [] and service.get_scroll_position() == 0
    assert set(world.data) == {PRIMARY, BACKUP}
    reloaded = world.service()
    assert reloaded.draft.customer_name == "Ana" and reloaded.get_messages() == []


def test_reset_chat_window_without_preserving_the_booking_clears_the_draft_too(world: World) -> None:
    service = world.service()
    service.save_draft_immediately({"customer_name": "Ana"})
    service.add_message(message(1))
    service.reset_chat_window(preserve_booking=False)
    assert service.draft is None and world.data == {}


def test_prepare_booking_collects_the_details_and_saves_immediately(world: World) -> None:
    service = world.service()
    draft = service.prepare_booking(FULL)
    assert draft is not None and draft.booking_step == "confirming"
    assert world.stored()["booking_step"] == "confirming" and world.stored()["duration"] == 90
    assert service.prepare_booking({"booking_step": "queued"}).booking_step == "queued"


def test_cancel_booking_deletes_draft_and_backup_but_keeps_the_chat(world: World) -> None:
    service = world.service()
    service.add_message(message(1))
    service.prepare_booking(FULL)
    service.update_field("customer_name", "pending edit")
    service.cancel_booking()
    world.scheduler.advance(5)
    assert PRIMARY not in world.data and BACKUP not in world.data
    assert [m.id for m in world.service().get_messages()] == ["m1"]
    assert service.draft is None and not service.has_unsaved_changes and service.save_state is SaveState.IDLE


def test_validation_names_the_fields_the_customer_still_has_to_fill(world: World) -> None:
    service = world.service()
    assert not service.validate_draft()
    service.save_draft({"customer_name": "Ana", "duration": 90, "price": 475000})
    assert service.get_validation_errors() == [
        "Your WhatsApp number is required",
        "Please choose when: as soon as possible, or a time",
        "Please choose a location",
        "Please choose who the massage is for",
        "Your address is required: the place and how to find it",
    ]
    service.save_draft(FULL)
    assert service.validate_draft() and service.get_validation_errors() == []


def test_build_booking_request_returns_a_request_or_raises_draft_incomplete(world: World) -> None:
    service = world.service()
    with pytest.raises(DraftIncomplete) as caught:
        service.build_booking_request("c-7")
    assert "Your name is required" in caught.value.errors
    service.save_draft(FULL)
    request = service.build_booking_request("c-7")
    assert isinstance(request, BookingRequest)
    assert (request.therapist_id, request.therapist_name, request.customer_whatsapp) == (
        THERAPIST, "Ayu Lestari", "+6281234567890")


def test_health_status_reports_every_key(world: World) -> None:
    service = world.service()
    assert service.get_health_status() == HealthStatus(
        operational=True, auto_save_enabled=True, draft_exists=False, draft_version=None,
        persistent=True, last_saved=None, last_error=None, bytes_used=0)
    service.save_draft_immediately({"customer_name": "Ana"})
    health = service.get_health_status()
    assert (health.draft_exists, health.draft_version, health.last_saved) == (
        True, 1, world.clock.now_ms())
    assert health.bytes_used == world.storage.bytes_used()


def test_the_core_imports_without_js_pyodide_or_hypothesis() -> None:
    code = ("import sys, app.drafts.session, app.domain.validation, app.persistence.envelope, app.persistence.safe_storage; "
            "bad = {'js', 'pyodide', 'pyscript', 'hypothesis'} & set(sys.modules); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
