"""The signed webhook, through the real server on both engines, to a real local HTTP receiver.

Retries carry the same id and a valid signature each time; a kill -9 between the commit and the
delivery loses nothing; two processes on PostgreSQL deliver every row once; a message read within
NOTIFY_DELAY is not sent; the customer's number travels only with their consent; a receiver that
never answers holds up neither requests nor other deliveries.
"""

from __future__ import annotations

import json
from datetime import datetime
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.backend.conftest import Location, rows
from tests.support.notify import SECRET, WHATSAPP_DIGITS, NotifyChat, wait_until as _wait_until, notify_env, therapist_token
from tests.support.push_browser import BrowserSubscription, webhook_signature_ok
from tests.support.receiver import Receiver, refused_port
from tests.support.server import running_server, start_server, stop_server


def _bodies(receiver: Receiver, where: str = "/hook") -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests if r.path.startswith(where)]


def test_a_receiver_answering_500_twice_then_200_gets_the_same_id_each_time_with_a_valid_signature(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    with Receiver(answers=[500, 500]) as receiver, \
            running_server(database, env=notify_env(receiver)) as url:
        chat = NotifyChat.start(url, database)
        assert chat.book().status_code == 201
        attempts = receiver.wait_for(3, timeout=30)
        assert [a.status for a in attempts] == [500, 500, 200]
        bodies = [json.loads(a.body) for a in attempts]
        assert len({b["id"] for b in bodies}) == 1
        assert all(a.body == attempts[0].body for a in attempts)  # byte for byte the same body
        assert all(webhook_signature_ok(a.headers["chat-booking-signature"], a.body, SECRET) for a in attempts)
        assert not webhook_signature_ok(attempts[0].headers["chat-booking-signature"], attempts[0].body + b" ",
                                        SECRET)
        body = bodies[0]
        assert body["type"] == "booking_requested" and body["therapist_id"] == "t-ayu"
        assert body["session_id"] == chat.session_id and body["recipient"]["type"] == "therapist"
        assert body["booking"]["status"] == "requested" and body["booking"]["reference"].startswith("bk_")
        assert body["occurred_at"].endswith("Z") and "Ana Putri" in body["text"]
        assert _wait_until(lambda: rows(database, "SELECT status, attempts FROM notifications WHERE id = ?",
                                        body["id"]) == [("delivered", 3)])
        time.sleep(1.0)
        assert len(receiver.requests) == 3  # nothing after the 200
        with httpx.Client(base_url=url) as client:
            counts = client.get("/api/health").json()["notifications"]
        assert counts == {"pending": 0, "delivered": 1, "failed": 0, "dropped": 0}


def test_a_redirect_is_not_followed_but_counts_as_a_failed_attempt(new_database: Callable[[], Location]) -> None:
    database = new_database()
    with Receiver(answers=[307]) as receiver, running_server(database, env=notify_env(receiver)) as url:
        assert NotifyChat.start(url, database).book().status_code == 201
        attempts = receiver.wait_for(2, timeout=20)
        time.sleep(0.5)
    assert [(a.path, a.status) for a in attempts] == [("/hook", 307), ("/hook", 200)]
    assert not [r for r in receiver.requests if r.path == "/redirected"]


def test_a_row_that_runs_out_of_attempts_is_failed_with_its_last_error_in_the_report(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    with Receiver(default=503) as receiver, \
            running_server(database, env=notify_env(receiver, NOTIFY_MAX_ATTEMPTS="2",
                                                    NOTIFY_RETRY_BASE="0.1")) as url:
        assert NotifyChat.start(url, database).book().status_code == 201
        receiver.wait_for(2, timeout=20)
        assert _wait_until(lambda: rows(database, "SELECT status FROM notifications") == [("failed",)])
        with httpx.Client(base_url=url) as client:
            assert client.get("/api/health").json()["notifications"]["failed"] == 1
    import subprocess
    import sys

    from tests.support.server import ROOT
    report = subprocess.run([sys.executable, "-m", "backend", "notifications"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "DATABASE_URL": str(database)}, timeout=60)
    assert report.returncode == 0, report.stderr
    assert "pending: 0 delivered: 0 failed: 1" in report.stdout
    assert "webhook answered 503" in report.stdout and "after 2 attempt(s)" in report.stdout


def test_with_the_receiver_down_a_kill_9_loses_nothing_and_the_restart_delivers_each_once(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    port = refused_port()
    receiver = Receiver(port=port)  # down: nobody listens on its port yet
    env = notify_env(receiver, NOTIFY_RETRY_BASE="0.2")
    server = start_server(database, env=env)
    try:
        chat = NotifyChat.start(server.url, database)
        assert chat.book().status_code == 201
        assert chat.send("Are you free tonight?").status_code == 201
        # Both rows were tried and failed (connection refused), and are waiting for their retry.
        assert _wait_until(lambda: rows(database, "SELECT COUNT(*) FROM notifications WHERE status = 'pending'"
                                                  " AND attempts >= 1 AND last_error IS NOT NULL") == [(2,)],
                           timeout=45)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    finally:
        if server.process.poll() is None:
            server.process.kill()
    ids = {row[0] for row in rows(database, "SELECT id FROM notifications")}
    receiver.start()
    try:
        restarted = start_server(database, env=env)
        try:
            # (a row leased by the killed process is due again when its lease ends: 2 x timeout + 30 s)
            assert len(receiver.wait_for(2, timeout=60)) >= 2
            time.sleep(1.5)  # would a second copy come?
        finally:
            stop_server(restarted)
    finally:
        receiver.stop()
    delivered = [body["id"] for body in _bodies(receiver)]
    assert sorted(delivered) == sorted(ids)  # each once
    assert rows(database, "SELECT DISTINCT status FROM notifications") == [("delivered",)]


def test_two_api_processes_on_postgresql_deliver_200_events_200_times_with_200_ids(
        engine: str, new_database: Callable[[], Location]) -> None:
    if engine != "postgresql":
        pytest.skip("several API processes need PostgreSQL (SQLite serves from one)")
    database = new_database()
    with Receiver() as receiver:
        env = notify_env(receiver, NOTIFY_POLL="0.05")
        first, second = start_server(database, env=env), start_server(database, env=env)
        try:
            token = therapist_token(database)
            chats = [NotifyChat.start(server.url, database, token) for server in (first, second) for _ in range(10)]
            chats = [chat for chat in chats for _ in range(10)]  # 20 customers x 10 messages, half per process
            with ThreadPoolExecutor(8) as pool:
                assert all(r.status_code == 201 for r in pool.map(lambda c: c.send("hi"), chats))
            assert len(receiver.wait_for(200, timeout=60)) == 200
            time.sleep(1.5)  # a duplicate would arrive now
        finally:
            stop_server(first)
            stop_server(second)
    ids = [body["id"] for body in _bodies(receiver)]
    assert len(ids) == 200 and len(set(ids)) == 200
    assert rows(database, "SELECT status, COUNT(*) FROM notifications GROUP BY status") == [("delivered", 200)]


def test_a_message_read_within_notify_delay_is_not_sent_and_an_unread_one_is(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    with Receiver() as receiver, \
            running_server(database, env=notify_env(receiver, NOTIFY_DELAY="1.5")) as url:
        read = NotifyChat.start(url, database)
        unread = read.another()
        assert read.send("Seen at once").status_code == 201
        assert unread.send("Nobody looked").status_code == 201
        assert read.therapist_reads().status_code == 200
        reply = read.reply("On my way")  # the customer's page shows it at once: read too
        assert reply.status_code == 201
        assert read.customer_reads(reply.json()["seq"]).status_code == 200
        received = receiver.wait_for(1, timeout=10)
        time.sleep(2.0)  # past the delay of all three
    texts = [body["text"] for body in _bodies(receiver)]
    assert texts == ["Nobody looked"], texts
    assert received and json.loads(received[0].body)["session_id"] == unread.session_id
    dropped = rows(database, "SELECT type, last_error FROM notifications WHERE status = 'dropped' ORDER BY type")
    assert dropped == [("message", "read before it was sent"), ("reply", "read before it was sent")]


def test_without_consent_no_webhook_body_has_the_phone_number_and_with_it_only_the_customers_has(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    with Receiver() as receiver, running_server(database, env=notify_env(receiver)) as url:
        quiet = NotifyChat.start(url, database)
        assert quiet.book(whatsapp_updates=False).status_code == 201
        assert quiet.send("hello").status_code == 201
        assert quiet.reply("hi there").status_code == 201
        receiver.wait_for(3, timeout=15)
        assert len(receiver.requests) == 3
        assert not any(WHATSAPP_DIGITS in r.body.replace(b" ", b"").decode() for r in receiver.requests)
        receiver.requests.clear()

        consenting = quiet.another()
        assert consenting.book(whatsapp_updates=True).status_code == 201
        assert consenting.reply("See you at 3").status_code == 201
        receiver.wait_for(2, timeout=15)
    by_type = {body["type"]: body for body in _bodies(receiver)}
    assert "whatsapp" not in by_type["booking_requested"]["recipient"]  # to the therapist: never
    assert by_type["reply"]["recipient"]["whatsapp"].replace(" ", "") == "+" + WHATSAPP_DIGITS


def test_a_receiver_that_never_answers_holds_up_neither_requests_nor_push_deliveries(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    with Receiver(hang=True) as webhook, Receiver() as push_service:
        env = notify_env(webhook, push=True, push_origin=push_service.origin, NOTIFY_WEBHOOK_TIMEOUT="60",
                         NOTIFY_CONCURRENCY="2")
        with running_server(database, env=env) as url:
            chat = NotifyChat.start(url, database)
            assert chat.subscribe_therapist(BrowserSubscription().to_json(push_service.url + "/push/1")).status_code == 201
            started = time.monotonic()
            for n in range(10):  # five times as many webhook rows as webhook threads
                assert chat.send(f"message {n}").status_code == 201
            with httpx.Client(base_url=url, timeout=30) as client:
                assert client.get("/api/health").status_code == 200
            requests_took = time.monotonic() - started
            pushes = push_service.wait_for(10, timeout=20)
            pushes_took = time.monotonic() - started
            hanging = len(webhook.requests)
    assert len(pushes) == 10
    assert hanging == 2  # the webhook's two threads wait; the other eight rows wait their turn
    # Generous bounds (a busy 2-core machine): a held request or push would take the full 60 s timeout.
    assert requests_took < 20 and pushes_took < 30, (requests_took, pushes_took)


def test_each_status_change_reaches_the_side_that_did_not_make_it_once(
        new_database: Callable[[], Location]) -> None:
    """The lifecycle writes its notifications in the change's own transaction (booking_events.record):
    the therapist accepts → the customer hears; the customer cancels → the therapist hears; a request
    nobody answers → both hear that it expired."""
    database = new_database()
    with Receiver() as receiver, running_server(database, env=notify_env(
            receiver, BOOKING_REQUEST_TTL="3", BOOKING_SWEEP_INTERVAL="0.5")) as url:
        chat = NotifyChat.start(url, database)
        accepted = chat.book()
        assert accepted.status_code == 201
        booking_id = accepted.json()["id"]
        with httpx.Client(base_url=url, timeout=30) as client:
            answer = client.post(f"/api/therapist/bookings/{booking_id}/accept", json={},
                                 headers={**chat.therapist_auth, "Idempotency-Key": "accept-1"})
            assert answer.status_code == 200, answer.text
            cancelled = client.post(f"/api/bookings/{booking_id}/cancel", json={"reason": "Flight moved"},
                                    headers={**chat.auth, "Idempotency-Key": "cancel-1"})
            assert cancelled.status_code == 200, cancelled.text
        later = chat.another()
        assert later.book().status_code == 201  # nobody answers this one: it expires after 3 s
        assert _wait_until(lambda: len(_bodies(receiver)) >= 6, timeout=30), _bodies(receiver)
        time.sleep(1.0)  # would a second copy come?
    seen = sorted((b["type"], b["recipient"]["type"], b["booking"]["status"]) for b in _bodies(receiver))
    assert seen == sorted([
        ("booking_requested", "therapist", "requested"), ("booking_confirmed", "customer", "confirmed"),
        ("booking_cancelled", "therapist", "cancelled"), ("booking_requested", "therapist", "requested"),
        ("booking_expired", "customer", "expired"), ("booking_expired", "therapist", "expired")]), seen
    assert len({b["id"] for b in _bodies(receiver)}) == 6
    cancel = next(b for b in _bodies(receiver) if b["type"] == "booking_cancelled")
    assert "Flight moved" in cancel["text"]


def test_a_confirmed_booking_gets_a_reminder_for_both_before_its_start_and_a_cancel_drops_it(
        new_database: Callable[[], Location]) -> None:
    database = new_database()
    with Receiver() as receiver, running_server(database, env=notify_env(receiver, REMINDER_MINUTES="30")) as url:
        chat = NotifyChat.start(url, database)
        booked = chat.book()
        assert booked.status_code == 201
        booking = booked.json()
        with httpx.Client(base_url=url, timeout=30) as client:
            assert client.post(f"/api/therapist/bookings/{booking['id']}/accept", json={},
                               headers={**chat.therapist_auth, "Idempotency-Key": "accept-r"}).status_code == 200
            start_ms = round(datetime.fromisoformat(booking["starts_at"]).timestamp() * 1000)
            reminders = rows(database, "SELECT recipient, status, next_attempt_at FROM notifications"
                                       " WHERE type = 'reminder' ORDER BY recipient")
            assert reminders == [("customer", "pending", start_ms - 1_800_000),
                                 ("therapist", "pending", start_ms - 1_800_000)], reminders
            assert client.post(f"/api/bookings/{booking['id']}/cancel", json={},
                               headers={**chat.auth, "Idempotency-Key": "cancel-r"}).status_code == 200
    assert rows(database, "SELECT DISTINCT status FROM notifications WHERE type = 'reminder'") == [("dropped",)]
