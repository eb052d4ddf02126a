"""bench.phone's arithmetic (what a gzip-serving host would send), the phone rows' verdicts, and
``make bench``'s exit status; none of it needs the browser driver."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zipfile
from pathlib import Path

from bench.__main__ import exit_status, phone_rows, section_errors
from bench.phone import gzip_host_bytes
from bench.report import Row, Target

ROOT = Path(__file__).resolve().parents[2]


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
    app = [{"sw_active": True, "first": visit(r, 7, 8), "repeat": visit(r / 3, 0, 0), "later": visit(r / 2, 0, 0)}
           for r in (8000, 9000, 9500)]
    bare = [{"first": visit(r, 5, 6), "repeat": visit(r, 1, 1), "later": visit(r, 1, 1)}
            for r in (10000, 11000, 12000)]
    rows = {row.name: row for row in phone_rows({"phone": {"app": app, "bare": bare}})}
    first = rows["first visit: navigation → ready"]
    assert (first.value, first.floor, first.verdict) == (9000, 11000, "PASS")  # 0.82 ≤ 0.85
    assert rows["first visit: bytes (gzip host)"].verdict == "MISS"  # 8 > 1.0 × 6
    assert rows["repeat visit: navigation → ready"].verdict == "PASS"  # 3000 ms ≤ 4 s
    later = rows["later visit (the third): navigation → ready"]
    assert (later.value, later.floor, later.verdict) == (4500, 11000, "MISS")  # 4.5 s > 4 s
    assert rows["first visit: navigation → typeable"].value == 500.0


def test_phone_rows_say_so_when_the_service_worker_did_not_take_over() -> None:
    app = [{"sw_active": False, "first": visit(9000, 7, 8), "repeat": visit(9000, 7, 8)}]
    bare = [{"first": visit(10000, 5, 6), "repeat": visit(10000, 1, 1)}]
    rows = phone_rows({"phone": {"app": app, "bare": bare}})
    assert all("service worker NOT" in row.note for row in rows)
    assert all(row.note == "skipped" for row in phone_rows({}))


# --- make bench's exit status -------------------------------------------------------------------

def test_a_section_that_could_not_be_measured_makes_bench_exit_1() -> None:
    raw = {"boot": {"error": "app page not ready"},
           "api": {"sqlite": {"requests_per_s": 900.0}, "postgresql_1": {"error": "no binaries"}}}
    errors = section_errors(raw)
    assert errors == ["boot: app page not ready", "api PostgreSQL, 1 process: no binaries"]
    assert exit_status([], errors, strict=False) == 1


def test_a_miss_is_information_unless_strict() -> None:
    missed = Row("Typing", "longest main-thread task", 80.0, target=Target(50))
    passed = Row("Typing", "slowest input handler", 10.0, target=Target(50))
    assert exit_status([missed, passed], [], strict=False) == 0
    assert exit_status([missed, passed], [], strict=True) == 1
    assert exit_status([passed], [], strict=True) == 0
    assert section_errors({"boot": {"bare": [], "app": []}, "api": {"sqlite": {"requests_per_s": 1}}}) == []


def test_the_unit_tier_collects_without_the_browser_driver() -> None:
    # make test-unit must run where Playwright is not installed: hide it, then collect the tier.
    script = ("import sys; sys.modules['playwright'] = None; import pytest; "
              "raise SystemExit(pytest.main(['-q', '--collect-only', '-p', 'no:playwright', "
              "'-p', 'no:cacheprovider', 'tests/unit', 'tests/build']))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " error" not in result.stdout.splitlines()[-1], result.stdout[-3000:]
