"""bench.phone's arithmetic: what a gzip-serving host would send, and the phone rows' verdicts."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

from bench.__main__ import phone_rows
from bench.phone import gzip_host_bytes


def response(name: str, transfer: int, encoded: int, size: int) -> dict:
    return {"name": name, "transfer": transfer, "encoded": encoded, "size": size, "sw": False}


def test_a_gzip_host_sends_text_gzipped_and_zips_as_they_are(tmp_path: Path) -> None:
    script = tmp_path / "static" / "app.js"
    script.parent.mkdir()
    script.write_bytes(b"const answer = 42;\n" * 1000)
    with zipfile.ZipFile(tmp_path / "static" / "lib.zip", "w") as archive:
        archive.writestr("a.py", "x = 1\n" * 100)
    zipped = (tmp_path / "static" / "lib.zip").stat().st_size
    # As make serve sent them (brotli for the script): 300 bytes of headers each.
    js = response("/static/app.js?v=1", 300 + 120, 120, script.stat().st_size)
    assert gzip_host_bytes(tmp_path, js) == 300 + len(gzip.compress(script.read_bytes(), compresslevel=6))
    assert gzip_host_bytes(tmp_path, response("/static/lib.zip", 300 + zipped, zipped, zipped)) == 300 + zipped


def test_what_came_from_the_cache_or_a_304_costs_the_same_on_any_host(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>" * 100)
    assert gzip_host_bytes(tmp_path, response("/", 0, 1500, 1500)) == 0  # service worker / HTTP cache
    assert gzip_host_bytes(tmp_path, response("/", 310, 0, 0)) == 310  # 304: headers only


def visit(ready: float, served: int, gzipped: int) -> dict:
    return {"ready": ready, "typeable": 500.0, "requests": 10, "served_bytes": served,
            "gzip_host_bytes": gzipped, "sw_controlled": True}


def test_phone_rows_compare_with_the_stock_floor_of_the_same_run() -> None:
    app = [{"sw_active": True, "first": visit(r, 7, 8), "repeat": visit(r / 3, 0, 0)} for r in (8000, 9000, 9500)]
    bare = [{"first": visit(r, 5, 6), "repeat": visit(r, 1, 1)} for r in (10000, 11000, 12000)]
    rows = {row.name: row for row in phone_rows({"phone": {"app": app, "bare": bare}})}
    first = rows["first visit: navigation → ready"]
    assert (first.value, first.floor, first.verdict) == (9000, 11000, "PASS")  # 0.82 ≤ 0.85
    assert rows["first visit: bytes (gzip host)"].verdict == "MISS"  # 8 > 1.0 × 6
    assert rows["repeat visit: navigation → ready"].verdict == "PASS"  # 3000 ms ≤ 4 s
    assert rows["first visit: navigation → typeable"].value == 500.0


def test_phone_rows_say_so_when_the_service_worker_did_not_take_over() -> None:
    app = [{"sw_active": False, "first": visit(9000, 7, 8), "repeat": visit(9000, 7, 8)}]
    bare = [{"first": visit(10000, 5, 6), "repeat": visit(10000, 1, 1)}]
    rows = phone_rows({"phone": {"app": app, "bare": bare}})
    assert all("service worker NOT" in row.note for row in rows)
    assert all(row.note == "skipped" for row in phone_rows({}))
