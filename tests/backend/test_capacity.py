"""Over capacity the server says 503 rather than queueing without end: ``MAX_CONNECTIONS`` open
connections (uvicorn's ``limit_concurrency``; the arriving one counts) on both engines, and on PostgreSQL a
``DB_POOL_SIZE`` pool whose connections are all busy for ``DB_POOL_TIMEOUT`` seconds.

Everything is real: waiting long polls (proven held, ``HeldPoll``) fill the connections; a table
lock taken by another PostgreSQL session keeps the pool's one connection busy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from tests.backend.conftest import (
    QUIET_ENV,
    Location,
    auth_for,
    booking,
    chat_message,
    new_customer,
    post_booking,
)
from tests.support.polls import HeldPoll
from tests.support.postgres import Cluster
from tests.support.server import running_server

MAX_CONNECTIONS = 3
POLL_WAIT_S = 4  # long enough to be held while the test asks; short to end the test soon


def test_more_open_connections_than_max_connections_are_answered_503(
        new_database: Callable[[], Location]) -> None:
    env = QUIET_ENV | {"MAX_CONNECTIONS": str(MAX_CONNECTIONS)}
    with running_server(new_database(), env=env) as url:
        customer = new_customer()
        path = f"/api/conversations/session_t-ayu_{customer}/messages"
        started = httpx.post(url + path, json=chat_message(customer), headers=auth_for(customer), timeout=10)
        assert started.status_code == 201, started.text
        cursor = httpx.get(url + path, headers=auth_for(customer), timeout=10).json()["cursor"]
        # uvicorn counts the arriving connection too: MAX_CONNECTIONS - 1 others fill the server.
        polls = [HeldPoll(url, path, {"after": cursor, "wait": POLL_WAIT_S}, auth_for(customer))
                 for _ in range(MAX_CONNECTIONS - 1)]
        for poll in polls:
            poll.wait_until_held(settle=0)
        over = httpx.get(url + "/api/health", timeout=10)
        assert over.status_code == 503, over.text
        # Once the polls end (their wait is over: nothing new), there is room again.
        assert [poll.result()[0] for poll in polls] == [200] * len(polls)
        assert httpx.get(url + "/api/health", timeout=10).status_code == 200


def test_a_pool_whose_connections_are_all_busy_answers_503_after_db_pool_timeout(pg_cluster: Cluster) -> None:
    import psycopg  # PostgreSQL only: SQLite has no pool

    database = pg_cluster.create_database()
    env = QUIET_ENV | {"DB_POOL_SIZE": "1", "DB_POOL_TIMEOUT": "1"}
    with running_server(database, env=env) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert post_booking(client, booking()).status_code == 201  # the pool's one connection is open
        first: dict[str, httpx.Response] = {}
        with psycopg.connect(str(database)) as locker:
            locker.execute("LOCK TABLE bookings IN ACCESS EXCLUSIVE MODE")  # held until the block ends
            holder = threading.Thread(target=lambda: first.update(
                response=httpx.post(url + "/api/bookings", json=(body := booking()), timeout=30,
                                    headers={"Idempotency-Key": "pool-holder", **auth_for(body["customer_id"])})))
            holder.start()
            # The holder's insert now waits on the lock with the pool's only connection; wait until
            # PostgreSQL shows it waiting, so the next request really finds the pool empty.
            deadline = time.monotonic() + 15
            while not locker.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
                assert time.monotonic() < deadline, "the first booking never reached the lock"
                time.sleep(0.05)
            customer = new_customer()
            started = time.monotonic()
            starved = client.get("/api/bookings/last", params={"customer_id": customer},
                                 headers=auth_for(customer))
            took = time.monotonic() - started
        holder.join(timeout=30)  # the lock is gone with the block: the first booking goes through
    assert starved.status_code == 503, starved.text
    assert int(starved.headers["Retry-After"]) >= 1
    assert took >= 0.9  # it waited DB_POOL_TIMEOUT for a connection, then gave up
    assert first["response"].status_code == 201, first["response"].text
