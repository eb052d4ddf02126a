"""The "Please fix the following" list follows the fields after ``Order now`` (issue 21, item 1)."""

from __future__ import annotations

from app.ui.presenter import errors_still_shown

NAME = ("customer_name", "Your name is required")
DURATION = ("duration", "Please choose a duration")
WHATSAPP = ("customer_whatsapp", "Your WhatsApp number is required")


def test_an_error_leaves_when_its_field_becomes_valid() -> None:
    assert errors_still_shown([DURATION, NAME, WHATSAPP], [DURATION, WHATSAPP], "customer_name") == [DURATION, WHATSAPP]


def test_the_list_is_empty_when_the_last_field_is_fixed() -> None:
    assert errors_still_shown([NAME], [], "customer_name") == []


def test_a_field_still_wrong_shows_its_current_sentence_in_its_place() -> None:
    short = ("customer_name", "Your name must be at least 2 characters")
    assert errors_still_shown([DURATION, NAME, WHATSAPP], [DURATION, short, WHATSAPP], "customer_name") == [
        DURATION, short, WHATSAPP]


def test_a_newly_invalid_field_waits_for_the_next_order() -> None:
    assert errors_still_shown([DURATION], [DURATION, NAME], "customer_name") == [DURATION]


def test_other_fields_errors_stay_as_shown_even_from_the_server() -> None:
    server = ("customer_whatsapp", "this number is not on WhatsApp")
    assert errors_still_shown([server, NAME], [], "customer_name") == [server]


def test_choosing_a_duration_clears_the_duration_and_its_price() -> None:
    price = ("price", "The price is missing; please choose the duration again")
    assert errors_still_shown([DURATION, price, NAME], [NAME], "duration") == [NAME]


def test_choosing_as_soon_as_possible_also_clears_a_missing_start_time() -> None:
    shown = [("starts_at", "Please choose a start time"), ("address", "Your address is required")]
    assert errors_still_shown(shown, [("address", "Your address is required")], "when") == [
        ("address", "Your address is required")]
