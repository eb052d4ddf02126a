"""Web Push end to end without the internet: a local receiver plays the push service.

The test subscribes as a browser would (a P-256 key pair and a 16-byte auth secret), decrypts the
``aes128gcm`` body the server sends, and checks the VAPID JWT (audience = the receiver's origin,
expiry, subject) against the public key of ``GET /api/push/config``. A push service answering 410
deletes the subscription; an endpoint outside ``PUSH_SERVICES`` is refused with 422 on ``endpoint``;
with push off the routes say so (404) and the config says ``enabled: false``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.backend.conftest import Location, rows
from tests.support.notify import SUBJECT, VAPID_PUBLIC, WHATSAPP_DIGITS, NotifyChat, wait_until as _wait_until, notify_env, therapist_token
from tests.support.push_browser import BrowserSubscription, check_vapid
from tests.support.receiver import Receiver
from tests.support.server import running_server


@dataclass
class PushServer:
    """One server per engine for this module, pushing to one local push service whose answers each
    test scripts; each test has its own customers (and filters the rows by them)."""

    url: str
    database: Location
    push_service: Receiver
    therapist_token: str

    def chat(self) -> NotifyChat:
        self.push_service.requests.clear()
        self.push_service.scripts.clear()
        return NotifyChat.start(self.url, self.database, self.therapist_token)


@pytest.fixture(scope="module")
def push(new_database: Callable[[], Location]) -> Iterator[PushServer]:
    database = new_database()
    with Receiver() as push_service, \
            running_server(database, env=notify_env(None, webhook=False, push=True,
                                                    push_origin=push_service.origin)) as url:
        yield PushServer(url, database, push_service, therapist_token(database))


def test_a_push_arrives_encrypted_for_the_browser_with_a_vapid_jwt_for_the_push_services_origin(
        push: PushServer) -> None:
    chat, url, push_service = push.chat(), push.url, push.push_service
    with httpx.Client(base_url=url) as client:
        config = client.get("/api/push/config").json()
    assert config == {"enabled": True, "public_key": VAPID_PUBLIC}
    ayu_phone, customer_phone = BrowserSubscription(), BrowserSubscription()
    assert chat.subscribe_therapist(ayu_phone.to_json(push_service.url + "/push/ayu", language="id")).status_code == 201
    assert chat.subscribe_customer(customer_phone.to_json(push_service.url + "/push/ana")).status_code == 201
    assert chat.book(whatsapp_updates=True).status_code == 201
    assert chat.reply("Yes, 3 pm is free").status_code == 201
    received = push_service.wait_for(2, timeout=20)
    sent_at = time.time()
    by_path = {r.path: r for r in received}
    to_ayu = json.loads(ayu_phone.decrypt(by_path["/push/ayu"].body))
    to_ana = json.loads(customer_phone.decrypt(by_path["/push/ana"].body))
    assert set(to_ayu) == {"id", "title", "body", "url", "tag"}
    # The request holds a time (the lifecycle): said in the therapist's zone and language.
    assert to_ayu["title"] == "Permintaan booking baru"
    assert re.fullmatch(r"Ana Putri: \w{3} \d{1,2} \w{3}, \d\d[:.]\d\d WITA, 90 menit", to_ayu["body"]), to_ayu["body"]
    assert to_ayu["url"] == f"/inbox.html?session={chat.session_id}" and to_ayu["tag"].startswith("booking:")
    assert to_ana["title"] == "Ayu Lestari answered" and to_ana["body"] == "Yes, 3 pm is free"
    assert to_ana["url"] == "/index.html?therapist=t-ayu"
    for request in received:
        assert request.headers["content-encoding"] == "aes128gcm" and int(request.headers["ttl"]) > 0
        claims, key = check_vapid(request.headers["authorization"])
        assert key == VAPID_PUBLIC
        assert claims["aud"] == push_service.origin and claims["sub"] == SUBJECT
        assert sent_at < claims["exp"] <= sent_at + 24 * 3600
    assert WHATSAPP_DIGITS not in json.dumps([to_ayu, to_ana]).replace(" ", "")
    with pytest.raises(Exception):  # noqa: B017 - one browser's ciphertext is unreadable with another's keys
        customer_phone.decrypt(by_path["/push/ayu"].body)


def test_a_push_service_answering_410_deletes_the_subscription(push: PushServer) -> None:
    chat, database, push_service = push.chat(), push.database, push.push_service
    customer = chat.another()
    push_service.scripts["/push/gone"] = [410]
    endpoint = push_service.url + "/push/gone"
    assert customer.subscribe_customer(BrowserSubscription().to_json(endpoint)).status_code == 201
    owned = "SELECT COUNT(*) FROM push_subscriptions WHERE owner_id = ?"
    assert rows(database, owned, customer.customer_id) == [(1,)]
    assert customer.send("hello").status_code == 201
    assert customer.reply("hi").status_code == 201
    assert push_service.wait_for(1, timeout=20, where="/push/gone")[0].status == 410
    assert _wait_until(lambda: rows(database, owned, customer.customer_id) == [(0,)])
    mine = "SELECT status FROM notifications WHERE customer_id = ? AND channel = 'push' AND recipient = 'customer'"
    assert _wait_until(lambda: rows(database, mine, customer.customer_id) == [("dropped",)])
    assert customer.reply("still there?").status_code == 201  # no subscription left: nothing to push
    time.sleep(1.0)
    assert len([r for r in push_service.requests if r.path == "/push/gone"]) == 1


def test_a_push_service_answering_429_then_503_is_retried_until_delivered(push: PushServer) -> None:
    chat, database, push_service = push.chat(), push.database, push.push_service
    customer = chat.another()
    push_service.scripts["/push/busy"] = [429, 503]
    assert customer.subscribe_customer(BrowserSubscription().to_json(push_service.url + "/push/busy")).status_code == 201
    assert customer.send("hello").status_code == 201
    assert customer.reply("hi").status_code == 201
    assert [r.status for r in push_service.wait_for(3, timeout=20, where="/push/busy")] == [429, 503, 200]
    mine = "SELECT status, attempts FROM notifications WHERE customer_id = ? AND channel = 'push' AND recipient = 'customer'"
    assert _wait_until(lambda: rows(database, mine, customer.customer_id) == [("delivered", 3)])
    assert rows(database, "SELECT COUNT(*) FROM push_subscriptions WHERE owner_id = ?", customer.customer_id) == [(1,)]


def test_subscriptions_are_stored_once_refused_outside_push_services_and_deleted_by_their_owner(
        push: PushServer) -> None:
    chat, database, push_service, url = push.chat(), push.database, push.push_service, push.url
    count = "SELECT COUNT(*) FROM push_subscriptions WHERE endpoint LIKE '%/push/mine' OR endpoint LIKE '%/push/theirs'"
    browser = BrowserSubscription()
    mine = browser.to_json(push_service.url + "/push/mine")
    assert chat.subscribe_therapist(mine).status_code == 201
    assert chat.subscribe_therapist(mine).status_code == 200
    for endpoint in ("https://evil.example/collect", push_service.url.replace("127.0.0.1", "localhost") + "/x",
                     "http://169.254.169.254/latest/meta-data", "file:///etc/passwd"):
        refused = chat.subscribe_therapist(browser.to_json(endpoint))
        assert refused.status_code == 422, endpoint
        assert [e["field"] for e in refused.json()["errors"]] == ["endpoint"]
    bad_keys = chat.subscribe_therapist({**mine, "keys": {"p256dh": "AAAA", "auth": "AAAA"}})
    assert {e["field"] for e in bad_keys.json()["errors"]} == {"keys.p256dh", "keys.auth"}

    customer = chat.another()
    theirs = BrowserSubscription().to_json(push_service.url + "/push/theirs")
    assert customer.subscribe_customer(theirs).status_code == 201
    stranger = customer.another()
    stranger.customer_id = customer.customer_id  # someone else's customer id, with another token
    assert stranger.subscribe_customer(theirs).status_code == 403
    with httpx.Client(base_url=url) as client:
        # Deleting another owner's subscription deletes nothing (and says 204 all the same).
        assert client.request("DELETE", "/api/therapist/push-subscriptions", headers=chat.therapist_auth,
                              json={"endpoint": theirs["endpoint"]}).status_code == 204
        assert rows(database, count) == [(2,)]
        assert client.request("DELETE", "/api/push-subscriptions", headers=customer.auth,
                              json={"customer_id": customer.customer_id,
                                    "endpoint": theirs["endpoint"]}).status_code == 204
        assert client.request("DELETE", "/api/therapist/push-subscriptions", headers=chat.therapist_auth,
                              json={"endpoint": mine["endpoint"]}).status_code == 204
    assert rows(database, count) == [(0,)]


def test_with_push_off_the_config_says_so_and_subscribing_is_404(new_database: Callable[[], Location]) -> None:
    database = new_database()
    with running_server(database, env=notify_env(None, webhook=False, push=False)) as url:
        chat = NotifyChat.start(url, database)
        with httpx.Client(base_url=url) as client:
            assert client.get("/api/push/config").json() == {"enabled": False, "public_key": None}
        refused = chat.subscribe_therapist(BrowserSubscription().to_json("https://fcm.googleapis.com/fcm/send/x"))
        assert refused.status_code == 404 and "VAPID_PRIVATE_KEY" in refused.json()["detail"]
        assert chat.send("hello").status_code == 201  # and the chat works as before
        assert rows(database, "SELECT COUNT(*) FROM notifications") == [(0,)]
