"""The free start times of a therapist (``backend.services.slots``): working hours with several
ranges a day, the buffer after each booking, the lead time, the 30-minute grid, days ahead, a day
off, and clocks that jump (America/New_York) next to one that never does (Asia/Makassar)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from app.domain.catalog import Therapist
from backend.services.slots import Holds, first_free, free_starts, hold_of, start_problem, to_ms

WITA = ZoneInfo("Asia/Makassar")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 12, 7)
PRICES = {60: 1, 90: 1, 120: 1}


def therapist(**overrides: object) -> Therapist:
    fields: dict[str, object] = {"id": "t-ayu", "name": "Ayu", "prices": PRICES,
                                 "hours": {"mon": ["09:00-13:00", "15:00-21:00"], "tue": ["09:00-21:00"]},
                                 "buffer_minutes": 30, "lead_minutes": 60, "days_ahead": 14}
    return Therapist.model_validate(fields | overrides)


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = WITA, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz, fold=fold)


def hm(starts: list[datetime]) -> list[str]:
    return [f"{s:%H:%M}" for s in starts]


NIGHT_BEFORE = to_ms(at(MONDAY - timedelta(days=1), 20))  # Sunday evening: Monday is all ahead


def test_several_ranges_a_day_offer_every_half_hour_whose_session_fits_inside_one():
    starts = free_starts(therapist(), MONDAY, 60, now_ms=NIGHT_BEFORE, holds=Holds())
    assert hm(starts) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00",
                          "15:00", "15:30", "16:00", "16:30", "17:00", "17:30", "18:00", "18:30", "19:00",
                          "19:30", "20:00"]
    assert hm(free_starts(therapist(), MONDAY, 120, now_ms=NIGHT_BEFORE, holds=Holds()))[:6] == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "15:00"]
    assert all(s.utcoffset() == timedelta(hours=8) for s in starts)
    assert starts[0].isoformat() == "2026-12-07T09:00:00+08:00"


def test_a_booking_and_its_buffer_block_every_start_whose_own_hold_would_overlap():
    ayu = therapist()
    holds = Holds([hold_of(ayu, to_ms(at(MONDAY, 10)), 60)])  # 10:00-11:00 + 30 min: held to 11:30
    starts = hm(free_starts(ayu, MONDAY, 60, now_ms=NIGHT_BEFORE, holds=holds))
    # 09:00 would hold to 10:30; 08:30 does not exist; 11:30 starts when the hold ends.
    assert starts[:4] == ["11:30", "12:00", "15:00", "15:30"]
    shorter = therapist(buffer_minutes=0)
    assert hm(free_starts(shorter, MONDAY, 60, now_ms=NIGHT_BEFORE,
                          holds=Holds([hold_of(shorter, to_ms(at(MONDAY, 10)), 60)])))[:3] == ["09:00", "11:00", "11:30"]


def test_the_lead_time_pushes_the_first_start_to_the_next_grid_time_after_it():
    now = to_ms(at(MONDAY, 9, 10))
    assert hm(free_starts(therapist(), MONDAY, 60, now_ms=now, holds=Holds()))[0] == "10:30"
    assert "is in the past" in start_problem(therapist(), at(MONDAY, 9), 60, now_ms=now)
    assert "60 minutes from now" in start_problem(therapist(), at(MONDAY, 10), 60, now_ms=now)
    assert start_problem(therapist(), at(MONDAY, 10, 30), 60, now_ms=now) is None


def test_starts_are_on_the_half_hour_grid_of_the_therapists_wall_clock():
    odd = therapist(hours={"mon": ["09:15-12:00"]})
    assert hm(free_starts(odd, MONDAY, 60, now_ms=NIGHT_BEFORE, holds=Holds())) == ["09:30", "10:00", "10:30", "11:00"]
    assert "half hour" in start_problem(odd, at(MONDAY, 9, 15), 60, now_ms=NIGHT_BEFORE)
    assert "half hour" in start_problem(therapist(), at(MONDAY, 10, 0).replace(second=30), 60, now_ms=NIGHT_BEFORE)
    # The same instant written in another offset is the same start.
    assert start_problem(therapist(), at(MONDAY, 10).astimezone(NEW_YORK), 60, now_ms=NIGHT_BEFORE) is None


def test_only_today_and_the_next_days_ahead_days_have_starts():
    ayu = therapist(hours={day: ["09:00-21:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                    days_ahead=3)
    last, beyond = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)
    now = to_ms(at(MONDAY - timedelta(days=1), 8))
    assert free_starts(ayu, last, 60, now_ms=now, holds=Holds())
    assert free_starts(ayu, beyond, 60, now_ms=now, holds=Holds()) == []
    assert "3 days ahead" in start_problem(ayu, at(beyond, 10), 60, now_ms=now)
    assert free_starts(ayu, MONDAY - timedelta(days=2), 60, now_ms=now, holds=Holds()) == []  # yesterday


def test_a_day_without_hours_has_no_start_and_asap_finds_the_next_working_day():
    ayu = therapist()
    wednesday = MONDAY + timedelta(days=2)
    assert free_starts(ayu, wednesday, 60, now_ms=NIGHT_BEFORE, holds=Holds()) == []
    assert "working hours" in start_problem(ayu, at(wednesday, 10), 60, now_ms=NIGHT_BEFORE)
    tuesday_evening = to_ms(at(MONDAY + timedelta(days=1), 20, 30))  # Tuesday's last start has passed
    found = first_free(ayu, 60, now_ms=tuesday_evening, holds=Holds())
    assert found == at(MONDAY + timedelta(days=7), 9)  # Wed..Sun off: next Monday 09:00


def test_asap_skips_held_times_and_gives_up_after_days_ahead():
    ayu = therapist(hours={"mon": ["09:00-11:00"]}, buffer_minutes=0, days_ahead=6)
    full = Holds([(to_ms(at(MONDAY, 9)), to_ms(at(MONDAY, 11)))])
    assert first_free(ayu, 60, now_ms=NIGHT_BEFORE, holds=Holds([(to_ms(at(MONDAY, 9)), to_ms(at(MONDAY, 10)))])
                      ) == at(MONDAY, 10)
    assert first_free(ayu, 60, now_ms=NIGHT_BEFORE, holds=full) is None  # the next Monday is 8 days away


def test_a_clock_that_jumps_forward_never_offers_the_missing_hour_and_one_falling_back_offers_it_once():
    ny = therapist(time_zone="America/New_York", time_zone_label="ET", hours={"sun": ["00:00-06:00"]},
                   buffer_minutes=0, lead_minutes=0)
    spring, autumn = date(2026, 3, 8), date(2026, 11, 1)
    before = to_ms(at(spring - timedelta(days=1), 12, tz=NEW_YORK))
    starts = free_starts(ny, spring, 60, now_ms=before, holds=Holds())
    assert hm(starts) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30", "05:00"]
    assert [s.isoformat()[-6:] for s in starts[3:5]] == ["-05:00", "-04:00"]  # 01:30 EST, then 03:00 EDT
    # "02:30-05:00" names an instant all the same: 03:30 EDT, which is offered.
    est = timezone(timedelta(hours=-5))
    assert start_problem(ny, datetime(2026, 3, 8, 2, 30, tzinfo=est), 60, now_ms=before) is None
    before = to_ms(at(autumn - timedelta(days=1), 12, tz=NEW_YORK))
    starts = free_starts(ny, autumn, 60, now_ms=before, holds=Holds())
    assert hm(starts).count("01:00") == 1 and hm(starts).count("01:30") == 1
    assert len(starts) == 11  # six wall hours, seven real ones: 00:00 .. 05:00 plus the repeated hour once


def test_a_wita_slot_reads_in_new_york_with_daylight_saving_on_either_side_of_the_change():
    ayu = therapist(hours={day: ["15:00-16:00"] for day in ("sat", "mon")}, days_ahead=60)
    saturday, monday = date(2026, 3, 7), date(2026, 3, 9)  # New York springs forward on Sunday the 8th
    now = to_ms(at(date(2026, 3, 1), 8))
    [before] = free_starts(ayu, saturday, 60, now_ms=now, holds=Holds())
    [after] = free_starts(ayu, monday, 60, now_ms=now, holds=Holds())
    assert (before.isoformat(), after.isoformat()) == ("2026-03-07T15:00:00+08:00", "2026-03-09T15:00:00+08:00")
    assert (f"{before.astimezone(NEW_YORK):%H:%M %Z}", f"{after.astimezone(NEW_YORK):%H:%M %Z}") == (
        "02:00 EST", "03:00 EDT")


def test_holds_find_an_overlap_with_any_earlier_hold_however_long():
    holds = Holds([(0, 100), (10, 20), (200, 300)])
    assert holds.overlaps(50, 60) and holds.overlaps(250, 400) and holds.overlaps(99, 101)
    assert not holds.overlaps(100, 200) and not holds.overlaps(300, 310) and not holds.overlaps(-10, 0)


def test_asap_after_a_month_booked_back_to_back_is_the_first_start_after_it():
    ayu = therapist(hours={day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                    buffer_minutes=30, lead_minutes=0, days_ahead=60)
    first = at(MONDAY, 0)
    solid = [hold_of(ayu, to_ms(first + timedelta(hours=2 * n)), 90) for n in range(360)]  # 30 days of 2 h holds
    found = first_free(ayu, 90, now_ms=to_ms(first), holds=Holds(solid))
    assert found == first + timedelta(days=30)
    assert first_free(ayu, 90, now_ms=to_ms(first), holds=Holds(solid[:10] + solid[11:])) == first + timedelta(hours=20)
