"""The outbox in localStorage: one checksummed envelope; corruption and storage failures never raise."""

import json

from app.domain.models import BookingCreated, BookingRequest
from app.outbox.store import (
    CONFIRMATION_CODEC,
    CORRUPT_KEY,
    OUTBOX_CODEC,
    OUTBOX_KEY,
    ConfirmationStore,
    Outbox,
    OutboxEntry,
    confirmation_key,
)
from app.persistence.envelope import canonical_json, checksum
from tests.support.fakes import FakeStorage

BODY = {"therapist_id": "t-ayu", "customer_id": "c1", "customer_name": "Ana", "customer_whatsapp": "+628123456789",
        "duration": 90, "price": 450000, "location_type": "villa", "massage_for": "myself",
        "address": "Villa Kayu", "asap": True}


def entry(key: str = "k1", session_id: str = "s1") -> OutboxEntry:
    return OutboxEntry(key=key, session_id=session_id, body=BODY, created_at=1)


def test_entries_are_stored_in_the_shared_checksummed_envelope() -> None:
    storage = FakeStorage()
    Outbox(storage).save([entry()])
    stored = json.loads(storage.data[OUTBOX_KEY])
    assert stored["schema"] == 1
    assert stored["data"][0]["key"] == "k1"
    canonical = json.dumps(stored["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert stored["checksum"] == checksum(canonical) == checksum(canonical_json(stored["data"]))


def test_a_new_outbox_on_the_same_storage_sees_the_entries() -> None:
    data: dict[str, str] = {}
    Outbox(FakeStorage(data)).save([entry()])
    assert [e.key for e in Outbox(FakeStorage(data)).load()] == ["k1"]


def test_update_reads_what_another_tab_wrote_before_changing_it() -> None:
    data: dict[str, str] = {}
    tab_a, tab_b = Outbox(FakeStorage(data)), Outbox(FakeStorage(data))
    tab_a.update(lambda entries: entries.append(entry("a", "s1")))
    tab_b.update(lambda entries: entries.append(entry("b", "s2")))
    assert [e.key for e in tab_a.load()] == ["a", "b"]


def test_an_empty_outbox_removes_its_key() -> None:
    storage = FakeStorage()
    outbox = Outbox(storage)
    outbox.save([entry()])
    outbox.save([])
    assert OUTBOX_KEY not in storage.data


def test_invalid_json_is_set_aside_and_the_outbox_starts_empty() -> None:
    storage = FakeStorage({OUTBOX_KEY: "{not json"})
    outbox = Outbox(storage)
    assert outbox.load() == []
    assert storage.data[CORRUPT_KEY] == "{not json"
    assert OUTBOX_KEY not in storage.data
    assert "could not be read" in outbox.problem


def test_a_checksum_mismatch_counts_as_corrupt() -> None:
    raw = json.dumps({"schema": 1, "data": [entry().model_dump(mode="json")], "checksum": "00000000"})
    storage = FakeStorage({OUTBOX_KEY: raw})
    assert Outbox(storage).load() == []
    assert storage.data[CORRUPT_KEY] == raw


def test_an_unknown_schema_is_not_guessed_at() -> None:
    data = [entry().model_dump(mode="json")]
    raw = json.dumps({"schema": 2, "data": data, "checksum": checksum(canonical_json(data))})
    storage = FakeStorage({OUTBOX_KEY: raw})
    assert Outbox(storage).load() == []
    assert storage.data[CORRUPT_KEY] == raw


def test_one_unreadable_entry_does_not_cost_the_others() -> None:
    data = [entry("good").model_dump(mode="json"), {"key": "bad"}]
    raw = OUTBOX_CODEC.encode(data)
    storage = FakeStorage({OUTBOX_KEY: raw})
    outbox = Outbox(storage)
    assert [e.key for e in outbox.load()] == ["good"]
    assert storage.data[CORRUPT_KEY] == raw
    assert [e.key for e in Outbox(storage).load()] == ["good"]  # the readable part was stored again


def test_full_storage_keeps_the_outbox_in_memory_and_reports_it() -> None:
    storage = FakeStorage(quota_bytes=200)
    outbox = Outbox(storage)
    assert outbox.save([entry()]) is False
    assert not outbox.persistent
    assert "keep this page open" in outbox.problem
    assert [e.key for e in outbox.load()] == ["k1"]  # memory wins over the stale (empty) storage


def test_the_outbox_is_persistent_again_once_a_write_succeeds() -> None:
    storage = FakeStorage(quota_bytes=200)
    outbox = Outbox(storage)
    outbox.save([entry()])
    storage.quota_bytes = None
    assert outbox.save(outbox.load())
    assert outbox.persistent and outbox.problem is None
    assert OUTBOX_KEY in storage.data


def test_blocked_storage_keeps_the_outbox_in_memory() -> None:
    storage = FakeStorage()
    storage.unavailable = True  # Safari private mode / cookies blocked: SecurityError on access
    outbox = Outbox(storage)
    assert outbox.load() == []
    outbox.update(lambda entries: entries.append(entry()))
    assert [e.key for e in outbox.load()] == ["k1"]
    assert not outbox.persistent


def test_no_storage_at_all_works_in_memory() -> None:
    outbox = Outbox(None)
    outbox.update(lambda entries: entries.append(entry()))
    assert outbox.find("k1") is not None and not outbox.persistent


def test_envelope_round_trip() -> None:
    assert OUTBOX_CODEC.decode(OUTBOX_CODEC.encode({"a": [1, 2]}), key="k").data == {"a": [1, 2]}


def test_confirmations_survive_a_reload_and_can_be_cleared() -> None:
    data: dict[str, str] = {}
    created = BookingCreated(id="b-1", created_at=5, booking=BookingRequest.model_validate(BODY))
    ConfirmationStore(FakeStorage(data)).save("s1", created)
    assert confirmation_key("s1") == "chatbooking:v1:s1:confirmation"
    again = ConfirmationStore(FakeStorage(data))
    assert again.load("s1") == created
    again.clear("s1")
    assert again.load("s1") is None and confirmation_key("s1") not in data


def test_a_corrupt_confirmation_reads_as_none() -> None:
    storage = FakeStorage({confirmation_key("s1"): '{"schema":1,"data":{},"checksum":"x"}'})
    assert ConfirmationStore(storage).load("s1") is None


def test_a_confirmation_is_kept_in_memory_when_storage_is_full() -> None:
    created = BookingCreated(id="b-1", created_at=5, booking=BookingRequest.model_validate(BODY))
    store = ConfirmationStore(FakeStorage(quota_bytes=10))
    store.save("s1", created)
    assert store.load("s1") == created


def test_a_confirmation_this_page_cannot_read_is_removed_not_kept_for_ever() -> None:
    # Stored before bookings had an address: it can never be shown, and its age cannot be told.
    data: dict[str, str] = {}
    old = {**BODY}
    old.pop("address")
    old.pop("asap")
    data[confirmation_key("s1")] = CONFIRMATION_CODEC.encode({"id": "b-1", "created_at": 5, "booking": old})
    assert ConfirmationStore(FakeStorage(data)).load("s1") is None
    assert confirmation_key("s1") not in data
