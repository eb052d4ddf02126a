"""The phone section's rows for the inbox page and for Send pressed before ready (bench.phone)."""

from __future__ import annotations

from bench.__main__ import phone_rows
from tests.unit.test_bench_phone import visit


def test_inbox_and_early_send_rows_have_their_targets() -> None:
    app = [{"sw_active": True, "first": visit(9000, 7, 8), "repeat": visit(3000, 0, 0)}]
    bare = [{"first": visit(10000, 5, 6), "repeat": visit(10000, 1, 1)}]
    inbox = [{"sw_active": True, "first": visit(8000, 7, 8), "repeat": visit(5000, 0, 0)}]
    sends = [{"pressed": 1000.0, "shown": 1030.0, "sent": 9800.0, "ready": 9000.0, "state": "loading"},
             {"pressed": 1000.0, "shown": 1250.0, "sent": 12000.0, "ready": 9500.0, "state": "loading"},
             {"pressed": 1000.0, "shown": 1040.0, "sent": 9900.0, "ready": 9200.0, "state": "loading"}]
    rows = {row.name: row for row in phone_rows({"phone": {"app": app, "bare": bare, "inbox": inbox,
                                                          "send": sends}})}
    assert rows["first visit: requests"].verdict == "PASS"  # 10 ≤ 15
    assert rows["inbox first visit: navigation → ready"].verdict == "PASS"  # 0.8×
    assert rows["inbox repeat visit: navigation → ready"].verdict == "MISS"  # 5 s > 4 s
    shown = rows["Send pressed 1 s after load → shown"]
    assert (shown.value, shown.verdict, shown.note) == (40.0, "PASS", "3/3 pressed before ready")
    stored = rows["Send pressed 1 s after load → stored, after ready"]
    assert (stored.value, stored.verdict) == (800.0, "PASS")  # the median of 800, 2500, 700 ms after ready
