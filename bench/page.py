"""What ``make bench`` measures in headless Chromium: boot, the storage calls, typing and stored sizes.

Every measurement opens a fresh browser context (empty HTTP cache, no service worker, empty
localStorage) seeded with one customer's complete draft, so "ready" always means "draft restored".
Times come from the page itself (``performance.now()`` relative to navigation start, recorded by
``bench.inpage.PROBE``), never from Playwright's round trips.

Example::

    with sync_playwright() as playwright:
        browser = launch(playwright)
        seed = make_seed(browser, origin)
        boot = measure_boot(browser, origin, seed, runs=5)   # {"app": {"cold": [...], ...}, ...}
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the unit tier imports bench's pure parts without the browser driver
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from bench import inpage
from bench.site import PREFIX
from tools.ensure_browser import chromium_executable

# --disable-dev-shm-usage: a container's /dev/shm is often 64 MB (Docker's default), too small for the
# renderer's shared memory with several Pyodide pages open; Chromium then kills the tab ("Target crashed",
# seen once in CI). /tmp has no such cap.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                 "--disable-dev-shm-usage"]
READY_TIMEOUT_MS = 90_000
APP = PREFIX + "?therapist=t-ayu"
BARE = PREFIX + "bare.html"
PAGES = {"app": APP, "bare": BARE}
SEED_FORM = {"name": "Nadia Putri Lestari", "whatsapp": "+62 812 3456 7890", "duration": "90 min",
             "location": "villa", "massage_for": "partner"}
SETTLE_S = 1.0  # between a cold visit and the warm one, for both pages alike
# 200 keystrokes, each one changing the value (the field's maxlength is 80): 60 typed, 40 erased, twice.
TYPED = "Nadia Putri Lestari Wijaya, villa at Jalan Raya Ubud 88 Bali"
KEYSTROKES = [*TYPED, *["Backspace"] * 40, *TYPED, *["Backspace"] * 40]
KEY_DELAY_MS = 20
AFTER_TYPING_S = 1.5
MESSAGES = 100


class PageNotReady(RuntimeError):
    """The page did not reach ``data-app-state="ready"``; the message says what it showed."""


def launch(playwright: Playwright) -> Browser:
    executable = chromium_executable()
    extra = {"executable_path": executable} if executable else {}
    return playwright.chromium.launch(args=CHROMIUM_ARGS, **extra)


@contextlib.contextmanager
def fresh_context(browser: Browser, origin: str, seed: dict[str, str] | None = None, *,
                  count_writes: bool = False) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=origin, viewport={"width": 1280, "height": 800})
    if seed:
        context.add_init_script(inpage.seed_script(seed))
    context.add_init_script(inpage.probe_script(count_writes=count_writes))
    try:
        yield context
    finally:
        context.close()


def open_page(context: BrowserContext, path: str) -> tuple[Page, dict]:
    """Navigate a new tab to ``path`` and wait for ready; the page and its ``__bench`` snapshot.

    The snapshot also has ``cpu_ms``: CPU time of the page's main thread at ready (Chromium's
    ``ThreadTime`` metric), which, unlike wall time, hardly changes when other work shares the CPUs.
    """
    page = context.new_page()
    metrics = context.new_cdp_session(page)
    metrics.send("Performance.enable")
    page.goto(path, wait_until="commit")
    try:
        page.wait_for_function("window.__bench && window.__bench.ready !== null", timeout=READY_TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError; say what the page showed
        seconds = READY_TIMEOUT_MS // 1000
        raise PageNotReady(f"{path}: not ready within {seconds} s ({_shown(page)})") from error
    snapshot = page.evaluate(inpage.SNAPSHOT)
    values = {m["name"]: m["value"] for m in metrics.send("Performance.getMetrics")["metrics"]}
    snapshot["cpu_ms"] = values["ThreadTime"] * 1000
    metrics.detach()
    if snapshot["state"] != "ready":
        raise PageNotReady(f"{path}: data-app-state={snapshot['state']!r}: {_shown(page)}")
    return page, snapshot


def _shown(page: Page) -> str:
    try:
        return page.evaluate("""() => {
            const box = document.getElementById("boot-error");
            return (box && !box.hidden ? box.textContent : document.documentElement.dataset.appState || "")
                .replace(/\\s+/g, " ").trim().slice(0, 300);
        }""")
    except Exception as error:  # noqa: BLE001 - the page may be gone; the timeout is the news
        return f"page unreadable: {error}"


def wait_for_service_worker(page: Page) -> bool:
    """Wait until the page's service worker is active (its precache is complete); False if none."""
    return page.evaluate("""async () => {
        if (!("serviceWorker" in navigator)) return false;
        const registration = await Promise.race([navigator.serviceWorker.ready,
                                                 new Promise((resolve) => setTimeout(resolve, 60000))]);
        return Boolean(registration && registration.active);
    }""")


# --- the seed: one customer's complete draft, typed through the form ---------------------------

SEED_SAVED = """(name) => Object.keys(localStorage).some((key) => key.endsWith(":draft")
    && localStorage.getItem(key).includes(name) && localStorage.getItem(key).includes('"duration":90'))"""


def make_seed(browser: Browser, origin: str) -> dict[str, str]:
    """Fill the booking form once and return what the page stored (every ``chatbooking:`` key)."""
    with fresh_context(browser, origin) as context:
        page, _snapshot = open_page(context, APP)
        page.get_by_label("Your name").fill(SEED_FORM["name"])
        page.get_by_label("WhatsApp number").fill(SEED_FORM["whatsapp"])
        page.get_by_label("Location").select_option(SEED_FORM["location"])
        page.get_by_label("Massage for").select_option(SEED_FORM["massage_for"])
        page.get_by_label(SEED_FORM["duration"]).check()  # a click saves at once, text fields included
        page.wait_for_function(SEED_SAVED, arg=SEED_FORM["name"], timeout=10_000)
        return page.evaluate(inpage.DUMP_STORAGE)


def draft_key(items: dict[str, str], suffix: str = ":draft") -> str | None:
    return next((key for key in items if key.endswith(suffix)), None)


# --- boot ---------------------------------------------------------------------------------------

def boot_pair(browser: Browser, origin: str, seed: dict[str, str], which: str) -> dict:
    """A cold visit, then a repeat visit in the same context (HTTP cache and service worker warm)."""
    result: dict = {}
    with fresh_context(browser, origin, seed) as context:
        for visit in ("cold", "warm"):
            page, snapshot = open_page(context, PAGES[which])
            controlled = page.evaluate("() => Boolean(navigator.serviceWorker?.controller)")
            result[visit] = {"ready": snapshot["ready"], "typeable": snapshot["typeable"],
                             "cpu_ms": snapshot["cpu_ms"],
                             "restored": snapshot["restoredName"] == SEED_FORM["name"],
                             "sw_controlled": controlled, "progress": snapshot["progress"],
                             "longtasks": snapshot["longtasks"],
                             "resources": page.evaluate(inpage.RESOURCES)}
            if visit == "cold":
                if which == "app":
                    result["sw_active"] = wait_for_service_worker(page)
                time.sleep(SETTLE_S)
            page.close()
    return result


def measure_boot(browser: Browser, origin: str, seed: dict[str, str], runs: int) -> dict:
    """``runs`` cold+warm pairs of each page, interleaved (order alternating) so drift hits both."""
    pairs: dict[str, list[dict]] = {"app": [], "bare": []}
    for run in range(runs):
        for which in (("app", "bare") if run % 2 == 0 else ("bare", "app")):
            pairs[which].append(boot_pair(browser, origin, seed, which))
    return pairs


# --- the draft manager's calls against plain JavaScript, in the same page ----------------------

def measure_calls(browser: Browser, origin: str, seed: dict[str, str], calls: int) -> dict:
    """save/load p50/p99 material: Python via ``window.chatBookingMeasure``, JavaScript baseline."""
    key = draft_key(seed)
    with fresh_context(browser, origin, seed) as context:
        page, _snapshot = open_page(context, APP)
        result: dict = {"clock": page.evaluate(inpage.TIMER_RESOLUTION), "calls": calls}
        page.evaluate(inpage.JS_SAVE, [key, 50])  # warm-up, discarded
        page.evaluate(inpage.JS_LOAD, [50])
        result["js"] = {"save": page.evaluate(inpage.JS_SAVE, [key, calls]),
                        "load": page.evaluate(inpage.JS_LOAD, [calls])}
        if not page.evaluate("() => typeof window.chatBookingMeasure === 'function'"):
            result["python"] = None
            return result
        measure = "([kind, n]) => window.chatBookingMeasure(kind, n)"
        python = {}
        for kind in ("save", "load"):
            page.evaluate(measure, [kind, 50])  # warm-up, discarded
            python[kind] = json.loads(page.evaluate(measure, [kind, calls]))["ms"]
        result["python"] = python
    return result


# --- typing -------------------------------------------------------------------------------------

def measure_typing(browser: Browser, origin: str, seed: dict[str, str]) -> dict:
    """200 keystrokes into "Your name" after ready: long tasks, handler times, storage writes."""
    with fresh_context(browser, origin, seed, count_writes=True) as context:
        page, snapshot = open_page(context, APP)
        wait_for_service_worker(page)  # the first visit's precache is done: measure typing alone
        time.sleep(SETTLE_S)
        name = page.get_by_label("Your name")
        name.click()
        name.fill("")
        time.sleep(AFTER_TYPING_S)  # the debounced write of the emptied field is not ours to count
        started = page.evaluate("() => performance.now()")
        for key in KEYSTROKES:
            page.keyboard.press(key, delay=KEY_DELAY_MS)
        ended = page.evaluate("() => performance.now()")
        time.sleep(AFTER_TYPING_S)
        settled = page.evaluate("() => performance.now()")
        final = page.evaluate(inpage.SNAPSHOT)
        value = name.input_value()
    return summarise_typing(final, snapshot["ready"], started, ended, settled) | {
        "keystrokes": len(KEYSTROKES), "typing_ms": ended - started, "final_length": len(value)}


def summarise_typing(bench: dict, ready: float, started: float, ended: float, settled: float) -> dict:
    def within(rows: list, low: float, high: float, at: int = 0) -> list:
        return [row for row in rows if low <= row[at] <= high]

    typing_tasks = within(bench["longtasks"], started, settled)
    after_ready = within(bench["longtasks"], ready, settled)
    events = [e for e in within(bench["events"], started, settled, at=1)
              if e[0] in ("keydown", "keypress", "input")]
    handlers = [h for h in within(bench["handlers"], started, settled, at=1)
                if h[0] in ("keydown", "keypress", "input")]
    writes = bench["writes"]

    def count(low: float, high: float, primary: bool) -> int:
        return sum(1 for key, at, _length in writes if low <= at <= high
                   and (key.endswith(":draft") or (not primary and key.endswith(":draft:backup"))))

    return {
        "longest_task_ms": max((d for _s, d in typing_tasks), default=0.0),
        "tasks_over_50ms": len(typing_tasks),
        "tasks_over_50ms_after_ready": len(after_ready),
        "longest_task_after_ready_ms": max((d for _s, d in after_ready), default=0.0),
        "event_timing_entries": len(events),
        "event_timing_max_processing_ms": max((e[4] - e[3] for e in events), default=None),
        "event_timing_max_duration_ms": max((e[2] for e in events), default=None),
        "listener_max_ms": max((h[2] for h in handlers), default=None),
        "listener_events": len(handlers),
        "writes_during": {"primary": count(started, ended, True), "total": count(started, ended, False)},
        "writes_after": {"primary": count(ended, settled, True), "total": count(ended, settled, False)},
        "slowest_events": sorted(events, key=lambda e: e[4] - e[3], reverse=True)[:3],
        "tasks_after_ready": [[start - ready, duration] for start, duration in after_ready],
        "other_writes": sorted({key for key, at, _l in writes if started <= at <= settled
                                and not key.endswith((":draft", ":draft:backup"))}),
    }


# --- stored sizes -------------------------------------------------------------------------------

def measure_sizes(browser: Browser, origin: str, seed: dict[str, str]) -> dict:
    """Bytes of the stored complete draft, and of 100 chat messages of ~60 characters sent via the form."""
    with fresh_context(browser, origin, seed) as context:
        page, _snapshot = open_page(context, APP)
        draft = page.evaluate(inpage.STORED_SIZE, draft_key(seed))
        box = page.get_by_label("Message", exact=True)
        for index in range(MESSAGES):
            box.fill(message_text(index))
            box.press("Enter")
        key_js = "() => Object.keys(localStorage).find((key) => key.endsWith(':messages')) || null"
        page.wait_for_function(f"""() => {{
            const key = ({key_js})();
            return key && JSON.parse(localStorage.getItem(key)).data.length >= {MESSAGES};
        }}""", timeout=30_000)
        messages = page.evaluate(inpage.STORED_SIZE, page.evaluate(key_js))
    return {"draft": draft, "messages": messages, "message_count": MESSAGES,
            "message_chars": sum(len(message_text(i)) for i in range(MESSAGES)) / MESSAGES}


def message_text(index: int) -> str:
    """~60 characters a customer might send, numbered so each one is different."""
    lines = ("Hi Ayu! Is tomorrow at 3 pm still free for a 90 minute massage?",
             "Great, could you bring the hot stones too? Thank you so much!",
             "We are at Villa Kembang, about ten minutes north of Ubud centre.",
             "My partner would like a gentle pressure, I prefer a firm one.")
    return f"{lines[index % len(lines)]} #{index:03d}"
