"""A repeat visit reuses the interpreter Chromium compiled before, instead of compiling it again.

Chromium keeps the machine code of a large WebAssembly module next to the response it came with
(the HTTP cache, or the service worker's Cache Storage) and uses it on a later visit: a trace then
shows ``v8.wasm.moduleCacheHit``. Only for a module fetched by Pyodide itself: a ``<link
rel=preload>`` response never carries that code, so ``static/js/boot.js`` preloads the ``.wasm`` on a
first visit only (where nothing is cached yet and the early download is what matters), never once the
service worker serves the page. The service worker's own copy gets its code on the first visit it
serves (the second), and is reused from the third on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, BrowserType, Page

from tests.browser.conftest import wait_ready

WASM = "/static/vendor/pyodide/pyodide.asm.wasm"
CATEGORIES = ["v8.wasm", "disabled-by-default-devtools.timeline"]  # where Blink reports the code cache


@pytest.fixture
def profile(browser_type: BrowserType, browser_type_launch_args: dict, live_server: str,
            tmp_path: Path) -> Iterator[BrowserContext]:
    """One browser profile on disk, kept across visits (a real returning customer's caches)."""
    context = browser_type.launch_persistent_context(str(tmp_path / "profile"), **browser_type_launch_args,
                                                     base_url=live_server)
    yield context
    context.close()


def visit(context: BrowserContext) -> tuple[list[str], list[str]]:
    """Open the page once, traced: (the wasm code-cache events, the preloaded runtime files)."""
    page: Page = context.new_page()
    cdp = context.new_cdp_session(page)
    events: list[dict] = []
    done: list[bool] = []
    cdp.on("Tracing.dataCollected", lambda message: events.extend(message["value"]))
    cdp.on("Tracing.tracingComplete", lambda _message: done.append(True))
    cdp.send("Tracing.start", {"traceConfig": {"includedCategories": CATEGORIES}, "transferMode": "ReportEvents"})
    page.goto("/?therapist=t-ayu")
    wait_ready(page)
    preloaded = page.eval_on_selector_all("link[rel=preload]", "links => links.map((l) => new URL(l.href).pathname)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.wait_for_timeout(3_000)  # the optimizing compiler finishes; Chromium writes the code it made
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)
    page.close()
    names = [e["name"] for e in events if e.get("name", "").startswith("v8.wasm.") and
             WASM in str(e.get("args", {}).get("url", WASM))]
    return names, preloaded


def test_the_third_visit_reuses_the_compiled_interpreter_and_the_second_does_not_preload_it(
        profile: BrowserContext) -> None:
    first, preloaded = visit(profile)
    assert WASM in preloaded  # nothing cached yet: the early download is what matters
    assert "v8.wasm.moduleCacheHit" not in first
    assert "v8.wasm.cachedModule" in first
    second, preloaded = visit(profile)  # served by the service worker from now on
    assert WASM not in preloaded
    third, _preloaded = visit(profile)
    assert "v8.wasm.moduleCacheHit" in third, third
