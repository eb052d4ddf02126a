"""The inbox page's composition root: the ``Inbox`` core on browser adapters, then "ready".

Reuses the customer page's adapters (``storage``, ``timers``, ``transport``) and the catalog
(for price formatting). Marks ``<html data-app-state>`` ``ready`` once the window is wired;
``static/js/boot.js`` turns anything that fails before that into a readable error.

Example (what ``app/inbox_main.py`` does)::

    from app.browser.inbox_boot import boot
    boot()
"""

from __future__ import annotations

import gc
from pathlib import Path

import js

from app.browser.inbox_view import InboxView
from app.browser.inbox_window import InboxWindow
from app.browser.locks import open_web_locks
from app.browser.storage import open_local_storage
from app.browser.timers import BrowserClock, BrowserScheduler
from app.browser.transport import FetchTransport
from app.domain.catalog import Catalog
from app.inbox.inbox import Inbox

CATALOG_FILE = Path("static/data/therapists.json")  # written into Python's FS by pyscript.toml [files]
DEFAULT_API_BASE = "./api"


def _api_base() -> str:
    meta = js.document.querySelector("meta[name='chatbooking:api-base']")
    value = str(meta.content).strip() if meta else ""  # jsnull (falsy) when the tag is missing
    return value or DEFAULT_API_BASE


def _set_state(state: str) -> None:
    js.document.documentElement.dataset.appState = state
    status = js.document.getElementById("boot-status")
    if status:
        status.hidden = state != "loading"


def boot() -> InboxWindow:
    catalog = Catalog.from_json(CATALOG_FILE.read_text())
    clock, scheduler = BrowserClock(), BrowserScheduler()
    inbox = Inbox(open_local_storage(), FetchTransport(), scheduler, clock, api_base=_api_base(),
                  locks=open_web_locks())
    window = InboxWindow(InboxView(js.document), inbox, catalog, clock=clock, scheduler=scheduler)
    window.start()
    _set_state("ready")
    gc.freeze()  # what was built lives as long as the page: keep it out of the collector's scans
    return window
