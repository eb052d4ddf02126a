"""PostgreSQL stopped and started again under a running API: 503 + Retry-After while it is down,
normal answers after, with no restart of the API (the pool and the LISTEN connection reconnect
by themselves), and never a wrong 2xx, a duplicate or a 500.

This module has a cluster of its own (the session's shared one stays up for everyone else).
Two API processes run on it, so the cross-process wake-up is checked again after the restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.backend.conftest import (
    QUIET_ENV,
    Chat,
    Server,
    auth_for,
    bearer,
    booking,
    customer_token,
    new_customer,
    new_key,
    rows,
)
from tests.support import postgres
from tests.support.polls import HeldPoll
from tests.support.server import start_server, stop_server

POOL_TIMEOUT_S = 1  # a request waits this long for a connection while the database is down, then 503


@pytest.fixture(scope="module")
def own_cluster(pg_cluster: postgres.Cluster) -> Iterator[postgres.Cluster]:
    # pg_cluster first: the same skip/fail when no binaries are installed.
    with postgres.postgres_cluster() as cluster:
        yield cluster


def test_a_database_restart_under_load_gives_503s_then_normal_answers_without_restarting_the_api(
        own_cluster: postgres.Cluster) -> None:
    url = own_cluster.create_database()
    env = QUIET_ENV | {"DB_POOL_TIMEOUT": str(POOL_TIMEOUT_S)}
    a, b = start_server(url, env=env), start_server(url, env=env)
    try:
        _scenario(own_cluster, url, Server(a.url, url), Server(b.url, url))
    finally:
        stop_server(b)
        stop_server(a)


def _scenario(cluster: postgres.Cluster, url: str, a: Server, b: Server) -> None:
    outcomes: dict[str, list[int]] = {}   # key → every status it got, in order
    bodies: dict[str, dict] = {}
    stop_load = threading.Event()
    odd: list[str] = []

    def load(server: Server) -> None:
        """Bookings with fresh keys, one after another, until told to stop (bounded by a deadline)."""
        deadline = time.monotonic() + 60
        with server.client() as http:
            while not stop_load.is_set() and time.monotonic() < deadline:
                key, body = new_key(), booking()
                bodies[key] = body
                response = http.post("/api/bookings", json=body, headers={"Idempotency-Key": key, **auth_for(body["customer_id"])})
                outcomes[key] = [response.status_code]
                if response.status_code == 503 and response.headers.get("Retry-After") != "1":
                    odd.append(f"503 without Retry-After: {response.headers}")
                elif response.status_code not in (201, 503):
                    odd.append(f"{response.status_code} {response.text}")

    # A poll that is waiting when the database goes away: it answers (200 or 503), never 500.
    chat = Chat(a, new_customer(), bearer(customer_token()), {})
    with a.client() as http:
        assert chat.send(http, "before the restart").status_code == 201
        cursor = http.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    waiting: dict = {}
    poll = threading.Thread(target=lambda: waiting.update(response=httpx.get(
        a.url + chat.customer_path, params={"after": cursor, "wait": 4}, headers=chat.customer_auth,
        timeout=30)))
    loaders = [threading.Thread(target=load, args=(server,)) for server in (a, b, a, b)]
    for thread in [poll, *loaders]:
        thread.start()
    time.sleep(1.0)                                   # load running against a healthy database

    cluster.stop("fast")                              # connections cut, in-flight transactions roll back
    stopped_at = time.monotonic()
    time.sleep(0.5)
    with a.client() as http:
        down = [http.post("/api/bookings", json=(body := booking()), headers={"Idempotency-Key": new_key(), **auth_for(body["customer_id"])})
                for _ in range(3)]
        health = http.get("/api/health")
        new_poll = http.get(chat.customer_path, params={"after": cursor, "wait": 2},
                            headers=chat.customer_auth)
    assert [r.status_code for r in down] == [503, 503, 503]
    assert all(r.headers["Retry-After"] == "1" and r.json()["detail"] for r in down)
    assert health.status_code == 503
    assert new_poll.status_code == 503
    poll.join(timeout=30)
    assert waiting["response"].status_code in (200, 503), waiting["response"].text

    cluster.start()
    down_for = time.monotonic() - stopped_at
    back = _first_success(a)                          # the pool reconnects by itself
    print(f"database down {down_for:.1f} s; the API answered 201 again {back:.1f} s after it was back")
    assert back < 15, f"the API took {back:.1f} s to answer again"
    time.sleep(1.0)
    stop_load.set()
    for thread in loaders:
        thread.join(timeout=60)
    assert not odd, odd[:5]
    statuses = [status for seen in outcomes.values() for status in seen]
    assert 201 in statuses and 503 in statuses, "the load should have run before, during and after"

    # After: normal answers from both processes, and every key stored at most once.
    with a.client() as http_a, b.client() as http_b:
        for i in range(10):
            http = (http_a, http_b)[i % 2]
            assert http.post("/api/bookings", json=(body := booking()), headers={"Idempotency-Key": new_key(), **auth_for(body["customer_id"])}
                             ).status_code == 201
        for key, seen in outcomes.items():      # the 503'd ones, retried with their keys
            if seen[-1] != 201:
                retry = http_a.post("/api/bookings", json=bodies[key], headers={"Idempotency-Key": key, **auth_for(bodies[key]["customer_id"])})
                assert retry.status_code == 201, retry.text
    assert rows(url, "SELECT count(*), count(DISTINCT idempotency_key) FROM bookings"
                     " WHERE idempotency_key = ANY(?)", list(outcomes)) == [(len(outcomes), len(outcomes))]

    _cross_process_wake_up_works_again(a, b)


def _first_success(server: Server) -> float:
    began = time.monotonic()
    with server.client() as http:
        while time.monotonic() - began < 30:
            response = http.post("/api/bookings", json=(body := booking()), headers={"Idempotency-Key": new_key(), **auth_for(body["customer_id"])})
            assert response.status_code in (201, 503), response.text
            if response.status_code == 201:
                return time.monotonic() - began
            time.sleep(0.2)
    return time.monotonic() - began


# A woken poll answers well before its wait ends; one that was not woken answers at the end of it.
# (How fast a wake-up is belongs to make bench.)
POLL_WAIT_S, WOKEN_S = 12, 5


def _cross_process_wake_up_works_again(a: Server, b: Server) -> None:
    """The LISTEN connection of process A reconnected: a poll there wakes for a message through B."""
    chat = Chat(a, new_customer(), bearer(customer_token()), {})
    with a.client() as http:
        assert chat.send(http, "after the restart").status_code == 201
    deadline = time.monotonic() + 40                  # the listener retries with a backoff of at most 5 s
    took = float("inf")
    attempt = 0
    while time.monotonic() < deadline and took >= WOKEN_S:
        attempt += 1
        with a.client() as http:
            cursor = http.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
        poll = HeldPoll(a.url, chat.customer_path, {"after": cursor, "wait": POLL_WAIT_S}, chat.customer_auth)
        poll.wait_until_held()                        # waiting on process A before B writes
        with b.client() as http:
            posted_at = time.monotonic()
            assert chat.send(http, f"through B ({attempt})").status_code == 201
        status, page, answered_at = poll.result(timeout=POLL_WAIT_S + 10)
        assert status == 200
        assert [m["message"] for m in page["messages"]] == [f"through B ({attempt})"]
        took = answered_at - posted_at
    assert took < WOKEN_S, f"no poll on A was woken by B's message within {WOKEN_S} s (last took {took:.1f} s)"
