"""The inbox list says the API's English placeholders ("New customer", "Booking: 90 min") in the page's words."""

from __future__ import annotations

from app.domain import words
from app.domain.i18n import Text
from app.inbox.conversations import ConversationSummary


def test_a_customer_without_a_name_is_our_new_customer_whatever_the_api_called_them() -> None:
    for name in ("", "New customer"):
        shown = ConversationSummary(session_id="s", customer_name=name).display_name
        assert shown is words.NEW_CUSTOMER
    assert ConversationSummary(session_id="s", customer_name="Ana").display_name == "Ana"


def test_a_booking_line_from_the_api_becomes_our_sentence_but_a_message_stays_as_written() -> None:
    booking = ConversationSummary(session_id="s", last_message="Booking: 90 min").snippet
    assert isinstance(booking, Text) and booking == "Booking: 90 min" and booking.values == {"minutes": 90}
    said = ConversationSummary(session_id="s", last_message="Booking: 90 min", last_sender_type="customer").snippet
    assert not isinstance(said, Text)  # the customer typed it: never translated
