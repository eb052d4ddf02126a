"""Suite-wide ordering: browser tests run last.

pytest-playwright's sync API keeps an asyncio event loop running in the main thread for
as long as its session-scoped fixtures live, and ``asyncio.run`` refuses to start inside
a running loop. The CPython tests of the async core use ``asyncio.run``, so they run
before the first browser test starts Playwright.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)  # stable: keeps order within groups
