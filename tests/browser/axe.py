"""axe-core (``node_modules/axe-core``, a dev dependency) run in a page: the serious and critical
WCAG 2 A/AA violations of what is on screen now.

The pages' Content-Security-Policy allows no inline script, so the context that runs axe is made
with ``bypass_csp=True`` (``axe_context``); the page itself is the one users get.

Example::

    with axe_context(browser, live_server) as page:
        page.goto("/inbox.html")
        assert serious_violations(page) == []
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from playwright.sync_api import Browser, Page

from tests.support.server import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                          resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}"""


@contextlib.contextmanager
def axe_context(browser: Browser, base_url: str, **options) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, bypass_csp=True, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def serious_violations(page: Page) -> list[str]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)
