"""An API process killed with SIGKILL in the middle of a load loses nothing that it answered 201,
and a retry with the same keys duplicates nothing (PostgreSQL).

Eight clients send 200 bookings, each with its own key; once a quarter of them are answered the
server is killed. A booking whose request was in flight may or may not be committed: the
client cannot know, so it retries with the same key after the restart, as the page's outbox
does. Bounded: 200 requests, each with a timeout, then one retry round.
"""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.backend.conftest import QUIET_ENV, auth_for, booking, new_key, rows
from tests.support.postgres import Cluster
from tests.support.server import start_server, stop_server

BOOKINGS = 200
CLIENTS = 8
KILL_AFTER = BOOKINGS // 4


def test_kill_9_mid_load_then_retrying_the_unanswered_keys_stores_every_booking_exactly_once(
        pg_cluster: Cluster) -> None:
    url = pg_cluster.create_database()
    planned = [(new_key(), booking()) for _ in range(BOOKINGS)]
    answers: dict[str, httpx.Response | None] = {}
    answered = threading.Semaphore(0)
    server = start_server(url, env=QUIET_ENV)

    def client(share: list[tuple[str, dict]]) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for key, body in share:
                try:
                    answers[key] = http.post("/api/bookings", json=body, headers={"Idempotency-Key": key, **auth_for(body["customer_id"])})
                except httpx.TransportError:
                    answers[key] = None  # no answer: maybe stored, maybe not
                answered.release()

    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            futures = [pool.submit(client, planned[i::CLIENTS]) for i in range(CLIENTS)]
            for _ in range(KILL_AFTER):
                assert answered.acquire(timeout=60), "the load stalled before the kill"
            os.kill(server.process.pid, signal.SIGKILL)
            for future in futures:
                future.result(timeout=120)
    finally:
        server.process.kill()
        server.process.wait(timeout=10)

    first_round = {key: r for key, r in answers.items()}
    created = {key: r.json()["id"] for key, r in first_round.items()
               if r is not None and r.status_code == 201}
    assert all(r is None or r.status_code in (201, 503) for r in first_round.values()), \
        {r.status_code for r in first_round.values() if r is not None}
    assert KILL_AFTER <= len(created) < BOOKINGS, "the kill should land in the middle of the load"
    answered_before_the_kill = dict(created)

    restarted = start_server(url, env=QUIET_ENV)
    try:
        with httpx.Client(base_url=restarted.url, timeout=10) as http:
            for key, body in planned:
                if key in created:
                    continue
                retry = http.post("/api/bookings", json=body, headers={"Idempotency-Key": key, **auth_for(body["customer_id"])})
                assert retry.status_code == 201, retry.text
                created[key] = retry.json()["id"]
            # A key answered 201 before the kill answers the same booking after it.
            for key, body in planned[:20]:
                if key in answered_before_the_kill:
                    replay = http.post("/api/bookings", json=body, headers={"Idempotency-Key": key, **auth_for(body["customer_id"])})
                    assert replay.json()["id"] == answered_before_the_kill[key]
    finally:
        stop_server(restarted)

    stored = dict(rows(url, "SELECT idempotency_key, id FROM bookings"))
    assert rows(url, "SELECT count(*) FROM bookings") == [(BOOKINGS,)]
    assert stored == created  # every 201 exactly once, with the id it was answered with
