"""The composition root: build the core with browser adapters, start the window, say "ready".

Example (what ``app/main.py`` does)::

    from app.browser.boot import boot
    boot()
"""

from __future__ import annotations

import gc
import sys
from urllib.parse import quote

import js
import pydantic
from pyodide.ffi import create_proxy, to_js

from app.browser import language, page
from app.browser.chat_panel import ChatPanel
from app.browser.locks import open_web_locks
from app.browser.push import BrowserPushDevice
from app.browser.storage import open_local_storage
from app.browser.timers import BrowserClock, BrowserScheduler
from app.browser.transport import FetchTransport
from app.browser.view import View
from app.browser.booking_panel import BookingPanel
from app.browser.window import ChatWindow
from app.browser.zones import BrowserTimeZones
from app.chat.booking import BookingTracker
from app.chat.conversation import Conversation
from app.chat.poller import Poller
from app.checkout import Checkout
from app.domain import words
from app.domain.catalog import Catalog
from app.domain.errors import StorageError
from app.domain import i18n
from app.domain.i18n import Text
from app.domain.tasks import on_failure, spawn
from app.drafts.session import ChatBookingStorageService
from app.outbox.bookings import BookingSync
from app.outbox.messages import MessageSync
from app.outbox.sender import OutboxSender, api_url
from app.persistence.early_input import EarlyInput
from app.persistence.identity import CustomerIdentity
from app.persistence.keys import CUSTOMER_ID_KEY, EARLY_INPUT_KEY, HAS_BOOKED_KEY
from app.persistence.safe_storage import SafeStorage
from app.push.api import PushApi, PushOwner
from app.push.switch import PushSwitch


def _unknown_therapist(view: View, therapist_id: str) -> None:
    view.notice(Text("We could not find the therapist “{therapist}”. The link may be out of date: please go back "
                     "to the marketplace and open the chat from the therapist's page.", therapist=therapist_id[:64]))
    language.follow(view.relocalize)
    js.document.querySelector("main").hidden = True
    view.el("health").hidden = True


def _remember_booking(storage, window: ChatWindow, tracker: BookingTracker):
    def confirmed(session_id, created) -> None:
        tracker.booked(session_id, created)  # "Your booking" shows the request and follows its status
        if storage is not None:
            try:
                storage.setItem(HAS_BOOKED_KEY, "1")
            except StorageError:
                pass  # only a hint that enables prefill next time; the booking itself is safe
        window.booking_confirmed(session_id, created)
    return confirmed


def boot() -> ChatWindow | None:
    try:
        return _boot()
    finally:
        gc.enable()  # off since app.browser was imported: start-up allocations are not collected


def _boot() -> ChatWindow | None:
    language.start()  # before anything is worded: <html lang>, as static/js/i18n.js decided it
    catalog = Catalog.from_json(page.CATALOG_FILE.read_text())
    therapist_id = str(js.URLSearchParams.new(js.location.search).get("therapist") or "")
    therapist = catalog.find(therapist_id)
    view = View(js.document)
    on_failure(lambda detail: view.notice(words.BACKGROUND_TASK_FAILED.format(detail=detail)))
    js.chatBookingRuntime = to_js({"python": sys.version.split()[0], "pydantic": pydantic.VERSION},
                                  dict_converter=js.Object.fromEntries)
    if therapist is None:
        _unknown_therapist(view, therapist_id)
        page.set_state("ready")
        return None

    storage = open_local_storage()
    returning = _read(storage, CUSTOMER_ID_KEY) is not None
    identity = CustomerIdentity(storage)
    clock, scheduler = BrowserClock(), BrowserScheduler()
    service = ChatBookingStorageService(therapist.id, identity.session_id(therapist.id), storage=storage,
                                        scheduler=scheduler, clock=clock, therapist_name=therapist.name)
    api_base = page.api_base()
    transport = FetchTransport()
    # One sender for everything this page sends (bookings and messages), with the customer's
    # token on every request; one lease and one timer for all of it.
    sender = OutboxSender(storage, transport, scheduler, clock, api_base=api_base,
                          credentials=identity.auth_headers, locks=open_web_locks())
    sync = BookingSync.attached(sender)
    checkout = Checkout(service, sync, identity.customer_id)
    conversation = Conversation(service, MessageSync(sender), storage, clock, customer_id=identity.customer_id)
    poller = Poller(transport, scheduler, clock, cursor=conversation.position.cursor,
                    path=api_url(api_base, f"conversations/{quote(service.session_id, safe='')}/messages"),
                    headers=identity.auth_headers, on_answer=conversation.merge)
    zones = BrowserTimeZones()
    chat = ChatPanel(js.document, service, conversation, poller, clock=clock, therapist_name=therapist.name,
                     show_notice=view.notice, zones=zones)
    tracker = BookingTracker(sender, service.session_id)
    conversation.on_event = tracker.apply_event  # the long poll's booking events: "Your booking" follows
    # What the customer did before Python was ready (static/js/boot.js): their typing, the
    # messages they sent (under the ids the page showed), an Order now press.
    early = EarlyInput.parse(_read(storage, EARLY_INPUT_KEY))
    ours = lambda param: catalog.find(param) is therapist  # noqa: E731 - "?therapist=" as boot.js saw it
    conversation.adopt(early.messages_for(ours))  # before the chat's first render
    window = ChatWindow(view, service, checkout, catalog, therapist, customer_id=identity.customer_id,
                        clock=clock, scheduler=scheduler, api_base=api_base, chat=chat, storage=storage,
                        early_record_at=early.at, push=_push_switch(storage, transport, api_base, identity,
                                                                    service, sync))
    window.booking = BookingPanel(view, service, tracker, therapist, catalog, transport=transport, api_base=api_base,
                                  clock=clock, zones=zones, open_dialog=window._open_dialog,
                                  show_form=window._new_booking, errors_follow=window._errors_follow)
    checkout.on_confirmed = _remember_booking(storage, window, tracker)
    window.start()
    language.follow(window.relocalize)
    _keep_rest(storage, early.rest(ours))  # adopted: the draft, history and outbox hold it now
    page.set_state("ready")
    view.el("order-now").removeAttribute("aria-busy")
    if early.ordered(ours, since_ms=float(js.performance.timeOrigin)):
        window.order_now()  # pressed while loading: checked and queued now, as a press would be
    # Everything built so far lives as long as the page: keep it out of the collector's scans,
    # so a collection during typing or saving stays short.
    gc.freeze()
    js.chatBookingMeasure = create_proxy(lambda kind, n: _measure(window, kind, n))  # for make bench
    js.chatBookingImported = create_proxy(_imported)  # for the stdlib trace (tools/trace_stdlib.py)

    spawn(sync.resume())  # a booking or message queued on an earlier visit goes out now
    if returning and _read(storage, HAS_BOOKED_KEY):
        spawn(window.prefill_from_backend())
    return window


def _push_switch(storage, transport, api_base: str, identity: CustomerIdentity, service,
                 sync: BookingSync) -> PushSwitch:
    """``Notify me when <name> answers``: for this customer's token, once they have sent something
    (a message, or a booking queued or confirmed): before that there is no answer to wait for."""
    def sent_something() -> bool:
        session_id = service.session_id
        return (any(message.sender_type == "customer" for message in service.get_messages())
                or sync.pending(session_id) is not None or sync.confirmation(session_id) is not None)

    return PushSwitch(BrowserPushDevice(), PushApi(transport, api_base), SafeStorage(storage),
                      owner=lambda: PushOwner.customer(identity.customer_id, identity.auth_headers()),
                      language=i18n.language, shown=sent_something)


def _measure(window: ChatWindow, kind: str, n: int) -> str:
    from app.browser import diagnostics  # imported on first use: start-up does not pay for it

    return diagnostics.measure(window, kind, int(n))


def _imported() -> str:
    from app.browser import diagnostics

    return diagnostics.imported_modules()


def _keep_rest(storage, rest: str | None) -> None:
    """Remove the early-input record, or keep only what another therapist's page will adopt."""
    if storage is None:
        return
    try:
        if rest is None:
            storage.removeItem(EARLY_INPUT_KEY)
        else:
            storage.setItem(EARLY_INPUT_KEY, rest)
    except StorageError:
        pass  # blocked storage: there is no record to remove (the core reports the state on the page)


def _read(storage, key: str) -> str | None:
    if storage is None:
        return None
    try:
        return storage.getItem(key)
    except StorageError:
        return None  # blocked storage reads as "nothing stored"; the core reports it on the page
