"""How many bookings per second the reference API commits, and how long one takes.

Each of ``clients`` threads keeps one ``httpx.Client`` (keep-alive) and POSTs valid bookings,
each with a fresh Idempotency-Key, for ``seconds``. Every booking is a durable commit
(SQLite WAL, synchronous=FULL), so this is the honest write path, fsync included.

Example::

    python -m bench.api                 # starts the real server on a temporary database
    run_api_bench("http://127.0.0.1:8000", clients=8, seconds=5)   # against a running one
"""

from __future__ import annotations

import json
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

BODY = {"therapist_id": "t-ayu", "therapist_name": "Ayu Lestari", "customer_name": "Bench Mark",
        "customer_whatsapp": "+62 812 3456 7890", "duration": 90, "price": 475000,
        "location_type": "home", "massage_for": "myself"}


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
            customer = f"bench-{index}"
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                response = client.post("/api/bookings", json=BODY | {"customer_id": customer},
                                       headers={"Idempotency-Key": str(uuid.uuid4())})
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


def main() -> None:
    from tests.support.server import running_server

    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "bench.sqlite3"
        with running_server(database, env={"BOOKING_ADMIN_TOKEN": ""}) as base_url:
            result = run_api_bench(base_url, clients=8, seconds=5)
    print("POST /api/bookings, 8 clients, 5 s, SQLite WAL + synchronous=FULL:")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
