"""``make bench``'s phone section: a mid-range phone on mobile data, the app beside a bare stock Pyodide page.

Chromium's emulation, set through CDP on each page before it navigates: ``Emulation.setCPUThrottlingRate``
4 and ``Network.emulateNetworkConditions`` 9 Mbit/s down (upload the same; the page sends little),
150 ms round trip. Both pages are served the way ``make serve`` serves them: the real backend
(``python -m backend``) with ``SITE_ROOT`` at a folder holding

- a fresh ``make site`` build with the runtime's precompressed ``.br``/``.gz`` copies (the app, ``/``),
  and its service worker where the backend serves it from;
- ``static/stock/``: Pyodide exactly as its npm package ships it (``node_modules/pyodide``, the
  standard library as sources), precompressed the same way, and ``bare.html`` (``loadPyodide`` +
  ``import json``, then ``data-app-state="ready"``).

Each run is a first visit (fresh context: empty HTTP cache, no service worker) and then a repeat
visit in the same context once the app's service worker is active (the bare page has none: its
repeat visit revalidates from the HTTP cache). Per visit: navigation → typeable (the name field;
the bare page has none), navigation → ready, requests, bytes on the wire as ``make serve`` sent them
(Resource Timing ``transferSize``, headers included) and as a gzip-serving static host such as GitHub
Pages would send them (``gzip_host_bytes``: the same responses, text-like bodies gzip -6, zips as they
are; answered from the cache or the service worker: as measured).

Example::

    with phone_site() as origin:
        result = measure_phone(browser, origin, runs=3)   # {"app": [{"first": {...}, "repeat": {...}}], ...}
"""

from __future__ import annotations

import contextlib
import gzip
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # types only: the unit tier imports gzip_host_bytes without the browser driver
    from playwright.sync_api import Browser

from bench import inpage
from bench.page import READY_TIMEOUT_MS, PageNotReady, wait_for_service_worker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_app import build as build_app  # noqa: E402
from build_runtime import precompress  # noqa: E402
from build_site import build_site  # noqa: E402

STOCK = ROOT / "node_modules" / "pyodide"
STOCK_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
               "pyodide-lock.json", "package.json")
BARE_PAGE = Path(__file__).with_name("bare.html")
BARE_SCRIPT = Path(__file__).with_name("bare.js")
PAGES = {"app": "/?therapist=t-ayu", "bare": "/static/stock/bare.html", "inbox": "/inbox.html"}
SEND_AFTER_MS = 1000  # the early Send: pressed this long after navigation start, on a first visit
CPU_SLOWDOWN = 4
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 9_000_000 / 8,
           "uploadThroughput": 9_000_000 / 8}
# What a gzip-serving static host compresses (by file type); zips and wheels are already deflated.
GZIP_HOST_TYPES = {".html", ".js", ".mjs", ".css", ".json", ".toml", ".py", ".svg", ".wasm", ".txt"}


@contextlib.contextmanager
def phone_site() -> Iterator[str]:
    """The backend serving a built site plus the stock Pyodide floor; yields its origin."""
    from tests.support.server import GENEROUS_LIMITS, running_server  # the tests' launcher: the real backend

    with tempfile.TemporaryDirectory(prefix="chat-booking-phone-") as directory:
        folder = Path(directory) / "site"
        build_app()  # the page runs app/ from its wheel: measure this tree's
        build_site(folder)
        vendor = ROOT / "static" / "vendor"
        for packed in [*vendor.rglob("*.br"), *vendor.rglob("*.gz")]:
            target = folder / packed.relative_to(ROOT)
            shutil.copyfile(packed, target)  # written after the file it encodes: newer, so it is used
        (folder / "static" / "vendor" / "sw.js").write_bytes((folder / "sw.js").read_bytes())
        stock = folder / "static" / "stock"
        (stock / "pyodide").mkdir(parents=True)
        for name in STOCK_FILES:
            shutil.copyfile(STOCK / name, stock / "pyodide" / name)
        precompress(stock / "pyodide")
        (stock / "bare.html").write_text(BARE_PAGE.read_text())
        (stock / "bare.js").write_text(BARE_SCRIPT.read_text().replace("./static/vendor/pyodide/", "./pyodide/"))
        with running_server(Path(directory) / "bench.sqlite3",
                            env={"SITE_ROOT": str(folder), "BOOKING_ADMIN_TOKEN": "", **GENEROUS_LIMITS}) as origin:
            _FOLDER[origin] = folder
            yield origin


_FOLDER: dict[str, Path] = {}


def _emulated_page(context):
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return page


def _visit(context, origin: str, which: str) -> dict:
    page = _emulated_page(context)
    page.goto(origin + PAGES[which], wait_until="commit")
    try:
        page.wait_for_function("window.__bench && window.__bench.ready !== null", timeout=READY_TIMEOUT_MS)
    except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError
        raise PageNotReady(f"{which}: not ready within {READY_TIMEOUT_MS // 1000} s on the phone") from error
    snapshot = page.evaluate(inpage.SNAPSHOT)
    if snapshot["state"] != "ready":
        raise PageNotReady(f"{which}: data-app-state={snapshot['state']!r} on the phone")
    responses = page.evaluate(RESPONSES_UNTIL_READY, snapshot["ready"])
    return {"page": page, "ready": snapshot["ready"], "typeable": snapshot["typeable"],
            "requests": len(responses), "served_bytes": sum(r["transfer"] for r in responses),
            "gzip_host_bytes": sum(gzip_host_bytes(_FOLDER[origin], r) for r in responses),
            "sw_controlled": page.evaluate("() => Boolean(navigator.serviceWorker?.controller)"),
            "responses": responses}


# The navigation and every resource fetched before ready (the service worker's own precache,
# after ready, is not the page's first paint and is not counted here).
RESPONSES_UNTIL_READY = """(ready) => [
  ...performance.getEntriesByType("navigation"),
  ...performance.getEntriesByType("resource").filter((e) => e.startTime <= ready),
].map((e) => ({name: e.name.replace(location.origin, ""), transfer: e.transferSize,
               encoded: e.encodedBodySize, size: e.decodedBodySize, sw: e.workerStart > 0}))"""


@lru_cache(maxsize=512)
def _gzip_size(path: Path, mtime_ns: int) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def gzip_host_bytes(folder: Path, response: dict) -> int:
    """What a gzip-serving static host would send for ``response``: headers + gzip -6 body."""
    transfer, encoded = response["transfer"], response["encoded"]
    if transfer == 0 or transfer < encoded:  # from the cache or the service worker: nothing sent
        return transfer
    headers = max(transfer - encoded, 0)
    if encoded == 0 or response["size"] == 0:  # a 304: headers only
        return transfer
    relative = urlsplit(response["name"]).path.lstrip("/") or "index.html"
    if relative.endswith("/"):
        relative += "index.html"
    if relative == "sw.js":
        relative = "static/vendor/sw.js"
    path = folder / relative
    if not path.is_file():
        return transfer
    if path.suffix not in GZIP_HOST_TYPES:
        return headers + path.stat().st_size
    return headers + _gzip_size(path, path.stat().st_mtime_ns)


LATER_SETTLE_S = 5.0


def phone_pair(browser: Browser, origin: str, which: str) -> dict:
    """A first visit, a repeat visit and a later (third) one of one page in one fresh context."""
    context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True)
    context.add_init_script(inpage.probe_script())
    result: dict = {}
    try:
        first = _visit(context, origin, which)
        if which != "bare":
            result["sw_active"] = wait_for_service_worker(first["page"])
        time.sleep(1.0)
        first.pop("page").close()
        repeat = _visit(context, origin, which)
        # Chromium writes the compiled interpreter next to the service worker's copy once its optimizing
        # compiler is done (seconds after ready at 4× CPU); the visit after that reuses it
        # (tests/browser/test_wasm_code_cache.py). So a third visit, as a returning customer's next one.
        time.sleep(LATER_SETTLE_S)
        repeat.pop("page").close()
        later = _visit(context, origin, which)
        later.pop("page").close()
        result |= {"first": first, "repeat": repeat, "later": later}
    finally:
        context.close()
    return result


# Send pressed before Python is ready: when the row shows (the next frame after the press), when it
# says "Sent" (the server answered that it stored it), both relative to navigation start.
SEND_PROBE = r"""(text) => new Promise((resolve) => {
  const box = document.getElementById("message");
  const result = {pressed: null, shown: null, sent: null, state: document.documentElement.dataset.appState};
  const status = () => document.querySelector("#messages li.message--customer .message__status");
  new MutationObserver(() => {
    if (result.sent === null && status() && status().textContent === "Sent") {
      result.sent = performance.now();
      resolve(result);
    }
  }).observe(document.getElementById("messages"), {subtree: true, childList: true, characterData: true});
  box.value = text;
  result.pressed = performance.now();
  document.getElementById("send").click();
  requestAnimationFrame(() => { if (status()) result.shown = performance.now(); window.__send = result; });
})"""


def phone_send(browser: Browser, origin: str) -> dict:
    """A first visit on which Send is pressed ``SEND_AFTER_MS`` after navigation start."""
    context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True, has_touch=True)
    context.add_init_script(inpage.probe_script())
    try:
        page = _emulated_page(context)
        page.goto(origin + PAGES["app"], wait_until="commit")
        page.wait_for_function(f"performance.now() >= {SEND_AFTER_MS} && document.getElementById('send')",
                               timeout=READY_TIMEOUT_MS)
        sent = page.evaluate(SEND_PROBE, "Bench: is 3 pm free tomorrow?")
        bench = page.evaluate("() => window.__bench")
        return {**sent, "ready": bench["ready"]}
    finally:
        context.close()


def measure_phone(browser: Browser, origin: str, runs: int) -> dict:
    """``runs`` first+repeat pairs of each page, interleaved (order alternating) so drift hits both,
    and ``runs`` first visits with an early Send (``send``)."""
    pairs: dict[str, list[dict]] = {"app": [], "bare": [], "inbox": [], "send": []}
    for run in range(runs):
        for which in (("app", "bare", "inbox") if run % 2 == 0 else ("inbox", "bare", "app")):
            pairs[which].append(phone_pair(browser, origin, which))
        pairs["send"].append(phone_send(browser, origin))
    return pairs
