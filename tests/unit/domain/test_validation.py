"""Draft -> BookingRequest, with one sentence per field the customer must fix."""

import pytest

from app.domain.models import BookingDraft, BookingRequest
from app.domain.validation import DraftIncomplete, booking_errors, to_booking_request

COMPLETE = dict(therapist_id="t-ayu", therapist_name="Ayu Lestari", customer_name="Ana Putri",
                customer_whatsapp="+62 812-3456 7890", duration=90, price=475000,
                location_type="villa", massage_for="partner")
BAD_NUMBER = "WhatsApp number must be a valid international number, like +62 812 3456 7890"


def draft(**changes: object) -> BookingDraft:
    return BookingDraft.model_validate({**COMPLETE, **changes})


def test_an_empty_draft_lists_every_missing_field_in_form_order() -> None:
    assert booking_errors(BookingDraft(therapist_id="t-ayu")) == [
        "Your name is required",
        "Your WhatsApp number is required",
        "Please choose a duration",
        "Please choose a location",
        "Please choose who the massage is for",
    ]


def test_a_complete_draft_has_no_errors_and_becomes_a_request() -> None:
    assert booking_errors(draft()) == []
    request = to_booking_request(draft(), customer_id="c-7")
    assert isinstance(request, BookingRequest)
    assert request.customer_id == "c-7"
    assert request.customer_whatsapp == "+6281234567890"  # normalised by the model's rule


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
])
def test_each_problem_gets_a_sentence_naming_the_field(changes: dict, message: str) -> None:
    assert booking_errors(draft(**changes)) == [message]


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
