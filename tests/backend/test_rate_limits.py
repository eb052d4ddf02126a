"""Per-client rate limits (429 + Retry-After), shared by every process on one database, and an admin
token too short to be safe refusing to start. Own servers with small limits: the shared one is
generous, so these never slow the rest of the suite.

Exact sequences of answers are asserted, so a burst must fall in one rate window. Whether windows
follow the wall-clock minute or start at a bucket's first hit, a burst that started and ended in
the same wall-clock minute is in one window; one that crossed a minute is run again from a new
address (``in_one_minute``), so no run fails by the clock.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.backend.conftest import (
    QUIET_ENV,
    Location,
    Chat,
    Server,
    auth_for,
    bearer,
    booking,
    chat_message,
    customer_token,
    new_customer,
    post_booking,
)
from tests.support.server import ROOT, running_server

WRITES, FAILURES = 6, 4
SMALL = QUIET_ENV | {"RATE_LIMIT_WRITES": str(WRITES), "RATE_LIMIT_AUTH_FAILURES": str(FAILURES),
                     "TRUSTED_PROXIES": "127.0.0.1", "BOOKING_ADMIN_TOKEN": "a" * 40}


def _from(address: str) -> dict[str, str]:
    """A client behind the trusted proxy (127.0.0.1): each test is its own address."""
    return {"X-Forwarded-For": f"198.51.100.77, {address}"}


_ADDRESSES = (f"198.18.{n // 250}.{n % 250 + 1}" for n in itertools.count())


T = TypeVar("T")


def in_one_minute(burst: Callable[[str], T]) -> T:
    """``burst(address)`` from a fresh address, again from another one if it crossed a wall-clock
    minute (a burst takes seconds, so the second run cannot cross one too)."""
    for _ in range(2):
        minute = time.time() // 60
        result = burst(next(_ADDRESSES))
        if time.time() // 60 == minute:
            return result
    return result


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("limited") / "bookings.sqlite3"
    with running_server(database, env=SMALL) as url:
        yield Server(url, database)


@pytest.mark.parametrize("store", ["database", "memory"])
def test_bookings_over_the_limit_are_429_with_retry_after(tmp_path: Path, store: str) -> None:
    with running_server(tmp_path / "b.sqlite3", env=SMALL | {"RATE_LIMIT_STORE": store}) as url, \
            httpx.Client(base_url=url, timeout=10) as client:
        started = time.monotonic()
        answers = in_one_minute(lambda address: [post_booking(client, booking(), headers=_from(address))
                                                 for _ in range(WRITES + 3)])
        per_second = len(answers) / (time.monotonic() - started)
        other = post_booking(client, booking(), headers=_from("203.0.113.2"))
    codes = [r.status_code for r in answers]
    print(f"\n{store}: {per_second:.0f} POST /api/bookings per second from one client, answers {codes}")
    assert codes == [201] * WRITES + [429] * 3
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert other.status_code == 201  # another client is not held back


def test_messages_and_bookings_share_the_write_limit(limited: Server) -> None:
    customer = new_customer()
    chat = Chat(limited, customer, auth_for(customer), {})

    def burst(client: httpx.Client, address: dict[str, str]) -> list[int]:
        codes = [client.post(chat.customer_path, json=chat_message(customer), headers=chat.customer_auth | address
                             ).status_code for _ in range(WRITES - 1)]
        codes.append(post_booking(client, booking(customer_id=customer), headers=address).status_code)
        codes.append(client.post(chat.customer_path, json=chat_message(customer),
                                 headers=chat.customer_auth | address).status_code)
        return codes

    with limited.client() as client:
        codes = in_one_minute(lambda address: burst(client, _from(address)))
    assert codes == [201] * WRITES + [429]


@pytest.mark.parametrize("kind", ["admin", "therapist", "customer-malformed", "customer-403"])
def test_failed_token_checks_are_limited_per_token_and_the_right_token_still_works(limited: Server,
                                                                                 kind: str) -> None:
    """One abuser behind a shared address (a carrier-grade NAT) uses up the budget of the token it
    tries, never that of a customer's valid token from the same address."""
    owner = new_customer()
    wrong_token = customer_token()
    with limited.client() as client:
        assert post_booking(client, booking(customer_id=owner), headers=_from("203.0.113.99")).status_code == 201

        def attempt(right: bool, address: dict[str, str]) -> httpx.Response:
            if kind == "admin":
                token = "a" * 40 if right else "b" * 40
                return client.get("/api/bookings", headers=bearer(token) | address)
            if kind == "therapist":
                return client.get("/api/therapist/me", headers=bearer(customer_token() if right else wrong_token)
                                  | address)
            if kind == "customer-malformed":
                token = auth_for(owner) if right else {"Authorization": "Bearer short"}
                return client.get("/api/bookings/last", params={"customer_id": owner}, headers=token | address)
            token = auth_for(owner) if right else bearer(wrong_token)
            return client.get("/api/bookings/last", params={"customer_id": owner}, headers=token | address)

        def burst(address: str) -> tuple[list[int], httpx.Response, httpx.Response]:
            return ([attempt(False, _from(address)).status_code for _ in range(FAILURES)],
                    attempt(False, _from(address)), attempt(True, _from(address)))

        failures, blocked, other = in_one_minute(burst)
    assert all(code in (401, 403) for code in failures), failures
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    # The right token (for the therapist kind: another token, which is checked, not refused unread).
    assert other.status_code == (401 if kind == "therapist" else 200), other.text


def test_a_client_trying_ever_new_tokens_is_stopped_too(limited: Server) -> None:
    address = _from("203.0.113.40")
    with limited.client() as client:
        codes = [client.get("/api/therapist/me", headers=bearer(customer_token()) | address).status_code
                 for _ in range(10 * FAILURES + 1)]
    assert codes[:10 * FAILURES - 1] == [401] * (10 * FAILURES - 1)
    assert codes[-1] == 429


def test_an_ipv6_client_counts_as_its_64_and_an_ipv4_one_alone() -> None:
    from backend.core.addresses import client_of

    assert client_of({"client": ("2001:db8:1:2:aa::1", 1)}) == client_of({"client": ("2001:db8:1:2:ffff::9", 2)})
    assert client_of({"client": ("2001:db8:1:2:aa::1", 1)}) == "2001:db8:1:2::/64"
    assert client_of({"client": ("2001:db8:1:3::1", 1)}) != client_of({"client": ("2001:db8:1:2::1", 1)})
    assert client_of({"client": ("::ffff:203.0.113.9", 1)}) == "203.0.113.9"
    assert client_of({"client": ("203.0.113.9", 1)}) != client_of({"client": ("203.0.113.10", 1)})


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(tmp_path: Path) -> None:
    env = SMALL | {"TRUSTED_PROXIES": ""}
    with running_server(tmp_path / "b.sqlite3", env=env) as url, httpx.Client(base_url=url, timeout=10) as client:
        # The client is 127.0.0.1 itself, so no fresh address for a second try: start clear of a
        # minute's end instead (waits at most 10 s, in one run out of six).
        time.sleep(max(0.0, (time.time() // 60 + 1) * 60 - time.time() + 0.2) if time.time() % 60 > 50 else 0.0)
        codes = [post_booking(client, booking(), headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                 for n in range(WRITES + 1)]
    assert codes == [201] * WRITES + [429]  # one client, whatever it claims to be


def test_two_processes_on_one_database_share_the_counters(new_database: Callable[[], Location]) -> None:
    database = new_database()  # a SQLite file, and a PostgreSQL database: two processes on it
    with running_server(database, env=SMALL) as first, running_server(database, env=SMALL) as second:
        with httpx.Client(base_url=first, timeout=10) as one, httpx.Client(base_url=second, timeout=10) as two:
            codes = in_one_minute(lambda address: [
                post_booking(one if n % 2 else two, booking(), headers=_from(address)).status_code
                for n in range(WRITES + 2)])
    assert codes == [201] * WRITES + [429] * 2


@pytest.mark.parametrize("token", ["short", "x" * 31])
def test_the_server_refuses_to_start_with_an_admin_token_under_32_characters(tmp_path: Path, token: str) -> None:
    env = {**os.environ, "DATABASE_URL": str(tmp_path / "b.sqlite3"), "BOOKING_ADMIN_TOKEN": token,
           "PORT": "0"}
    result = subprocess.run([sys.executable, "-m", "backend"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode != 0
    assert "BOOKING_ADMIN_TOKEN" in result.stderr and token not in result.stderr.replace("BOOKING", "")
