"""A booking request holds a time the therapist offers: the slots endpoint, 201 / 409 / 422 on
``starts_at``, and 50 racing requests for one slot (both engines, through the real server).

Made (the tests' catalog: 07:00-19:00 WITA every day, 45 min buffer, 90 min lead, 14 days ahead)
has the real hours; each test takes its own day, so tests sharing the server never meet.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx

from tests.backend.conftest import QUIET_ENV, Server, booking, field_errors, new_customer, post_booking, rows
from tests.support.server import running_server

WITA = timezone(timedelta(hours=8))
MADE = {"therapist_id": "t-made", "therapist_name": "Made Wirawan", "duration": 60, "price": 400000}
RACERS = 50


def _day(offset: int) -> date:
    return datetime.now(WITA).date() + timedelta(days=offset)


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WITA).isoformat()


def _slots(api: httpx.Client, day: date, therapist: str = "t-made", duration: int = 60) -> dict:
    response = api.get(f"/api/therapists/{therapist}/slots", params={"date": day.isoformat(), "duration": duration})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_slots_of_a_day_are_the_grid_inside_working_hours_in_the_therapists_zone(api: httpx.Client) -> None:
    day = _day(3)
    answer = _slots(api, day)
    assert (answer["time_zone"], answer["time_zone_label"], answer["date"]) == ("Asia/Makassar", "WITA",
                                                                                day.isoformat())
    # 07:00 .. 18:00 (the last 60-minute session ends at 19:00), every half hour, nobody booked yet.
    assert answer["slots"] == [_at(day, 7 + n // 2, 30 * (n % 2)) for n in range(23)]
    assert answer["asap"] is not None and datetime.fromisoformat(answer["asap"]) > datetime.now(WITA)
    assert _slots(api, day, duration=120)["slots"][-1] == _at(day, 17)
    assert _slots(api, _day(15))["slots"] == []  # beyond days_ahead
    assert api.get("/api/therapists/t-nobody/slots", params={"date": day.isoformat()}).status_code == 404
    assert api.get("/api/therapists/t-made/slots", params={"date": day.isoformat(), "duration": 45}
                   ).status_code == 422


def test_a_chosen_free_time_is_requested_and_held_with_its_buffer(server: Server, api: httpx.Client) -> None:
    day = _day(4)
    body = booking(**MADE, starts_at=_at(day, 10))
    response = post_booking(api, body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["status"], created["starts_at"], created["ends_at"]) == ("requested", _at(day, 10), _at(day, 11))
    assert (created["time_zone"], created["time_zone_label"]) == ("Asia/Makassar", "WITA")
    expires = datetime.fromisoformat(created["expires_at"])
    assert abs(expires.timestamp() * 1000 - (created["created_at"] + 1800 * 1000)) < 1000  # the TTL first
    # 10:00-11:00 plus 45 min of travel holds 10:00-11:45: 09:00 (its own hold ends 10:45) and
    # 11:00/11:30 are gone; 08:30 (hold to 10:15) too; 08:00 (hold to 09:45) and 12:00 stay.
    free = _slots(api, day)["slots"]
    for taken in (_at(day, 8, 30), _at(day, 9), _at(day, 10), _at(day, 11), _at(day, 11, 30)):
        assert taken not in free
    assert _at(day, 8) in free and _at(day, 12) in free
    # One system message in the conversation says so.
    session = f"session_t-made_{body['customer_id']}"
    assert rows(server.database, "SELECT sender_type, message FROM messages WHERE session_id = ?", session) == [
        ("system", f"Ana Putri requested a booking for {datetime.fromisoformat(_at(day, 10)):%a} {day.day}"
                   f" {datetime.fromisoformat(_at(day, 10)):%b}, 10:00 WITA.")]


def test_a_time_that_is_held_is_409_naming_starts_at(api: httpx.Client) -> None:
    day = _day(5)
    assert post_booking(api, booking(**MADE, starts_at=_at(day, 14))).status_code == 201
    for start in (_at(day, 14), _at(day, 13, 30), _at(day, 14, 30)):  # the same, or overlapping with buffers
        taken = post_booking(api, booking(**MADE, starts_at=start))
        assert taken.status_code == 409, taken.text
        assert taken.json() == {"detail": "That time was just taken", "field": "starts_at"}
    assert post_booking(api, booking(**MADE, starts_at=_at(day, 16))).status_code == 201  # after the buffer


def test_a_time_never_offered_is_422_on_starts_at(api: httpx.Client) -> None:
    day = _day(6)
    soon = (datetime.now(WITA) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    soon -= timedelta(minutes=soon.minute % 30)
    for start, why in ((_at(day, 10, 15), "half hour"), (_at(day, 20), "working hours"),
                       (_at(day, 18, 30), "working hours"),  # 60 minutes from 18:30 end after 19:00
                       (_at(_day(-1), 10), "past"), (_at(_day(15), 10), "days ahead"),
                       (soon.isoformat(), "minutes from now")):
        errors = field_errors(post_booking(api, booking(**MADE, starts_at=start)))
        assert why in errors["starts_at"], (start, errors)
    naive = field_errors(post_booking(api, booking(**MADE, starts_at=f"{day.isoformat()}T10:00:00")))
    assert "offset" in naive["starts_at"]
    both = field_errors(post_booking(api, booking(**MADE, starts_at=_at(day, 10)) | {"asap": True}))
    assert None in both or "asap" in str(both) or "starts_at" in str(both)


def test_as_soon_as_possible_takes_the_earliest_free_start(api: httpx.Client) -> None:
    asap = _slots(api, _day(0), therapist="t-ayu", duration=90)["asap"]
    created = post_booking(api, booking()).json()
    assert created["starts_at"] >= asap  # the earliest free start, or a later one if a test took it meanwhile
    assert created["booking"]["asap"] is True


def test_fifty_racing_requests_for_one_slot_hold_it_once_on_sqlite(tmp_path: Path) -> None:
    """SQLite's one writer. (One PostgreSQL process lends DB_POOL_SIZE=10 connections to 40 worker
    threads, so 50 requests at once there wait out DB_POOL_TIMEOUT: capacity, not this rule. The race
    on PostgreSQL runs over two processes: tests/backend/test_postgres_processes.py.)"""
    database = tmp_path / "race.sqlite3"
    day = _day(7)
    start = _at(day, 9)
    answers: list[httpx.Response] = []
    ready = threading.Barrier(RACERS)

    def racer(url: str) -> None:
        body = booking(**MADE, starts_at=start, customer_id=new_customer())
        with httpx.Client(base_url=url, timeout=30) as client:
            client.get("/api/health")
            ready.wait()
            answers.append(post_booking(client, body))

    with running_server(database, env=QUIET_ENV) as url:
        threads = [threading.Thread(target=racer, args=(url,)) for _ in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201] + [409] * (RACERS - 1), codes
    assert all(a.json()["field"] == "starts_at" for a in answers if a.status_code == 409)
    held = rows(database, "SELECT count(*) FROM bookings WHERE therapist_id = 't-made' AND starts_at = ?"
                " AND status = 'requested'", int(datetime.fromisoformat(start).timestamp() * 1000))
    assert held == [(1,)]
