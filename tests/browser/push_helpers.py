"""Web Push in the browser tests: a stand-in for the browser's push service subscription, and pushes
delivered to the real service worker through the DevTools protocol.

Headless Chromium cannot reach a real push service (FCM) from here, so ``subscription_stub`` replaces
``PushManager.prototype.subscribe`` / ``getSubscription`` in the page: ``subscribe`` returns a
subscription-like object (``toJSON``, ``unsubscribe``) for an endpoint on the tests' local push
service, with a real P-256 key pair and auth secret, as a browser's is; it records the options the
page passed (``userVisibleOnly``, the ``applicationServerKey``) and keeps the subscription in
``localStorage`` under ``test:push``, so it survives a reload like the browser's does. Everything
else (the permission, the service worker, ``showNotification``) is the browser's own.

Example::

    context.add_init_script(subscription_stub(push_service.origin))
    context.grant_permissions(["notifications"])
    worker = PushedWorker(context, page)           # before the page is opened
    ...
    worker.push({"id": "n1", "title": "Ayu answered", "body": "Yes", "url": "/?therapist=t-ayu", "tag": "t"})
    worker.notifications()                         # [{"title": "Ayu answered", "body": "Yes", ...}]
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

from tests.support.push_browser import BrowserSubscription

STUB_KEY = "test:push"


def subscription_stub(push_origin: str) -> str:
    # A real P-256 key and auth secret, as a browser makes them (the server checks their shape).
    subscription = BrowserSubscription().to_json(f"{push_origin}/push/{uuid.uuid4().hex}")
    return """(() => {
  if (!self.PushManager) return;
  const KEY = %(key)s, DATA = %(data)s;
  const read = (name) => { try { return JSON.parse(localStorage.getItem(name)); } catch (e) { return null; } };
  const state = () => read(KEY) || {};
  const save = (value) => localStorage.setItem(KEY, JSON.stringify(value));
  const subscription = (data) => ({
    endpoint: data.endpoint, expirationTime: null, options: {userVisibleOnly: true},
    toJSON: () => data,
    unsubscribe: () => { save({...state(), subscription: null}); return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    const base64 = btoa(String.fromCharCode(...key)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    save({subscription: DATA, options: {userVisibleOnly: options.userVisibleOnly, applicationServerKey: base64}});
    return Promise.resolve(subscription(DATA));
  };
  PushManager.prototype.getSubscription = function () {
    const data = state().subscription;
    return Promise.resolve(data ? subscription(data) : null);
  };
})();""" % {"key": json.dumps(STUB_KEY), "data": json.dumps(subscription)}


def stub_state(page: Page) -> dict[str, Any]:
    """What the stub saw: ``{"subscription": {...} | None, "options": {...}}``."""
    return page.evaluate("k => JSON.parse(localStorage.getItem(k) || '{}')", STUB_KEY)


class PushedWorker:
    """The page's service worker, as DevTools sees it: its registration id, pushes, notifications."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.page = page
        self.cdp = context.new_cdp_session(page)
        self.registrations: list[dict[str, Any]] = []
        self.cdp.on("ServiceWorker.workerRegistrationUpdated",
                    lambda event: self.registrations.extend(event["registrations"]))
        self.cdp.send("ServiceWorker.enable")

    def registration_id(self, origin: str) -> str:
        self.page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            live = [r for r in self.registrations if not r.get("isDeleted") and r["scopeURL"].startswith(origin)]
            if live:
                return live[-1]["registrationId"]
            self.page.wait_for_timeout(50)  # lets Playwright dispatch the DevTools events
        raise AssertionError(f"no service worker registration seen for {origin}: {self.registrations}")

    def push(self, origin: str, payload: dict[str, Any]) -> None:
        self.cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": origin, "registrationId": self.registration_id(origin), "data": json.dumps(payload)})

    def notifications(self) -> list[dict[str, Any]]:
        return self.page.evaluate("""() => navigator.serviceWorker.ready
            .then(registration => registration.getNotifications())
            .then(shown => shown.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data})))""")


def stored_subscriptions(database: Path) -> list[dict[str, Any]]:
    """The server's push_subscriptions rows (the real SQLite file the test server uses)."""
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT endpoint, owner_type, owner_id, p256dh, auth, language "
                                  "FROM push_subscriptions").fetchall()
    return [dict(row) for row in rows]
