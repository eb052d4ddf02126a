"""A request nobody answers expires on time, by the server's own sweep: with nobody polling, once,
with one system message, and a waiting long poll hears it. On PostgreSQL two server processes
sweep the same database and still expire and announce it once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.backend.conftest import QUIET_ENV, Location, Server, auth_for, booking, new_customer, post_booking, rows
from tests.support.server import start_server, stop_server

TTL_S = 2
FAST = QUIET_ENV | {"BOOKING_REQUEST_TTL": str(TTL_S), "BOOKING_SWEEP_INTERVAL": "0.2"}


@pytest.fixture
def sweeping(new_database: Callable[[], Location], engine: str) -> Iterator[list[Server]]:
    """Servers with a 2 s TTL on a fresh database: one on SQLite, two processes on PostgreSQL."""
    database = new_database()
    processes = [start_server(database, env=FAST)]
    try:
        if engine == "postgresql":
            processes.append(start_server(database, env=FAST))
        yield [Server(process.url, database) for process in processes]
    finally:
        for process in processes:
            stop_server(process)


def _wait_for(database: Location, booking_id: str, status: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if rows(database, "SELECT status FROM bookings WHERE id = ?", booking_id) == [(status,)]:
            return
        time.sleep(0.05)
    raise AssertionError(f"{booking_id} did not become {status} within {seconds} s")


def test_a_request_nobody_answers_expires_on_time_once_with_one_system_message(sweeping: list[Server]) -> None:
    database = sweeping[0].database
    with httpx.Client(base_url=sweeping[0].url, timeout=10) as api:
        created = post_booking(api, booking())
    assert created.status_code == 201, created.text
    body = created.json()
    assert int(time.time()) - 5 < body["created_at"] // 1000 + TTL_S
    _wait_for(database, body["id"], "expired", TTL_S + 5)  # nobody asks the API meanwhile
    time.sleep(1.0)  # every sweeper has had several more rounds: still once
    assert rows(database, "SELECT status_changed_by, status_changed_at >= created_at + ? FROM bookings"
                " WHERE id = ?", TTL_S * 1000, body["id"]) == [("system", True)]
    assert rows(database, "SELECT actor, action, from_status, to_status FROM booking_events WHERE booking_id = ?"
                " ORDER BY seq", body["id"]) == [("customer", "request", None, "requested"),
                                                 ("system", "expire", "requested", "expired")]
    session = f"session_t-ayu_{body['booking']['customer_id']}"
    lines = rows(database, "SELECT id, message FROM messages WHERE session_id = ? AND sender_type = 'system'"
                 " ORDER BY seq", session)
    assert [line[0] for line in lines] == [f"event-{body['id']}-requested", f"event-{body['id']}-expired"]
    assert "expired" in lines[1][1]


def test_a_waiting_long_poll_hears_the_expiry(sweeping: list[Server]) -> None:
    customer = new_customer()
    auth = auth_for(customer)
    with httpx.Client(base_url=sweeping[0].url, timeout=20) as api:
        created = post_booking(api, booking(customer_id=customer)).json()
        path = f"/api/conversations/session_t-ayu_{customer}/messages"
        first = api.get(path, headers=auth).json()
        assert [m["event"]["status"] for m in first["messages"]] == ["requested"]
        # The poll waits on the last process (on PostgreSQL not necessarily the one that sweeps it).
    with httpx.Client(base_url=sweeping[-1].url, timeout=20) as poller:
        began = time.monotonic()
        page = poller.get(path, params={"after": first["cursor"], "wait": 15}, headers=auth).json()
    assert [(m["sender_type"], m["event"]["status"], m["event"]["by"]) for m in page["messages"]] == [
        ("system", "expired", "system")]
    assert time.monotonic() - began < TTL_S + 3
    assert created["status"] == "requested"
