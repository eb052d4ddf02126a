"""What both pages' composition roots share: where the API is, the catalog file, the boot state.

``index.html`` (``app.browser.boot``) and ``inbox.html`` (``app.browser.inbox_boot``) are two
pages of one site: the same ``<meta name="chatbooking:api-base">`` tells both where the API is,
and both mark ``<html data-app-state>`` the same way for ``static/js/boot.js`` and the tests.

Example::

    set_state("ready")
    api_base()              # "./api" unless the page's meta tag says otherwise
"""

from __future__ import annotations

from pathlib import Path

import js

# static/data/therapists.json, as the app's wheel carries it (tools/build_app.py): no request of its own.
CATALOG_FILE = Path(__file__).resolve().parent.parent / "data" / "therapists.json"
DEFAULT_API_BASE = "./api"


def api_base() -> str:
    meta = js.document.querySelector("meta[name='chatbooking:api-base']")
    value = str(meta.content).strip() if meta else ""  # jsnull (falsy) when the tag is missing
    return value or DEFAULT_API_BASE


def set_state(state: str) -> None:
    """``loading`` → ``ready`` (or ``error``, set by boot.js); the boot status shows while loading."""
    js.document.documentElement.dataset.appState = state
    status = js.document.getElementById("boot-status")
    if status:
        status.hidden = state != "loading"
