"""Several API processes on one PostgreSQL database keep every guarantee of one process.

Two servers on their own ports share one database, so each test chooses which process a
request goes to: one Idempotency-Key or one message id makes one row however the racing
requests are spread, and a long poll waiting on one process wakes for a write through the
other (LISTEN/NOTIFY). ``WORKERS=2`` (uvicorn's workers on one port) is checked the same way.
"""

from __future__ import annotations

import threading
import time
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


def _timed_poll(url: str, path: str, headers: dict[str, str], params: dict, out: dict) -> None:
    began = time.monotonic()
    out["response"] = httpx.get(url + path, params=params, headers=headers, timeout=30)
    out["answered_at"] = time.monotonic()
    out["took"] = out["answered_at"] - began


def test_a_poll_waiting_on_one_process_wakes_within_a_second_of_a_message_through_another(
        two_processes: tuple[Server, Server]) -> None:
    a, b = two_processes
    chat = Chat(a, new_customer(), bearer(customer_token()), {})
    with a.client() as client:
        first = chat.send(client, "first")
        assert first.status_code == 201
        cursor = client.get(chat.customer_path, headers=chat.customer_auth).json()["cursor"]
    result: dict = {}
    poll = threading.Thread(target=_timed_poll, args=(a.url, chat.customer_path, chat.customer_auth,
                                                      {"after": cursor, "wait": 10}, result))
    poll.start()
    time.sleep(0.5)  # the poll is waiting on process A
    with b.client() as client:
        assert chat.send(client, "second, through B").status_code == 201
        posted_at = time.monotonic()  # stored (and announced) once the 201 is here
    poll.join(timeout=15)
    assert result["response"].status_code == 200
    assert [m["message"] for m in result["response"].json()["messages"]] == ["second, through B"]
    assert result["answered_at"] - posted_at < 1.0, result


def test_the_therapists_list_poll_on_one_process_wakes_for_a_booking_through_another(
        two_processes: tuple[Server, Server]) -> None:
    a, b = two_processes
    auth = bearer(therapist_token(a, "t-ayu"))
    with a.client() as client:
        cursor = client.get("/api/therapist/conversations", headers=auth).json()["cursor"]
    result: dict = {}
    poll = threading.Thread(target=_timed_poll, args=(a.url, "/api/therapist/conversations", auth,
                                                      {"after": cursor, "wait": 10}, result))
    poll.start()
    time.sleep(0.5)
    body = booking()
    created = httpx.post(b.url + "/api/bookings", json=body, headers={"Idempotency-Key": new_key(), **auth_for(body["customer_id"])})
    assert created.status_code == 201
    posted_at = time.monotonic()
    poll.join(timeout=15)
    assert result["response"].status_code == 200
    assert result["answered_at"] - posted_at < 1.0, result
    assert result["response"].json()["conversations"][0]["customer_id"] == body["customer_id"]


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
    results: list[dict] = [{} for _ in range(6)]  # separate connections: spread over the workers
    polls = [threading.Thread(target=_timed_poll, args=(workers_server.url, chat.customer_path,
                                                        chat.customer_auth, {"after": cursor, "wait": 10},
                                                        result)) for result in results]
    for poll in polls:
        poll.start()
    time.sleep(0.7)
    with httpx.Client(base_url=workers_server.url, timeout=10) as client:
        assert chat.send(client, "second").status_code == 201
        posted_at = time.monotonic()
    for poll in polls:
        poll.join(timeout=15)
    assert all(r["response"].status_code == 200 for r in results)
    assert max(r["answered_at"] for r in results) - posted_at < 1.0, [r["took"] for r in results]


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
    assert sorted(took)[len(took) // 2] < 0.025, took


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
