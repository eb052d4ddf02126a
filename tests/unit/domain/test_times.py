"""A booking's time in the therapist's zone, with the customer's own clock beside it when it differs."""

from datetime import datetime, timezone

import pytest

from app.domain import i18n
from app.domain.times import asap_label, booking_when, date_choices, day_text, parse_start, slot_label, today_in
from tests.support.fakes import FakeTimeZones

BALI = FakeTimeZones("Asia/Makassar")
NEW_YORK = FakeTimeZones("America/New_York")
BERLIN = FakeTimeZones("Europe/Berlin")


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


def test_a_start_in_the_therapists_own_zone_is_said_once() -> None:
    assert slot_label(parse_start("2026-12-09T15:00:00+08:00"), "WITA", BALI) == "15:00 WITA"


def test_a_customer_in_new_york_sees_their_own_time_next_to_it() -> None:
    # 15:00 WITA is 07:00 UTC, 02:00 in New York (EST, UTC-5) the same day.
    assert slot_label(parse_start("2026-12-09T15:00:00+08:00"), "WITA", NEW_YORK) == "15:00 WITA (02:00 your time)"


def test_the_customers_daylight_saving_is_followed_on_the_day_itself() -> None:
    # New York is UTC-4 in July (EDT) and UTC-5 in December (EST); Makassar has no daylight saving.
    summer = parse_start("2026-07-09T15:00:00+08:00")
    winter = parse_start("2026-12-09T15:00:00+08:00")
    assert slot_label(summer, "WITA", NEW_YORK) == "15:00 WITA (03:00 your time)"
    assert slot_label(winter, "WITA", NEW_YORK) == "15:00 WITA (02:00 your time)"
    # Across the switch itself (2026-11-01 02:00 EDT → 01:00 EST): the day before and the day after.
    assert slot_label(parse_start("2026-10-31T13:00:00+08:00"), "WITA", NEW_YORK) == "13:00 WITA (01:00 your time)"
    assert slot_label(parse_start("2026-11-02T13:00:00+08:00"), "WITA", NEW_YORK) == "13:00 WITA (00:00 your time)"


def test_a_local_time_on_another_day_says_the_day() -> None:
    # 09:00 WITA on Wed 9 Dec is 20:00 on Tue 8 Dec in New York.
    assert slot_label(parse_start("2026-12-09T09:00:00+08:00"), "WITA", NEW_YORK) == \
        "09:00 WITA (Tue 8 Dec, 20:00 your time)"


def test_a_booking_says_its_day_in_the_therapists_zone() -> None:
    start = parse_start("2026-12-09T15:00:00+08:00")
    assert booking_when(start, "WITA", BALI) == "Wed 9 Dec, 15:00 WITA"
    assert booking_when(start, "WITA", BERLIN) == "Wed 9 Dec, 15:00 WITA (08:00 your time)"
    assert booking_when(None, "WITA", BALI) == "Time to be agreed"


def test_as_soon_as_possible_shows_the_earliest_free_start() -> None:
    assert asap_label(parse_start("2026-12-09T16:30:00+08:00"), "WITA", BALI) == "about 16:30 WITA"
    assert asap_label(None, "WITA", BALI) == "no free time soon"


def test_times_read_with_a_dot_in_indonesian() -> None:
    i18n.use("id", None)  # no catalog: only the clock's separator changes
    try:
        assert i18n.translate(slot_label(parse_start("2026-12-09T15:00:00+08:00"), "WITA", BERLIN)) == \
            "15.00 WITA (08.00 your time)"
    finally:
        i18n.use("en")


def test_the_dates_are_today_and_the_next_days_ahead_in_the_therapists_zone() -> None:
    # 2026-12-08 17:00 UTC is already Wed 9 Dec 01:00 in Makassar, still Tue 8 Dec in New York.
    now = ms(2026, 12, 8, 17, 0)
    assert today_in(now, "Asia/Makassar", NEW_YORK).isoformat() == "2026-12-09"
    assert date_choices(now, "Asia/Makassar", 2, NEW_YORK) == [
        ("2026-12-09", "Today, Wed 9 Dec"), ("2026-12-10", "Tomorrow, Thu 10 Dec"), ("2026-12-11", "Fri 11 Dec")]


@pytest.mark.parametrize("raw", ["", "15:00", "2026-12-09T15:00:00", "not a time", None])
def test_a_start_without_an_offset_or_unreadable_is_none(raw) -> None:
    assert parse_start(raw) is None


def test_a_clock_no_calendar_can_hold_gives_no_dates_instead_of_a_crash() -> None:
    assert today_in(10**17, "Asia/Makassar", BALI) is None
    assert date_choices(10**17, "Asia/Makassar", 14, BALI) == []


def test_a_day_reads_as_words_and_anything_else_as_it_is() -> None:
    assert day_text("2026-12-09") == "Wed 9 Dec"
    assert day_text("someday") == "someday"
