"""How many bookings per second the reference API commits, and how long one takes, per engine.

Each of ``clients`` threads keeps one ``httpx.Client`` (keep-alive) and POSTs valid bookings,
each with a fresh Idempotency-Key, for ``seconds``. Every booking is a durable commit (SQLite
WAL with synchronous=FULL; PostgreSQL with fsync and synchronous_commit on), so this is the
honest write path, fsync included.

``measure_engines`` runs the same load three times, side by side: SQLite (one process), then
PostgreSQL with 1 and with 4 API processes (``WORKERS``), on a throwaway cluster started the
way the tests start theirs (``tests.support.postgres``, but with fsync on).

Example::

    python -m bench.api                 # the three configurations, on temporary databases
    run_api_bench("http://127.0.0.1:8000", clients=8, seconds=5)   # against a running server
"""

from __future__ import annotations

import itertools
import json
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

BODY = {"therapist_id": "t-ayu", "therapist_name": "Ayu Lestari", "customer_name": "Bench Mark",
        "customer_whatsapp": "+62 812 3456 7890", "duration": 90, "price": 475000,
        "location_type": "home", "massage_for": "myself", "address": "Villa Kayu, Jl. Raya Ubud 12"}
# A booking holds its time (issue 17): the bench's Ayu works around the clock for a year (the tests'
# catalog), and each request asks for its own start, 2 h (90 min + 30 min buffer) after the last.
CATALOG = Path(__file__).resolve().parents[1] / "tests" / "support" / "therapists.json"
WITA = timezone(timedelta(hours=8))
SPACING = timedelta(hours=2)
_STARTS = itertools.count()
_FIRST = (datetime.now(WITA) + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
# On even hours: each day's last start is then 22:00 (ends 23:30). From an odd hour the starts would
# include 23:00, whose session crosses midnight out of that day's hours: a 422 for every twelfth request.
_FIRST += timedelta(hours=_FIRST.hour % 2)


def next_start() -> str:
    """A start nobody else on this database asked for (itertools.count is atomic under the GIL)."""
    return (_FIRST + next(_STARTS) * SPACING).isoformat()


def restart_starts() -> None:
    """A fresh database: its starts begin again from the first one."""
    global _STARTS
    _STARTS = itertools.count()


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run_api_bench(base_url: str, clients: int = 8, seconds: float = 5) -> dict[str, float | int]:
    """POST /api/bookings from ``clients`` threads for ``seconds``; throughput and latency in ms."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures = [0] * clients
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def client_loop(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            client.get("/api/health")  # open the connection before the clock starts
            start.wait()
            customer = str(uuid.uuid4())  # a customer (UUID4) with its own token, as the page sends
            auth = {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                response = client.post("/api/bookings", json=BODY | {"customer_id": customer,
                                                                     "starts_at": next_start()},
                                       headers={"Idempotency-Key": str(uuid.uuid4()), **auth})
                elapsed = time.perf_counter() - began
                if response.status_code == 201:
                    latencies[index].append(elapsed)
                else:
                    failures[index] += 1

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + seconds  # the threads are all waiting at the barrier
    start.wait()
    began = deadline - seconds
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began

    everything = sorted(value for per_client in latencies for value in per_client)
    return {
        "clients": clients,
        "seconds": round(wall, 3),
        "requests": len(everything),
        "failures": sum(failures),
        "requests_per_s": round(len(everything) / wall, 1),
        "p50_ms": round(_percentile(everything, 0.50) * 1000, 2),
        "p99_ms": round(_percentile(everything, 0.99) * 1000, 2),
        "max_ms": round(everything[-1] * 1000, 2) if everything else float("nan"),
        "mean_ms": round(statistics.fmean(everything) * 1000, 2) if everything else float("nan"),
    }


SLOT_BOOKINGS = 2000
SLOT_CALLS = 300


def seed_bookings(base_url: str, count: int = SLOT_BOOKINGS, clients: int = 8) -> int:
    """``count`` booking requests for Ayu, each holding its own 2 h; how many were stored (201)."""
    restart_starts()
    stored = [0] * clients

    def client_loop(index: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            customer = str(uuid.uuid4())
            auth = {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}
            for _ in range(index, count, clients):
                response = client.post("/api/bookings", json=BODY | {"customer_id": customer, "starts_at": next_start()},
                                       headers={"Idempotency-Key": str(uuid.uuid4()), **auth})
                stored[index] += response.status_code == 201

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(stored)


def run_slots_bench(base_url: str, calls: int = SLOT_CALLS) -> dict[str, float | int]:
    """GET the slots of a booked day ``calls`` times, one client after the other, once Ayu holds
    ``SLOT_BOOKINGS`` requests in the next year (every one of them read for the "asap" answer)."""
    seeded = seed_bookings(base_url)
    day = (_FIRST + SPACING * (SLOT_BOOKINGS // 2)).date().isoformat()
    latencies: list[float] = []
    failures = 0
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(calls):
            began = time.perf_counter()
            response = client.get("/api/therapists/t-ayu/slots", params={"date": day, "duration": 90})
            elapsed = time.perf_counter() - began
            if response.status_code == 200:
                latencies.append(elapsed)
            else:
                failures += 1
    latencies.sort()
    return {"bookings": seeded, "requests": len(latencies), "failures": failures,
            "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
            "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2)}


def measure_slots() -> dict[str, dict]:
    """``run_slots_bench`` on SQLite and on PostgreSQL (one process), each on a fresh database."""
    from tests.support import postgres
    from tests.support.server import running_server

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as directory:
        with running_server(Path(directory) / "slots.sqlite3", env=QUIET) as base_url:
            results["slots_sqlite"] = run_slots_bench(base_url)
    if not postgres.available():
        results["slots_postgresql"] = {"error": "no PostgreSQL server binaries (tools/ensure_postgres.py)"}
        return results
    with postgres.postgres_cluster(fsync=True) as cluster:
        with running_server(cluster.create_database(), env=QUIET) as base_url:
            results["slots_postgresql"] = run_slots_bench(base_url)
    return results


# (key, label, engine, WORKERS): the configurations measured side by side.
CONFIGURATIONS = (("sqlite", "SQLite, 1 process", "sqlite", 1),
                  ("postgresql_1", "PostgreSQL, 1 process", "postgresql", 1),
                  ("postgresql_4", "PostgreSQL, 4 processes", "postgresql", 4))
QUIET = {"BOOKING_ADMIN_TOKEN": "", "CORS_ALLOW_ORIGINS": "", "LOG_LEVEL": "warning",
         # 8 clients from one address: the per-client limits are for abusive clients, not this load.
         "RATE_LIMIT_WRITES": "100000000", "MAX_CONNECTIONS_PER_CLIENT": "10000",
         "CATALOG_PATH": str(CATALOG)}


def measure_engines(seconds: float = 5, clients: int = 8, slots: bool = True) -> dict[str, dict]:
    """``run_api_bench`` for every configuration (and ``measure_slots``); a configuration that cannot
    run says why."""
    from tests.support import postgres
    from tests.support.server import running_server

    results: dict[str, dict] = measure_slots() if slots else {}
    with tempfile.TemporaryDirectory() as directory:
        restart_starts()  # a fresh database each time
        with running_server(Path(directory) / "bench.sqlite3", env=QUIET) as base_url:
            results["sqlite"] = run_api_bench(base_url, clients=clients, seconds=seconds)
    if not postgres.available():
        for key, *_ in CONFIGURATIONS[1:]:
            results[key] = {"error": "no PostgreSQL server binaries (tools/ensure_postgres.py)"}
        return results
    with postgres.postgres_cluster(fsync=True) as cluster:
        for key, _, engine, workers in CONFIGURATIONS:
            if engine != "postgresql":
                continue
            url = cluster.create_database()
            restart_starts()
            env = QUIET | {"WORKERS": str(workers)}
            with running_server(url, env=env) as base_url:
                _warm_up(base_url, workers)
                result = run_api_bench(base_url, clients=clients, seconds=seconds)
                results[key] = result | {"workers": workers}
    return results


def _warm_up(base_url: str, workers: int) -> None:
    """Let every worker open its pool before the clock starts (uvicorn starts them one by one)."""
    deadline = time.monotonic() + 10
    with httpx.Client(base_url=base_url, timeout=10) as client:
        customer, auth = str(uuid.uuid4()), {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}
        for _ in range(4 * workers):
            client.post("/api/bookings", json=BODY | {"customer_id": customer, "starts_at": next_start()},
                        headers={"Idempotency-Key": str(uuid.uuid4()), **auth})
            if time.monotonic() > deadline:
                break


def main() -> None:
    results = measure_engines(seconds=5)
    print("POST /api/bookings, 8 clients, 5 s, durable commits:")
    for key, label, *_ in CONFIGURATIONS:
        result = results[key]
        if "error" in result:
            print(f"  {label:<26} {result['error']}")
        else:
            print(f"  {label:<26} {result['requests_per_s']:>7.1f} req/s   p99 {result['p99_ms']:>7.1f} ms"
                  f"   ({result['failures']} failures)")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
