"""The page boots from the app archive: app/ and pydantic arrive as one wheel, fetched once, early (tools/build_app.py)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import wait_ready


def test_the_app_arrives_as_one_wheel_fetched_once_with_the_runtime_not_module_by_module(app_page: Page) -> None:
    warnings: list[str] = []
    app_page.on("console", lambda m: warnings.append(m.text) if "preload" in m.text.lower() else None)
    app_page.goto("/")
    wait_ready(app_page)
    names = app_page.evaluate("""() => performance.getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname)""")
    assert [n for n in names if n.startswith("/app/")] == ["/app/main.py"]  # the page's own <script>
    wheels = [n for n in names if n.endswith(".whl")]
    assert wheels == ["/static/vendor/pyodide/chatbooking_app-1.0-cp314-none-any.whl"]  # app/ + pydantic
    initiators = app_page.evaluate("""() => Object.fromEntries(performance.getEntriesByType("resource")
        .map((e) => [new URL(e.name).pathname, e.initiatorType]))""")
    # Started by boot.js's preload (with the runtime), not by Pyodide once the interpreter is up;
    # used by Pyodide (no second download, no "preload not used" warning below), so the page's
    # name for it is the build's:
    assert {initiators[w] for w in wheels} == {"link"}
    assert names.count("/static/vendor/pyodide/pyodide-lock.json") == 1  # read by Pyodide alone
    app_page.wait_for_timeout(3500)  # Chromium warns ~3 s after load about a preload nobody used
    assert warnings == []


def test_the_inbox_boots_from_the_same_archive(app_page: Page) -> None:
    app_page.goto("/inbox.html")
    wait_ready(app_page)
    names = app_page.evaluate("""() => performance.getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname)""")
    assert [n for n in names if n.startswith("/app/")] == ["/app/inbox_main.py"]
    assert names.count("/static/vendor/pyodide/chatbooking_app-1.0-cp314-none-any.whl") == 1
