"""Suite-wide: browser tests run last, and the summary names what was skipped on request.

pytest-playwright's sync API keeps an asyncio event loop running in the main thread for
as long as its session-scoped fixtures live, and ``asyncio.run`` refuses to start inside
a running loop. The CPython tests of the async core use ``asyncio.run``, so they run
before the first browser test starts Playwright.

Opt-outs (``SKIP_POSTGRES=1``, ``SKIP_SOAK=1``) are the only skips a run is meant to have; the
last lines of the run count them, so a green run that left something out says so, e.g.::

    skipped on request: 214 tests: SKIP_POSTGRES=1: not run on PostgreSQL (asked for)
"""

from __future__ import annotations

import collections

import pytest

OPT_OUTS = ("SKIP_POSTGRES=1", "SKIP_SOAK=1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)  # stable: keeps order within groups


def skip_reason(report: pytest.TestReport) -> str:
    """The reason text of a skipped report (pytest keeps it as (file, line, "Skipped: why"))."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    reasons = collections.Counter(skip_reason(report) for report in terminalreporter.stats.get("skipped", []))
    asked = {reason: count for reason, count in reasons.items() if reason.startswith(OPT_OUTS)}
    for reason, count in sorted(asked.items()):
        terminalreporter.write_line(f"skipped on request: {count} tests: {reason}", yellow=True, bold=True)
    others = sum(reasons.values()) - sum(asked.values())
    if others:
        terminalreporter.write_line(f"skipped for other reasons: {others} tests (each reason is listed "
                                    "under 'short test summary info')", yellow=True)
