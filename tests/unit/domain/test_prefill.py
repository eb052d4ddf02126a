"""Prefill fills only what the customer left empty."""

from app.domain.models import LastBooking
from app.domain.prefill import prefill_fields

LAST = LastBooking(customer_name="Ana Putri", customer_whatsapp="+628123456789", location_type="villa",
                   massage_for="partner", duration=90)


def test_an_empty_draft_gets_every_field_of_the_last_booking() -> None:
    assert prefill_fields({"therapist_id": "t-ayu"}, LAST) == {
        "customer_name": "Ana Putri", "customer_whatsapp": "+628123456789", "location_type": "villa",
        "massage_for": "partner", "duration": 90}


def test_what_the_customer_typed_is_never_overwritten() -> None:
    draft = {"customer_name": "Ann", "customer_whatsapp": "+61 400 000 000", "location_type": "hotel",
             "massage_for": "myself", "duration": 60}
    assert prefill_fields(draft, LAST) == {}


def test_none_and_blank_text_count_as_empty() -> None:
    draft = {"customer_name": "   ", "customer_whatsapp": "", "location_type": None, "massage_for": "friend",
             "duration": 120}
    assert prefill_fields(draft, LAST) == {"customer_name": "Ana Putri", "customer_whatsapp": "+628123456789",
                                           "location_type": "villa"}


def test_empty_fields_of_the_last_booking_are_not_offered() -> None:
    assert prefill_fields({"customer_name": ""}, LastBooking(customer_whatsapp="+628123456789")) == {
        "customer_whatsapp": "+628123456789"}


def test_price_and_therapist_are_left_alone() -> None:
    updates = prefill_fields({"price": None, "therapist_id": ""}, LAST)
    assert "price" not in updates and "therapist_id" not in updates
