"""Notifications: event → webhook received (p50/p99), and notifications delivered per second.

Latency: a real server (SQLite) with ``NOTIFY_DELAY=0`` and a real local HTTP receiver (this
process, ``tests.support.receiver``) as the webhook; a customer message is POSTed and the time it
arrives at the receiver is taken, one at a time (the whole trip: commit, wake-up, claim, signed
POST). Throughput: ``count`` messages are stored with their notifications held back (a long
``NOTIFY_DELAY``), the server is stopped, every row is made due, and the server(s) started again:
notifications per second = rows / (last arrival - first arrival). On SQLite (1 process) and on
PostgreSQL with 1 and 4 processes (``WORKERS``). The receiver is Python's threading HTTP server,
which is part of what is measured.

Example::

    python -m bench.notify              # prints the figures
    python -m bench --only notify
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.report import percentile

CONFIGURATIONS = (("sqlite", "SQLite, 1 process", "sqlite", 1),
                  ("postgresql_1", "PostgreSQL, 1 process", "postgresql", 1),
                  ("postgresql_4", "PostgreSQL, 4 processes", "postgresql", 4))


def _env(receiver, **extra: str) -> dict[str, str]:
    from tests.support.notify import notify_env

    return notify_env(receiver, LOG_LEVEL="warning", NOTIFY_POLL="1", **extra)


def _message(customer: str) -> dict:
    return {"id": "m-" + uuid.uuid4().hex, "sender_id": customer, "sender_type": "customer",
            "message": "Is 3 pm free?", "timestamp": int(time.time() * 1000)}


def measure_latency(events: int = 100) -> dict:
    from tests.support.receiver import Receiver
    from tests.support.server import running_server

    samples: list[float] = []
    with tempfile.TemporaryDirectory() as directory, Receiver() as receiver, \
            running_server(Path(directory) / "bench.sqlite3", env=_env(receiver, NOTIFY_DELAY="0")) as url, \
            httpx.Client(base_url=url, timeout=30) as client:
        customer, token = str(uuid.uuid4()), secrets.token_urlsafe(24)
        path = f"/api/conversations/session_t-ayu_{customer}/messages"
        auth = {"Authorization": f"Bearer {token}"}
        client.post(path, json=_message(customer), headers=auth)  # warm: connection, first claim
        receiver.wait_for(1, timeout=30)
        for n in range(events):
            before = len(receiver.requests)
            began = time.monotonic()
            client.post(path, json=_message(customer), headers=auth)
            arrived = receiver.wait_for(before + 1, timeout=30)
            if len(arrived) > before:
                samples.append((arrived[before].at - began) * 1000)
    return {"events": len(samples), "p50_ms": percentile(samples, 50), "p99_ms": percentile(samples, 99)}


def _store_held(url: str, count: int) -> None:
    customers = [(str(uuid.uuid4()), secrets.token_urlsafe(24)) for _ in range(20)]

    def post(n: int) -> None:
        customer, token = customers[n % len(customers)]
        with httpx.Client(base_url=url, timeout=30) as client:
            client.post(f"/api/conversations/session_t-ayu_{customer}/messages", json=_message(customer),
                        headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, range(count)))


def measure_throughput(location: str | Path, workers: int, count: int) -> dict:
    from tests.support.receiver import Receiver
    from tests.support.server import running_server
    from tests.support.database import _query  # noqa: PLC2701 - the tests' own engine-neutral runner

    with Receiver() as receiver:
        with running_server(location, env=_env(receiver, NOTIFY_DELAY="86400")) as url:
            _store_held(url, count)
        _query(location, "UPDATE notifications SET next_attempt_at = 0 WHERE status = 'pending'")
        with running_server(location, env=_env(receiver, NOTIFY_DELAY="86400", WORKERS=str(workers))):
            arrived = receiver.wait_for(count, timeout=120)
    if len(arrived) < 2:
        return {"error": f"only {len(arrived)} of {count} delivered"}
    span = arrived[-1].at - arrived[0].at
    ids = {json.loads(r.body)["id"] for r in arrived}
    return {"delivered": len(arrived), "distinct": len(ids), "seconds": round(span, 3),
            "per_s": round((len(arrived) - 1) / span, 1) if span > 0 else None, "workers": workers}


def measure(quick: bool = False) -> dict:
    from tests.support import postgres

    count = 300 if quick else 1000
    results: dict = {"latency": measure_latency(20 if quick else 100)}
    with tempfile.TemporaryDirectory() as directory:
        results["sqlite"] = measure_throughput(Path(directory) / "bench.sqlite3", 1, count)
    if not postgres.available():
        for key, *_ in CONFIGURATIONS[1:]:
            results[key] = {"error": "no PostgreSQL server binaries (tools/ensure_postgres.py)"}
        return results
    with postgres.postgres_cluster(fsync=True) as cluster:
        for key, _, engine, workers in CONFIGURATIONS[1:]:
            results[key] = measure_throughput(cluster.create_database(), workers, count)
    return results


def main() -> None:
    results = measure()
    latency = results["latency"]
    print(f"event → webhook received: p50 {latency['p50_ms']:.1f} ms, p99 {latency['p99_ms']:.1f} ms "
          f"({latency['events']} events)")
    for key, label, *_ in CONFIGURATIONS:
        result = results[key]
        print(f"  {label:<26} " + (result["error"] if "error" in result else
                                   f"{result['per_s']} notifications/s ({result['delivered']} in {result['seconds']} s)"))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
