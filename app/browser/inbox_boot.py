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

import js

from app.browser import language
from app.browser.inbox_view import InboxView
from app.browser.inbox_window import InboxWindow
from app.browser.locks import open_web_locks
from app.browser.page import CATALOG_FILE, api_base, set_state
from app.browser.push import BrowserPushDevice
from app.browser.storage import open_local_storage
from app.browser.timers import BrowserClock, BrowserScheduler
from app.browser.transport import FetchTransport
from app.domain import i18n
from app.domain.catalog import Catalog
from app.inbox.inbox import Inbox, InboxState
from app.persistence.early_input import EarlyReplies
from app.persistence.keys import INBOX_EARLY_INPUT_KEY
from app.push.api import PushApi, PushOwner
from app.push.switch import PushSwitch


def boot() -> InboxWindow:
    language.start()  # before anything is worded: <html lang>, as static/js/i18n.js decided it
    catalog = Catalog.from_json(CATALOG_FILE.read_text())
    clock, scheduler = BrowserClock(), BrowserScheduler()
    inbox = Inbox(open_local_storage(), FetchTransport(), scheduler, clock, api_base=api_base(),
                  locks=open_web_locks())
    # Replies sent (and typing) before Python was ready (static/js/early-reply.js): into the outbox
    # and the draft under the ids the page showed, before the first render; then the record goes.
    inbox.adopt_early(EarlyReplies.parse(inbox.store.get(INBOX_EARLY_INPUT_KEY)))
    inbox.store.remove(INBOX_EARLY_INPUT_KEY)
    window = InboxWindow(InboxView(js.document), inbox, catalog, clock=clock, scheduler=scheduler,
                         push=_push_switch(inbox))
    window.start()
    language.follow(window.relocalize)
    set_state("ready")
    gc.freeze()  # what was built lives as long as the page: keep it out of the collector's scans
    return window


def _push_switch(inbox: Inbox) -> PushSwitch:
    """``Notify me on this device``: for the signed-in therapist, with their token (app.push.switch)."""
    def owner() -> PushOwner | None:
        credentials = inbox.auth.credentials
        if credentials is None or inbox.state is not InboxState.SIGNED_IN:
            return None
        return PushOwner.therapist(credentials.therapist_id, inbox.auth.headers())

    return PushSwitch(BrowserPushDevice(), PushApi(inbox.transport, inbox.api_base), inbox.store, owner=owner,
                      language=i18n.language)
