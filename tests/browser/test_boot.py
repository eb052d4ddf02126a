"""The page boots Python from its own origin and says so on <html data-app-state>."""

import json

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import wait_ready


def test_page_shows_a_loading_state_before_python_is_ready(app_page: Page) -> None:
    # Python cannot be ready while its runtime is held back: the runtime's request waits (unanswered,
    # not faked) until the loading state has been seen, then goes to the real server.
    held: list[Route] = []
    app_page.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    app_page.goto("/")
    expect(app_page.locator("html")).to_have_attribute("data-app-state", "loading")
    expect(app_page.get_by_text("Loading the booking window")).to_be_visible()
    app_page.wait_for_function("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd > 0")
    expect(app_page.locator("html")).to_have_attribute("data-app-state", "loading")
    assert held, "the runtime was never requested"
    for route in held:
        route.continue_()
    wait_ready(app_page)
    expect(app_page.get_by_text("Loading the booking window")).to_be_hidden()


def test_page_reaches_ready_with_only_same_origin_requests(app_page: Page) -> None:
    app_page.goto("/")
    wait_ready(app_page)
    expect(app_page.locator("html")).to_have_attribute("data-app-state", "ready")
    # app_page's teardown fails the test on any off-origin request, pageerror or console error.


def test_python_in_the_page_runs_pydantic_validation(app_page: Page) -> None:
    app_page.goto("/")
    wait_ready(app_page)
    versions = app_page.evaluate("() => window.chatBookingRuntime")
    assert versions["pydantic"] == "2.14.3"
    assert versions["python"].startswith("3.14")


def test_a_runtime_that_cannot_load_shows_a_readable_error(browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.route("**/pyodide.asm.wasm", lambda route: route.abort())
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-app-state", "error", timeout=60_000)
    expect(page.get_by_role("alert")).to_contain_text("could not start")
    context.close()


def test_the_runtime_is_fetched_early_and_only_once(app_page: Page) -> None:
    """boot.js preloads the big runtime files; a preload that did not match Pyodide's own request
    would download them twice (and warn on the console)."""
    app_page.goto("/")
    wait_ready(app_page)
    names = app_page.evaluate("""() => performance.getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname)""")
    for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide.mjs", "pyodide.asm.mjs"):
        assert names.count(f"/static/vendor/pyodide/{name}") == 1, (name, names)
    # Every preload was the very request that used it: a preload that did not match its user (mode,
    # credentials, type) is fetched a second time, so it would show up twice here. (Chromium's own
    # "preloaded but not used" console warning comes ~3 s after load; this needs no waiting.)
    preloads = app_page.evaluate("""() => [...document.querySelectorAll('link[rel=preload], link[rel=modulepreload]')]
        .map((link) => new URL(link.href).pathname)""")
    assert preloads, "boot.js preloads nothing"
    for path in preloads:
        assert names.count(path) == 1, (path, names)
    started = app_page.evaluate("""() => Object.fromEntries(performance.getEntriesByType("resource")
        .map((e) => [new URL(e.name).pathname, e.startTime]))""")
    # Requested before PyScript has even fetched the page's script (its config is inline):
    assert started["/static/vendor/pyodide/pyodide.asm.wasm"] < started["/app/main.py"]


def test_the_benchmarks_in_page_hook_times_saves_and_loads(app_page: Page) -> None:
    """``make bench`` times the draft's save and load through ``window.chatBookingMeasure`` (Python,
    app/browser/diagnostics.py): a hook that breaks must fail here, not only in a bench run."""
    app_page.goto("/")
    wait_ready(app_page)
    for kind in ("save", "load"):
        result = json.loads(app_page.evaluate("([kind, n]) => window.chatBookingMeasure(kind, n)", [kind, 3]))
        assert result["kind"] == kind and len(result["ms"]) == 3
        assert all(isinstance(ms, (int, float)) and ms >= 0 for ms in result["ms"])
