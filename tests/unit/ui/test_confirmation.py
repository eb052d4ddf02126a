"""The booking confirmation's words: a WhatsApp number grouped as people write it, each detail once."""

from __future__ import annotations

import pytest

from app.domain.models import BookingRequest
from app.ui.presenter import confirmation_details, whatsapp_display


@pytest.mark.parametrize(("stored", "shown"), [
    ("+6281234567890", "+62 812 3456 7890"),
    ("+628123456789", "+62 812 345 6789"),
    ("+14155550123", "+1 415 555 0123"),
    ("+447911123456", "+44 791 112 3456"),
    ("+61412345678", "+61 412 345 678"),
    ("+35312345678", "+353 123 45 678"),
])
def test_a_whatsapp_number_is_grouped_after_its_country_code(stored: str, shown: str) -> None:
    assert whatsapp_display(stored) == shown


@pytest.mark.parametrize("odd", ["0812 3456", "+62", "not a number", ""])
def test_what_is_not_an_international_number_is_shown_as_it_is(odd: str) -> None:
    assert whatsapp_display(odd) == odd


def test_the_confirmation_repeats_location_address_and_who_it_is_for_and_the_number_grouped() -> None:
    booking = BookingRequest(therapist_id="t-ayu", customer_id="c", customer_name="Ana Putri",
                             customer_whatsapp="+6281234567890", duration=90, price=475000,
                             location_type="hotel", massage_for="partner", address="Hotel Tugu, room 12", asap=True)
    summary, details = confirmation_details(booking, "Ayu Lestari", "IDR 475,000")
    assert summary == "90 min with Ayu Lestari for IDR 475,000."
    assert details == [("Location", "Hotel"), ("Address", "Hotel Tugu, room 12"), ("Massage for", "My partner"),
                       ("Name", "Ana Putri"),
                       ("WhatsApp", "+62 812 3456 7890")]
