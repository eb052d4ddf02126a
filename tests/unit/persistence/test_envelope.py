"""The stored-value envelope: schema + checksum + data, and the draft migrations (schema 0 → 1 → 2)."""

import json

import pytest

from app.domain.errors import CorruptRecord
from app.domain.models import BookingDraft
from app.drafts.records import DRAFT_CODEC, MESSAGES_CODEC, draft_v0_to_v1, draft_v1_to_v2
from app.persistence.envelope import Codec, canonical_json, checksum

SEED_DRAFT = {
    "customerName": "Ana Putri", "customerWhatsApp": "+62 812 3456 7890", "therapistId": "t-ayu",
    "duration": "90", "price": "475000", "locationType": "Villa", "massageFor": "partner",
    "bookingStep": "details", "version": 4, "lastModified": 1_767_225_000_000,
}


def test_envelope_holds_schema_checksum_and_data() -> None:
    raw = DRAFT_CODEC.encode({"therapist_id": "t1", "customer_name": "Ana"})
    stored = json.loads(raw)
    assert stored["schema"] == 2
    assert stored["data"] == {"therapist_id": "t1", "customer_name": "Ana"}
    assert stored["checksum"] == checksum(canonical_json(stored["data"]))
    assert len(stored["checksum"]) == 8


def test_encode_then_decode_gives_the_data_back_unmigrated() -> None:
    data = {"b": [1, 2], "a": "é ✓"}
    decoded = MESSAGES_CODEC.decode(MESSAGES_CODEC.encode(data), key="k")
    assert decoded.data == data and not decoded.migrated


def test_checksum_does_not_depend_on_key_order() -> None:
    assert checksum(canonical_json({"a": 1, "b": 2})) == checksum(canonical_json({"b": 2, "a": 1}))


@pytest.mark.parametrize("raw, reason", [
    ('{"schema":1,"checksum":"00000000","da', "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"schema":"1","checksum":"x","data":{}}', "bad schema"),
    ('{"schema":1,"data":{}}', "without data or checksum"),
    ('{"schema":1,"checksum":"00000000","data":{"a":1}}', "checksum mismatch"),
    ('{"a": 1}', "no envelope"),  # messages have no legacy, un-enveloped form
])
def test_unreadable_values_become_corrupt_record(raw: str, reason: str) -> None:
    with pytest.raises(CorruptRecord, match=reason) as caught:
        MESSAGES_CODEC.decode(raw, key="chatbooking:v1:s:messages")
    assert caught.value.key == "chatbooking:v1:s:messages"


def test_a_value_edited_after_writing_fails_its_checksum() -> None:
    raw = DRAFT_CODEC.encode({"therapist_id": "t1", "customer_name": "Ana"})
    with pytest.raises(CorruptRecord, match="checksum"):
        DRAFT_CODEC.decode(raw.replace("Ana", "Bob"), key="k")


def test_a_schema_newer_than_this_page_is_refused() -> None:
    newer = Codec("draft", schema=3)
    with pytest.raises(CorruptRecord, match="newer"):
        DRAFT_CODEC.decode(newer.encode({"therapist_id": "t1"}), key="k")


def test_seed_camel_case_draft_is_migrated_to_the_current_schema() -> None:
    decoded = DRAFT_CODEC.decode(json.dumps(SEED_DRAFT), key="k")
    assert decoded.migrated and decoded.stored_schema == 0 and decoded.schema == 2
    assert decoded.data == {
        "customer_name": "Ana Putri", "customer_whatsapp": "+62 812 3456 7890", "therapist_id": "t-ayu",
        "duration": 90, "price": 475000, "location_type": "villa", "massage_for": "partner",
        "booking_step": "collecting", "version": 4, "last_modified": 1_767_225_000_000,
        "created_at": 1_767_225_000_000,
        "address": "", "when": None, "date": "", "starts_at": "", "whatsapp_updates": False,
    }
    BookingDraft.model_validate(decoded.data)  # the migrated shape is a valid draft


def test_an_enveloped_schema_0_draft_is_migrated_too() -> None:
    old = Codec("draft", schema=0)
    decoded = DRAFT_CODEC.decode(old.encode({"therapistId": "t1", "duration": 60}), key="k")
    assert decoded.data["therapist_id"] == "t1" and decoded.data["duration"] == 60


def test_migration_drops_choices_the_new_schema_does_not_know() -> None:
    new = draft_v0_to_v1({"therapistId": "t1", "duration": "45", "locationType": "boat", "massageFor": None})
    assert new == {"therapist_id": "t1", "booking_step": "collecting", "created_at": 0}


SCHEMA_1_DRAFT = {"therapist_id": "t-ayu", "customer_name": "Ana Putri", "customer_whatsapp": "+6281234567890",
                  "duration": 90, "price": 475000, "location_type": "villa", "massage_for": "partner",
                  "booking_step": "collecting", "version": 7, "created_at": 1, "last_modified": 2}


def test_a_schema_1_draft_gains_an_empty_address_and_no_time_choice() -> None:
    decoded = DRAFT_CODEC.decode(Codec("draft", schema=1).encode(SCHEMA_1_DRAFT), key="k")
    assert decoded.migrated and decoded.stored_schema == 1 and decoded.schema == 2
    assert decoded.data == {**SCHEMA_1_DRAFT, "address": "", "when": None, "date": "", "starts_at": "",
                            "whatsapp_updates": False}
    draft = BookingDraft.model_validate(decoded.data)
    assert draft.customer_name == "Ana Putri" and draft.version == 7  # nothing typed is lost


def test_a_schema_1_draft_that_was_queued_goes_back_to_collecting_for_its_address_and_time() -> None:
    # Its booking lacks what the server now requires: the customer completes it and orders again.
    assert draft_v1_to_v2({**SCHEMA_1_DRAFT, "booking_step": "queued"})["booking_step"] == "collecting"


def test_a_schema_1_draft_keeps_any_new_field_already_there() -> None:
    assert draft_v1_to_v2({**SCHEMA_1_DRAFT, "address": "Villa Kayu"})["address"] == "Villa Kayu"


def test_a_failing_migration_becomes_corrupt_record() -> None:
    with pytest.raises(CorruptRecord, match="migrating draft from schema 0"):
        DRAFT_CODEC.decode(Codec("draft", schema=0).encode(["not", "a", "draft"]), key="k")


def test_a_missing_migration_step_becomes_corrupt_record() -> None:
    codec = Codec("thing", schema=2, migrations={0: lambda d: d})
    with pytest.raises(CorruptRecord, match="no migration from thing schema 1"):
        codec.decode(Codec("thing", schema=1).encode({}), key="k")
