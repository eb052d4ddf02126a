"""Several API processes on one PostgreSQL database keep every guarantee of one process.

Two servers on their own ports share one database, so each test chooses which process a
request goes to: one Idempotency-Key or one message id makes one row however the racing
requests are spread, and a long poll waiting on one process wakes for a write through the
other (LISTEN/NOTIFY). ``WORKERS=2`` (uvicorn's workers on one port) is checked the same way.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.backend.conftest import (
    QUIET_ENV,
    Chat,
    Server,
    auth_for,
    bearer,
    booking,
    chat_message,
    customer_token,
    new_customer,
    new_key,
    post_booking,
    rows,
    therapist_token,
)
from tests.support.polls import HeldPoll
from tests.support.postgres import Cluster
from tests.support.server import ServerProcess, start_server, stop_server

RACERS = 50


@pytest.fixture(scope="module")
def pg_url(pg_cluster: Cluster) -> str:
    return pg_cluster.create_database()


@pytest.fixture(scope="module")
def two_processes(pg_url: str) -> Iterator[tuple[Server, Server]]:
    first = start_server(pg_url, env=QUIET_ENV)
    try:
        second = start_server(pg_url, env=QUIET_ENV)
    except BaseException:
        stop_server(first)
        raise
    try:
        yield Server(first.url, pg_url), Server(second.url, pg_url)
    finally:
        stop_server(second)
        stop_server(first)


def _race(calls: list, workers: int = RACERS) -> list[httpx.Response]:
    """Run every call at once (a barrier releases them together); their responses, in order."""
    barrier = threading.Barrier(len(calls))

    def run(call) -> httpx.Response:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def _post_booking(url: str, body: dict, key: str):
    def call() -> httpx.Response:
        return httpx.post(url + "/api/bookings", json=body, headers={"Idempotency-Key": key, **auth_for(body["customer_id"])}, timeout=30)
    return call


def test_fifty_parallel_posts_of_one_key_over_two_processes_make_one_booking(
        two_processes: tuple[Server, Server]) -> None:
    body, key = booking(), new_key()
    urls = [server.url for server in two_processes]
    responses = _race([_post_booking(urls[i % 2], body, key) for i in range(RACERS)])
    assert [r.status_code for r in responses] == [201] * RACERS, {r.status_code: r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") != "true" for r in responses) == 1  # one created it
    assert rows(two_processes[0].database, "SELECT count(*) FROM bookings WHERE idempotency_key = ?",
                key) == [(1,)]
    assert rows(two_processes[0].database, "SELECT count(*) FROM bookings WHERE customer_id = ?",
                body["customer_id"]) == [(1,)]


def test_fifty_racing_requests_for_one_slot_over_two_processes_hold_it_once(
        two_processes: tuple[Server, Server]) -> None:
    """The exclusion constraint (revision 0006), not one process's lock, keeps two holds apart."""
    wita = timezone(timedelta(hours=8))
    day = datetime.now(wita).date() + timedelta(days=30)
    start = datetime(day.year, day.month, day.day, 10, tzinfo=wita)
    calls = [_post_booking(two_processes[i % 2].url, booking(starts_at=start.isoformat()), new_key())
             for i in range(RACERS)]
    responses = _race(calls)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (RACERS - 1), {r.status_code: r.text for r in responses}
    assert all(r.json() == {"detail": "That time was just taken", "field": "starts_at"}
               for r in responses if r.status_code == 409)
    assert rows(two_processes[0].database, "SELECT count(*) FROM bookings WHERE therapist_id = 't-ayu'"
                " AND starts_at = ?", int(start.timestamp() * 1000)) == [(1,)]


def test_fifty_parallel_posts_of_one_message_id_over_two_processes_store_one_row(
        two_processes: tuple[Server, Server]) -> None:
    customer, token = new_customer(), customer_token()
    session_id = f"session_t-ayu_{customer}"
    message = chat_message(customer, "Is 3 pm free?")

    def post(url: str):
        def call() -> httpx.Response:
            return httpx.post(f"{url}/api/conversations/{session_id}/messages", json=message,
                              headers=bearer(token), timeout=30)
        return call

    responses = _race([post(two_processes[i % 2].url) for i in range(RACERS)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (RACERS - 1) + [201], {r.status_code: r.text for r in responses}
    assert len({(r.json()["id"], r.json()["seq"]) for r in responses}) == 1
    assert rows(two_processes[0].database, "SELECT count(*), max(seq) FROM messages WHERE session_id = ?",
                session_id) == [(1, 1)]


# A poll waits up to POLL_WAIT_S; an answer within WOKEN_S of the waking write is a wake-up, never
# the timeout (how fast a wake-up is belongs to make bench). Each poll is proven held first.
POLL_WAIT_S, WOKEN_S = 20, 5


def test_a_poll_waiting_on_one_process_is_woken_by_a_message_through_another(
        two_processes: tuple[Server, Server]) -> None:
    a, b = two_processes
    chat = Chat(a, new_customer(), bearer(customer_token()), {})
    with a.client() as client:
        first = chat.send(client, "first")
        assert first.status_code == 201
        cursor = client.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    poll = HeldPoll(a.url, chat.customer_path, {"after": cursor, "wait": POLL_WAIT_S}, chat.customer_auth)
    poll.wait_until_held()  # waiting on process A
    with b.client() as client:
        posted_at = time.monotonic()
        assert chat.send(client, "second, through B").status_code == 201
    status, page, answered_at = poll.result()
    assert status == 200
    assert [m["message"] for m in page["messages"]] == ["second, through B"]
    assert answered_at - posted_at < WOKEN_S


def test_the_therapists_list_poll_on_one_process_wakes_for_a_booking_through_another(
        two_processes: tuple[Server, Server]) -> None:
    a, b = two_processes
    auth = bearer(therapist_token(a, "t-ayu"))
    with a.client() as client:
        cursor = client.get("/api/therapist/conversations", headers=auth).json()["cursor"]
    poll = HeldPoll(a.url, "/api/therapist/conversations", {"after": cursor, "wait": POLL_WAIT_S}, auth)
    poll.wait_until_held()
    body = booking()
    posted_at = time.monotonic()
    created = httpx.post(b.url + "/api/bookings", json=body, headers={"Idempotency-Key": new_key(), **auth_for(body["customer_id"])})
    assert created.status_code == 201
    status, listing, answered_at = poll.result()
    assert status == 200 and answered_at - posted_at < WOKEN_S
    assert listing["conversations"][0]["customer_id"] == body["customer_id"]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@pytest.fixture(scope="module")
def workers_server(pg_url: str) -> Iterator[ServerProcess]:
    server = start_server(pg_url, env=QUIET_ENV | {"WORKERS": "2"})
    try:
        yield server
    finally:
        stop_server(server)


def test_workers_serve_one_database_from_several_processes(workers_server: ServerProcess,
                                                           pg_url: str) -> None:
    deadline = time.monotonic() + 20
    while len(_children(workers_server.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_children(workers_server.process.pid)) >= 2  # uvicorn's supervisor + two workers
    body, key = booking(), new_key()
    responses = _race([_post_booking(workers_server.url, body, key) for _ in range(RACERS)])
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert rows(pg_url, "SELECT count(*) FROM bookings WHERE idempotency_key = ?", key) == [(1,)]


def test_every_waiting_poll_wakes_whichever_worker_holds_it(workers_server: ServerProcess) -> None:
    chat = Chat(Server(workers_server.url, ""), new_customer(), bearer(customer_token()), {})
    with httpx.Client(base_url=workers_server.url, timeout=10) as client:
        assert chat.send(client, "first").status_code == 201
        cursor = client.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    # Separate connections: spread over the workers.
    polls = [HeldPoll(workers_server.url, chat.customer_path, {"after": cursor, "wait": POLL_WAIT_S},
                      chat.customer_auth) for _ in range(6)]
    for poll in polls:
        poll.wait_until_held(settle=0)
    time.sleep(0.3)  # each one's first query, right after its read
    with httpx.Client(base_url=workers_server.url, timeout=10) as client:
        posted_at = time.monotonic()
        assert chat.send(client, "second").status_code == 201
    results = [poll.result() for poll in polls]
    assert [status for status, _, _ in results] == [200] * 6
    assert all([m["message"] for m in page["messages"]] == ["second"] for _, page, _ in results)
    assert max(answered for _, _, answered in results) - posted_at < WOKEN_S


def test_workers_answer_without_waiting_for_nagles_algorithm(workers_server: ServerProcess) -> None:
    """uvicorn's own listening socket lacks TCP_NODELAY: without backend.nodelay every answer on a
    kept-alive connection waited ~40 ms for the client's delayed ACK."""
    took = []
    with httpx.Client(base_url=workers_server.url, timeout=10) as client:
        client.get("/api/health")
        for _ in range(30):
            began = time.perf_counter()
            client.get("/api/health")
            took.append(time.perf_counter() - began)
    # With the stall most answers take 40-50 ms (seen: median 50 ms with nodelay removed); without
    # it a few ms. 35 ms is as much headroom for a loaded machine as still tells the two apart.
    assert sorted(took)[len(took) // 2] < 0.035, took


def test_three_servers_started_at_once_on_a_new_database_all_serve_it(pg_cluster: Cluster) -> None:
    # Each process migrates the empty database at start-up, at the same moment as the others.
    url = pg_cluster.create_database()
    with ThreadPoolExecutor(max_workers=3) as pool:
        starting = [pool.submit(start_server, url, env=QUIET_ENV) for _ in range(3)]
    servers = [future.result() for future in starting if future.exception() is None]
    try:
        assert len(servers) == 3, [repr(f.exception()) for f in starting]
        body = booking()
        with httpx.Client(base_url=servers[0].url, timeout=10) as client:
            created = post_booking(client, body)
        assert created.status_code == 201, created.text
        for server in servers:
            read = httpx.get(f"{server.url}/api/bookings/{created.json()['id']}",
                             headers=auth_for(body["customer_id"]), timeout=10)
            assert read.status_code == 200 and read.json() == created.json(), read.text
    finally:
        for server in servers:
            stop_server(server)
