"""Draft -> BookingRequest, with one sentence per field the customer must fix."""

from datetime import datetime, timezone

import pytest

from app.domain.models import BookingDraft, BookingRequest
from app.domain.validation import DraftIncomplete, booking_errors, booking_field_errors, to_booking_request

COMPLETE = dict(therapist_id="t-ayu", therapist_name="Ayu Lestari", customer_name="Ana Putri",
                customer_whatsapp="+62 812-3456 7890", duration=90, price=475000,
                location_type="villa", massage_for="partner", address="Villa Kayu, Jl. Raya Ubud 12",
                when="asap")
BAD_NUMBER = "WhatsApp number must be a valid international number, like +62 812 3456 7890"
# 2026-12-09 14:00 WITA (06:00 UTC): a chosen 15:00 WITA start lies one hour ahead.
NOW_MS = int(datetime(2026, 12, 9, 6, 0, tzinfo=timezone.utc).timestamp() * 1000)


def draft(**changes: object) -> BookingDraft:
    return BookingDraft.model_validate({**COMPLETE, **changes})


def test_an_empty_draft_lists_every_missing_field_in_form_order() -> None:
    assert booking_errors(BookingDraft(therapist_id="t-ayu")) == [
        "Your name is required",
        "Your WhatsApp number is required",
        "Please choose a duration",
        "Please choose when: as soon as possible, or a time",
        "Please choose a location",
        "Please choose who the massage is for",
        "Your address is required: the place and how to find it",
    ]


def test_a_complete_draft_has_no_errors_and_becomes_a_request() -> None:
    assert booking_errors(draft()) == []
    request = to_booking_request(draft(), customer_id="c-7")
    assert isinstance(request, BookingRequest)
    assert request.customer_id == "c-7"
    assert request.customer_whatsapp == "+6281234567890"  # normalised by the model's rule
    assert request.address == "Villa Kayu, Jl. Raya Ubud 12"


def test_as_soon_as_possible_becomes_asap_without_a_start() -> None:
    request = to_booking_request(draft(when="asap", starts_at="2026-12-09T15:00:00+08:00"), customer_id="c-7")
    assert request.asap is True and request.starts_at is None


def test_a_chosen_time_becomes_starts_at_with_the_therapists_offset() -> None:
    request = to_booking_request(draft(when="choose", date="2026-12-09", starts_at="2026-12-09T15:00:00+08:00"),
                                 customer_id="c-7", now_ms=NOW_MS)
    assert request.asap is False
    assert request.starts_at.isoformat() == "2026-12-09T15:00:00+08:00"


def test_the_whatsapp_updates_tick_is_sent_with_the_booking() -> None:
    assert to_booking_request(draft(whatsapp_updates=True), customer_id="c-7").whatsapp_updates is True
    assert to_booking_request(draft(), customer_id="c-7").whatsapp_updates is False


@pytest.mark.parametrize("changes, message", [
    ({"customer_name": "   "}, "Your name is required"),
    ({"customer_name": "A"}, "Your name must be at least 2 characters"),
    ({"customer_name": "Ana\x07"}, "Your name must not contain control characters"),
    ({"customer_whatsapp": "0812"}, BAD_NUMBER),
    ({"customer_whatsapp": "call me"}, BAD_NUMBER),
    ({"duration": None}, "Please choose a duration"),
    ({"price": None}, "The price is missing; please choose the duration again"),
    ({"location_type": None}, "Please choose a location"),
    ({"massage_for": None}, "Please choose who the massage is for"),
    ({"address": "  "}, "Your address is required: the place and how to find it"),
    ({"address": "Villa\x07"}, "The address must not contain control characters"),
    ({"when": None}, "Please choose when: as soon as possible, or a time"),
    ({"when": "choose"}, "Please choose a start time"),
    ({"when": "choose", "starts_at": "15:00"}, "Please choose a start time"),
])
def test_each_problem_gets_a_sentence_naming_the_field(changes: dict, message: str) -> None:
    assert booking_errors(draft(**changes)) == [message]


@pytest.mark.parametrize("changes, field", [
    ({"when": None}, "when"),
    ({"when": "choose", "starts_at": ""}, "starts_at"),
    ({"address": ""}, "address"),
])
def test_time_and_address_errors_are_on_their_fields(changes: dict, field: str) -> None:
    assert [name for name, _ in booking_field_errors(draft(**changes))] == [field]


def test_a_chosen_start_that_has_passed_is_an_error_on_start_time() -> None:
    past = draft(when="choose", starts_at="2026-12-09T13:30:00+08:00")  # 13:30 WITA, now is 14:00 WITA
    assert booking_field_errors(past, now_ms=NOW_MS) == [
        ("starts_at", "That start time has passed; please choose another")]
    assert booking_field_errors(past) == []  # without the time now, the server is the judge


def test_time_errors_come_in_form_order_among_the_others() -> None:
    assert booking_field_errors(draft(when=None, customer_name="", address="")) == [
        ("customer_name", "Your name is required"),
        ("when", "Please choose when: as soon as possible, or a time"),
        ("address", "Your address is required: the place and how to find it"),
    ]


def test_an_address_longer_than_the_limit_is_refused() -> None:
    long = BookingDraft.model_construct(**{**draft().model_dump(), "address": "x" * 301})
    assert booking_errors(long) == ["The address must be at most 300 characters"]


def test_an_incomplete_draft_raises_draft_incomplete_which_is_a_value_error() -> None:
    with pytest.raises(DraftIncomplete) as caught:
        to_booking_request(draft(location_type=None, customer_name=""), customer_id="c-7")
    assert caught.value.errors == ["Your name is required", "Please choose a location"]
    assert isinstance(caught.value, ValueError)


def test_a_bad_customer_id_is_reported_without_blaming_the_customer_fields() -> None:
    with pytest.raises(DraftIncomplete) as caught:
        to_booking_request(draft(), customer_id="not an id!")
    assert caught.value.errors == ["We could not identify you; please reload the page"]


def test_no_draft_at_all_is_incomplete() -> None:
    with pytest.raises(DraftIncomplete) as caught:
        to_booking_request(None, customer_id="c-7")
    assert "Your name is required" in caught.value.errors
