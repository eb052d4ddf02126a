"""'Your booking' shows exactly one status with its reason, and each event is one line in the chat."""

import pytest

from app.domain.models import BookingCreated, BookingRequest
from app.outbox.cancels import CancelPending
from app.outbox.messages import SendState
from app.ui.booking_panel import booking_panel, event_line
from tests.support.fakes import FakeTimeZones

BALI, NEW_YORK = FakeTimeZones("Asia/Makassar"), FakeTimeZones("America/New_York")
REQUEST = BookingRequest(therapist_id="t-ayu", customer_id="c1", customer_name="Ana Putri",
                         customer_whatsapp="+628123456789", duration=90, price=475000, location_type="villa",
                         massage_for="myself", address="Villa Kayu", starts_at="2026-12-09T15:00:00+08:00")


def created(**changes) -> BookingCreated:
    return BookingCreated.model_validate({"id": "bk_1", "created_at": 1, "booking": REQUEST.model_dump(mode="json"),
                                          "starts_at": "2026-12-09T15:00:00+08:00", "time_zone_label": "WITA",
                                          **changes})


@pytest.mark.parametrize("changes, status, detail, pick_again", [
    ({"status": "requested"}, "Waiting for Ayu Lestari to accept", "", False),
    ({"status": "confirmed"}, "Booking confirmed", "", False),
    ({"status": "declined", "status_reason": "Fully booked", "status_changed_by": "therapist"}, "Declined",
     "Reason: Fully booked", True),
    ({"status": "expired", "status_changed_by": "system"}, "Expired", "Nobody answered in time.", True),
    ({"status": "cancelled", "status_changed_by": "customer"}, "Cancelled", "Cancelled by you", False),
    ({"status": "cancelled", "status_changed_by": "therapist", "status_reason": "Ill"}, "Cancelled",
     "Cancelled by Ayu Lestari Reason: Ill", False),
    ({"status": "completed"}, "Completed", "", False),
])
def test_exactly_one_status_with_its_detail(changes, status, detail, pick_again) -> None:
    panel = booking_panel(created(**changes), "Ayu Lestari", "IDR 475,000", BALI, can_cancel=False)
    assert (panel.status, panel.detail, panel.pick_again) == (status, detail, pick_again)
    assert panel.summary == "90 min · IDR 475,000"


def test_the_time_is_the_therapists_with_the_customers_own_next_to_it() -> None:
    panel = booking_panel(created(), "Ayu Lestari", "IDR 475,000", NEW_YORK, can_cancel=True)
    assert panel.when == "Wed 9 Dec, 15:00 WITA (02:00 your time)"


def test_a_booking_from_before_times_has_its_time_to_be_agreed() -> None:
    panel = booking_panel(created(starts_at=None, status="confirmed"), "Ayu", "IDR 1", BALI, can_cancel=True)
    assert panel.when == "Time to be agreed"


def test_a_cancellation_on_its_way_says_so_and_a_refused_one_says_why() -> None:
    waiting = booking_panel(created(), "Ayu", "IDR 1", BALI, can_cancel=False,
                            pending=CancelPending("bk_1", SendState.WAITING, "k"))
    assert waiting.cancel_state == "Waiting for network"
    refused = booking_panel(created(status="declined"), "Ayu", "IDR 1", BALI, can_cancel=False,
                            note="Not sent: the booking is already “Declined”.")
    assert refused.cancel_state == "Not sent: the booking is already “Declined”."


def test_an_event_becomes_a_line_in_the_readers_words_and_falls_back_to_the_message() -> None:
    event = {"kind": "booking", "booking_id": "bk_1", "status": "confirmed", "by": "therapist",
             "starts_at": "2026-12-09T15:00:00+08:00", "time_zone_label": "WITA", "therapist_name": "Ayu"}
    assert event_line(event, BALI, "x") == "Ayu confirmed your booking for Wed 9 Dec, 15:00 WITA"
    declined = {**event, "status": "declined", "reason": "Too far"}
    assert event_line(declined, BALI, "x") == "Ayu declined your booking for Wed 9 Dec, 15:00 WITA. Reason: Too far"
    assert event_line(None, BALI, "The server's sentence") == "The server's sentence"
    assert event_line({"kind": "other"}, BALI, "fallback") == "fallback"
