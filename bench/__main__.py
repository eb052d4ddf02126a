"""``make bench``: boot, storage calls, typing, stored sizes and the API, as one table.

Runs headless Chromium against a fresh ``make site`` build plus a floor page (Pyodide alone) on
one static server (``bench.site``), then the booking API on temporary databases: SQLite, and
PostgreSQL with 1 and 4 processes, side by side (``bench.api``). Each figure is a median over runs (boot) or a percentile over calls; a figure
with a floor is compared with it as measured in the same run. The table is printed and written,
with the raw timings, to ``bench/results/latest.json`` (git-ignored).

Example::

    python -m bench              # 5 boot runs, 1000 calls each, 5 s of API load
    python -m bench --quick      # 2 boot runs, 2 s of API load: a smoke run
    python -m bench --runs 9 --calls 5000 --skip api
    python -m bench --skip boot --skip calls --skip typing --skip sizes    # only the API figures
    python -m bench --only phone --phone-runs 3   # the phone section alone (bench.phone)
    python -m bench --only notify                 # notifications alone (bench.notify)
    python -m bench --strict     # also exit 1 when a figure MISSes its target

Exit status: 1 when a section could not be measured (an error, listed under the table); a MISS
is information (others' load on a shared machine moves figures) unless ``--strict`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench import page as pages
from bench.api import CONFIGURATIONS, measure_engines
from bench.phone import measure_phone, phone_site
from bench.report import MISS, Row, Target, as_json, median, p99, percentile, render, summary
from bench.site import built_site, serve

RESULTS = Path(__file__).with_name("results") / "latest.json"
SECTIONS = ("boot", "calls", "typing", "sizes", "api", "chat", "longpoll", "accept", "phone", "notify")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="boot runs per page (default 5, --quick 2)")
    parser.add_argument("--calls", type=int, default=1000,
                        help="save/load calls per measurement (default 1000)")
    parser.add_argument("--api-seconds", type=float, help="seconds of API load (default 5, --quick 2)")
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke run, numbers are rough")
    parser.add_argument("--skip", action="append", choices=SECTIONS, default=[], help="leave a section out")
    parser.add_argument("--only", action="append", choices=SECTIONS, default=[],
                        help="run only this section (repeatable)")
    parser.add_argument("--phone-runs", type=int, help="phone runs per page (default 3, --quick 1)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure MISSes its target")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    args.runs = args.runs or (2 if args.quick else 5)
    args.phone_runs = args.phone_runs or (1 if args.quick else 3)
    if args.only:
        args.skip = [section for section in SECTIONS if section not in args.only]
    args.api_seconds = args.api_seconds or (2.0 if args.quick else 5.0)
    return args


def _attempt(raw: dict, section: str, measure) -> None:
    """Run one section; a page that never got ready is recorded, the others still run."""
    started = time.monotonic()
    try:
        raw[section] = measure()
    except pages.PageNotReady as error:
        raw[section] = {"error": str(error)}
    print(f"bench: {section} done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def measure_browser(args: argparse.Namespace, raw: dict) -> None:
    wanted = [s for s in SECTIONS[:4] if s not in args.skip]
    if not wanted:
        return
    from playwright.sync_api import sync_playwright  # here: the unit tier imports this module without it

    with built_site() as folder, serve(folder) as origin, serve(folder, isolated=True) as isolated, \
            sync_playwright() as playwright:
        browser = pages.launch(playwright)
        raw["browser"] = browser.version
        try:
            seed = pages.make_seed(browser, origin)
        except pages.PageNotReady as error:
            seed = None
            for section in wanted:
                raw[section] = {"error": f"seed: {error}"}
        if "boot" in wanted:
            # The floor page needs no seed; an app that never gets ready still has its floor measured.
            _attempt(raw, "boot", lambda: _boot(browser, origin, seed, args.runs))
        if seed is not None:
            if "calls" in wanted:
                _attempt(raw, "calls", lambda: pages.measure_calls(browser, isolated, seed, args.calls))
            if "typing" in wanted:
                _attempt(raw, "typing", lambda: pages.measure_typing(browser, origin, seed))
            if "sizes" in wanted:
                _attempt(raw, "sizes", lambda: pages.measure_sizes(browser, origin, seed))
        browser.close()


def _boot(browser, origin: str, seed: dict | None, runs: int) -> dict:
    if seed is None:
        bare = [pages.boot_pair(browser, origin, {}, "bare") for _ in range(runs)]
        return {"bare": bare, "app": [], "error": "app page not ready"}
    return pages.measure_boot(browser, origin, seed, runs)


def measure_chat(args: argparse.Namespace, raw: dict) -> None:
    """Message delivery between the two real pages, and how many waiting customers one process holds."""
    if "chat" not in args.skip:
        from bench.delivery import measure as delivery

        started = time.monotonic()
        raw["chat"] = delivery(round_trips=10 if args.quick else 50)
        print(f"bench: chat done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    if "longpoll" not in args.skip:
        from bench.api import CATALOG as API_CATALOG
        from bench.longpoll import LEVELS, run_longpoll_capacity
        from tests.support.server import GENEROUS_LIMITS, running_server

        started = time.monotonic()
        levels = LEVELS[:3] if args.quick else LEVELS
        with tempfile.TemporaryDirectory() as directory:
            # The tests' catalog, as the API section's: its Ayu works around the clock, so every booking
            # of the load asks for a start she offers (with the shipped catalog most were 422s).
            env = {"BOOKING_ADMIN_TOKEN": "", **GENEROUS_LIMITS, "CATALOG_PATH": str(API_CATALOG)}
            with running_server(Path(directory) / "bench.sqlite3", env=env) as base_url:
                raw["longpoll"] = run_longpoll_capacity(base_url, levels=levels, seconds=2.0 if args.quick else 3.0)
        print(f"bench: longpoll done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def measure_notify(args: argparse.Namespace, raw: dict) -> None:
    """Notifications: event → webhook received, and deliveries per second per configuration (bench.notify)."""
    if "notify" in args.skip:
        return
    from bench.notify import measure as notify

    started = time.monotonic()
    raw["notify"] = notify(quick=args.quick)
    print(f"bench: notify done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def measure_accept(args: argparse.Namespace, raw: dict) -> None:
    """Therapist Accept in the inbox → the customer's side hears Booking confirmed (bench.accept)."""
    if "accept" in args.skip:
        return
    from bench.accept import measure as accept

    def rounds() -> dict:
        try:
            return accept(rounds=10 if args.quick else 50)
        except TimeoutError as error:  # a confirmation that never came is a finding, not a crash
            return {"error": str(error)}

    _attempt(raw, "accept", rounds)


def measure_phone_section(args: argparse.Namespace, raw: dict) -> None:
    if "phone" in args.skip:
        return
    from playwright.sync_api import sync_playwright

    with phone_site() as origin, sync_playwright() as playwright:
        browser = pages.launch(playwright)
        raw.setdefault("browser", browser.version)
        _attempt(raw, "phone", lambda: measure_phone(browser, origin, args.phone_runs))
        browser.close()


def measure_api(args: argparse.Namespace, raw: dict) -> None:
    if "api" in args.skip:
        return
    raw["api"] = measure_engines(seconds=args.api_seconds, clients=8)
    print("bench: api done", file=sys.stderr, flush=True)


# --- from raw measurements to the table -----------------------------------------------------------

def _missing(raw: dict, section: str) -> str:
    value = raw.get(section)
    if value is None:
        return "skipped"
    return "n/a (page not ready, see below)" if isinstance(value, dict) and "error" in value else ""


def boot_rows(raw: dict) -> list[Row]:
    boot, note = raw.get("boot") or {}, _missing(raw, "boot")
    app, bare = boot.get("app") or [], boot.get("bare") or []

    def med(pairs: list[dict], visit: str, field: str = "ready") -> float | None:
        return median(p[visit][field] for p in pairs if p[visit][field] is not None)

    app_note = note or ("" if app else "n/a (app not ready)")
    restored = all(p[v]["restored"] for p in app for v in ("cold", "warm"))
    if app and not restored:
        app_note = "draft NOT restored"
    typeable = Target(300)
    return [
        Row("Boot", "cold: navigation → ready", med(app, "cold"), floor=med(bare, "cold"), note=app_note),
        Row("Boot", "warm: navigation → ready", med(app, "warm"), floor=med(bare, "warm"),
            target=Target(1.3, on="ratio"), note=app_note),
        Row("Boot", "cold: main-thread CPU to ready", med(app, "cold", "cpu_ms"),
            floor=med(bare, "cold", "cpu_ms"), note=app_note),
        Row("Boot", "warm: main-thread CPU to ready", med(app, "warm", "cpu_ms"),
            floor=med(bare, "warm", "cpu_ms"), note=app_note),
        Row("Boot", "floor (bare Pyodide) cold / warm", med(bare, "cold"),
            note=f"warm {med(bare, 'warm'):.0f} ms" if bare else note or "n/a"),
        Row("Boot", "cold: name field typeable", med(app, "cold", "typeable"), target=typeable,
            note=app_note),
        Row("Boot", "warm: name field typeable", med(app, "warm", "typeable"), target=typeable,
            note=app_note),
    ]


def calls_rows(raw: dict) -> list[Row]:
    calls, note = raw.get("calls") or {}, _missing(raw, "calls")
    python, js = calls.get("python"), calls.get("js") or {}
    if calls and python is None and not note:
        note = "n/a (hook missing)"
    rows = []
    for kind, call, limit in (("save", "save_draft_immediately", 0.5), ("load", "load_draft", 0.25)):
        ours = (python or {}).get(kind, [])
        theirs = js.get(kind) or []
        rows += [Row("Save/load", f"{call} p50", percentile(ours, 50) if ours else None,
                     floor=percentile(theirs, 50) if theirs else None, note=note),
                 Row("Save/load", f"{call} p99", p99(ours) if ours else None,
                     floor=p99(theirs) if theirs else None, target=Target(limit), note=note)]
    return rows


def typing_rows(raw: dict) -> list[Row]:
    typing, note = raw.get("typing") or {}, _missing(raw, "typing")
    if not typing or note:
        return [Row("Typing", "longest main-thread task", None, target=Target(50, text="none > 50 ms"),
                    note=note or "n/a")]
    handler, listener = typing["event_timing_max_processing_ms"], typing["listener_max_ms"]
    source = f"Event Timing; listener {listener:.1f} ms" if listener is not None else "Event Timing"
    if handler is None:  # no event took 16 ms or more: the listener's timing is the figure
        handler, source = listener, "listener; no Event Timing entry ≥ 16 ms"
    writes_during, writes_after = typing["writes_during"], typing["writes_after"]
    writes = writes_during["primary"] + writes_after["primary"]
    return [
        Row("Typing", "longest main-thread task", typing["longest_task_ms"], unit="ms",
            target=Target(50, text="none > 50 ms"), note=f"{typing['tasks_over_50ms']} tasks > 50 ms"),
        Row("Typing", "slowest input handler", handler, note=source),
        Row("Typing", "draft writes while typing / after", writes, unit="writes",
            target=Target(1, text="≤ 1 per pause"),
            note=(f"{writes_during['primary']} / {writes_after['primary']} primary, "
                  f"{writes_during['total'] + writes_after['total']} with backup")),
    ]


def sizes_rows(raw: dict) -> list[Row]:
    sizes, note = raw.get("sizes") or {}, _missing(raw, "sizes")
    draft, messages = sizes.get("draft") or {}, sizes.get("messages") or {}
    return [
        Row("Storage", "draft (UTF-16, as quota counts)", draft.get("utf16"), unit="B",
            target=Target(2048, text="≤ 2 KB"), note=note or f"UTF-8 {draft.get('utf8')} B"),
        Row("Storage", "100 chat messages (UTF-16)", messages.get("utf16"), unit="B",
            note=note or f"UTF-8 {messages.get('utf8')} B"),
    ]


def api_rows(raw: dict) -> list[Row]:
    api = raw.get("api")
    if not api:
        return [Row("API", "POST /api/bookings, 8 clients", None, note="skipped")]
    rows = []
    for key, label, *_ in CONFIGURATIONS:
        result = api.get(key) or {"error": "not measured"}
        if "error" in result:
            rows += [Row("API", f"{label}: POST /api/bookings, 8 clients", None, note=result["error"])]
            continue
        note = f"{result['failures']} failures" if result["failures"] else ""
        rows += [Row("API", f"{label}: POST /api/bookings, 8 clients", result["requests_per_s"],
                     unit="req/s", note=note),
                 Row("API", f"{label}: POST /api/bookings p99", result["p99_ms"])]
    for key, label in (("slots_sqlite", "SQLite"), ("slots_postgresql", "PostgreSQL, 1 process")):
        result = api.get(key) or {"error": "not measured"}
        name = f"{label}: GET slots p99, a therapist with 2,000 bookings"
        if "error" in result:
            rows += [Row("API", name, None, note=result["error"])]
            continue
        note = f"{result['failures']} failures" if result["failures"] else f"p50 {result['p50_ms']} ms"
        rows += [Row("API", name, result["p99_ms"], note=note)]
    return rows


def chat_rows(raw: dict) -> list[Row]:
    chat, longpoll = raw.get("chat"), raw.get("longpoll")
    rows = []
    if chat:
        trips = f"{chat['round_trips']} round trips"
        rows += [Row("Chat", "customer send → inbox shows it p50", chat["to_inbox_p50"], note=trips),
                 Row("Chat", "customer send → inbox shows it p99", chat["to_inbox_p99"], target=Target(3000)),
                 Row("Chat", "reply → customer shows it p50", chat["to_customer_p50"], note=trips),
                 Row("Chat", "reply → customer shows it p99", chat["to_customer_p99"], target=Target(3000))]
    else:
        rows.append(Row("Chat", "message delivery", None, note="skipped"))
    if longpoll:
        levels = ", ".join(f"{r['waiting']}: {r['p99_ms']:.0f} ms" for r in longpoll["levels"])
        rows.append(Row("Chat", "waiting customers held, bookings p99 < 100 ms", longpoll["capacity"],
                        unit="polls", note=f"bookings p99 at {levels}"))
    else:
        rows.append(Row("Chat", "long-poll capacity", None, note="skipped"))
    return rows


def accept_rows(raw: dict) -> list[Row]:
    accept = raw.get("accept")
    if not accept or "error" in accept:
        return [Row("Bookings", "therapist Accept → customer page shows Booking confirmed", None,
                    note=_missing(raw, "accept"))]
    rounds = f"{accept['rounds']} rounds"
    return [Row("Bookings", "therapist Accept → customer page shows Booking confirmed p50", accept["p50"], note=rounds),
            Row("Bookings", "therapist Accept → customer page shows Booking confirmed p99", accept["p99"],
                target=Target(3000)),
            Row("Bookings", "therapist Accept → server stored it p99", accept["to_server_p99"], note=rounds)]


def phone_rows(raw: dict) -> list[Row]:
    phone, note = raw.get("phone") or {}, _missing(raw, "phone")
    app, bare = phone.get("app") or [], phone.get("bare") or []

    def med(pairs: list[dict], visit: str, field: str) -> float | None:
        return median(p[visit][field] for p in pairs if p[visit][field] is not None)

    if not note and phone and not all(p.get("sw_active") and p["repeat"]["sw_controlled"] for p in app):
        note = "service worker NOT in control on the repeat visit"
    rows = []
    for visit, label in (("first", "first visit"), ("repeat", "repeat visit")):
        ready_target = Target(0.85, on="ratio") if visit == "first" else Target(4000)
        rows += [
            Row("Phone", f"{label}: navigation → typeable", med(app, visit, "typeable"), note=note),
            Row("Phone", f"{label}: navigation → ready", med(app, visit, "ready"),
                floor=med(bare, visit, "ready"), target=ready_target, note=note),
            Row("Phone", f"{label}: requests", med(app, visit, "requests"), unit="",
                floor=med(bare, visit, "requests"),
                target=Target(15, text="≤ 15") if visit == "first" else None, note=note),
            Row("Phone", f"{label}: bytes (make serve)", med(app, visit, "served_bytes"), unit="B",
                floor=med(bare, visit, "served_bytes"), note=note),
            Row("Phone", f"{label}: bytes (gzip host)", med(app, visit, "gzip_host_bytes"), unit="B",
                floor=med(bare, visit, "gzip_host_bytes"),
                target=Target(1.0, on="ratio") if visit == "first" else None, note=note),
        ]
    later = [p for p in app if p.get("later")]
    if later or note:
        rows.append(Row("Phone", "later visit (the third): navigation → ready", med(later, "later", "ready"),
                        floor=med([p for p in bare if p.get("later")], "later", "ready"), target=Target(4000),
                        note=note))
    inbox, sends = phone.get("inbox") or [], phone.get("send") or []
    if inbox or note:
        rows += [
            Row("Phone", "inbox first visit: navigation → ready", med(inbox, "first", "ready"),
                floor=med(bare, "first", "ready"), target=Target(0.85, on="ratio"), note=note),
            Row("Phone", "inbox first visit: requests", med(inbox, "first", "requests"), unit="",
                floor=med(bare, "first", "requests"), target=Target(15, text="≤ 15"), note=note),
            Row("Phone", "inbox repeat visit: navigation → ready", med(inbox, "repeat", "ready"),
                floor=med(bare, "repeat", "ready"), target=Target(4000), note=note),
        ]
    if sends or note:
        done = [s for s in sends if s.get("sent") is not None and s.get("ready") is not None]
        shown = [s["shown"] - s["pressed"] for s in sends if s.get("shown") is not None]
        early = sum(1 for s in sends if s.get("state") == "loading")
        rows += [
            Row("Phone", "Send pressed 1 s after load → shown", median(shown), target=Target(100),
                note=note or f"{early}/{len(sends)} pressed before ready"),
            Row("Phone", "Send pressed 1 s after load → stored, after ready", median(
                s["sent"] - s["ready"] for s in done), target=Target(1000, text="≤ ready + 1 s"),
                note=note or (f"stored at {median(s['sent'] for s in done):.0f} ms" if done else "never stored")),
        ]
    return rows


def notify_rows(raw: dict) -> list[Row]:
    from bench.notify import CONFIGURATIONS as NOTIFY_CONFIGURATIONS

    notify = raw.get("notify")
    if not notify:
        return [Row("Notify", "event → webhook received", None, note="skipped")]
    latency = notify.get("latency") or {}
    events = f"{latency.get('events', 0)} events, receiver on this machine"
    rows = [Row("Notify", "event → webhook received p50", latency.get("p50_ms"), note=events),
            Row("Notify", "event → webhook received p99", latency.get("p99_ms"))]
    for key, label, *_ in NOTIFY_CONFIGURATIONS:
        result = notify.get(key) or {"error": "not measured"}
        rows.append(Row("Notify", f"{label}: notifications delivered", result.get("per_s"), unit="/s",
                        note=result.get("error") or f"{result['delivered']} in {result['seconds']} s"))
    return rows


def build_rows(raw: dict) -> list[Row]:
    return [*boot_rows(raw), *calls_rows(raw), *typing_rows(raw), *sizes_rows(raw), *api_rows(raw),
            *chat_rows(raw), *accept_rows(raw), *phone_rows(raw), *notify_rows(raw)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # "call_count", not "calls": raw["calls"] holds that section's results (absent with --skip calls).
    raw: dict = {"runs": args.runs, "call_count": args.calls, "quick": args.quick,
                 "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.platform(),
                 "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    measure_browser(args, raw)
    measure_api(args, raw)
    measure_chat(args, raw)
    measure_accept(args, raw)
    measure_phone_section(args, raw)
    measure_notify(args, raw)
    rows = build_rows(raw)
    print(f"\nmake bench: Chat Booking in {raw.get('browser', 'Chromium')}\n")
    print(render(rows))
    errors = section_errors(raw)
    for error in errors:
        print(error)
    clock = (raw.get("calls") or {}).get("clock", {}).get("resolution_ms")
    print(f"\n{summary(rows)}. Boot: median of {args.runs} runs; phone: median of {args.phone_runs} "
          f"(CPU 4× slower, 9 Mbit/s, 150 ms; the floor is stock Pyodide 314 served alike); save/load: {args.calls} calls each, "
          f"clock step {f'{clock:.3f} ms' if clock else 'n/a'}; load average {raw['load_average'][0]:.1f} "
          f"on {raw['cpus']} CPUs at the start (others' work makes figures noisy).")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"rows": as_json(rows), "raw": raw}, indent=1))
    print(f"Written to {args.output}")
    return exit_status(rows, errors, strict=args.strict)


def section_errors(raw: dict) -> list[str]:
    """What could not be measured: a section's error, or one API configuration's."""
    errors = [f"{section}: {raw[section]['error']}" for section in SECTIONS
              if isinstance(raw.get(section), dict) and "error" in raw[section]]
    for key, label, *_ in CONFIGURATIONS:
        result = (raw.get("api") or {}).get(key)
        if isinstance(result, dict) and "error" in result:
            errors.append(f"api {label}: {result['error']}")
    return errors


def exit_status(rows: list[Row], errors: list[str], *, strict: bool) -> int:
    """1 on a section error; 1 on a MISS only when ``strict`` (figures move with the machine's load).

    Example: ``exit_status(rows, [], strict=False) == 0`` even when a row MISSes its target.
    """
    if errors:
        return 1
    return 1 if strict and any(row.verdict == MISS for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
