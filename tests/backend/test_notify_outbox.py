"""The outbox's rules, called as the lifecycle will call them (services without HTTP), on both engines:
which rows an event writes, to whom, when they are due, what they say, and what they never say."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from app.domain.models import BookingCreated, BookingRequest
from backend.core.clock import now_ms
from backend.core.config import Settings
from backend.crud import notifications as crud
from backend.db.engine import Database, transaction
from backend.services.notifications import Outbox, booking_requested_event, reminder_event, status_event
from tests.support.notify import WHATSAPP_DIGITS
from tests.support.push_browser import BrowserSubscription

WITA = timezone(timedelta(hours=8))
ON = Settings(NOTIFY_WEBHOOK_URL="https://hooks.example/notify", NOTIFY_WEBHOOK_SECRET="s",
              VAPID_PRIVATE_KEY="IPLFTeWWN2uEYW35hZV9QK18dGN398KbrIH3xzwIZbs", VAPID_SUBJECT="mailto:o@example.com",
              PUSH_SERVICES="https://push.example")


def _created(*, whatsapp_updates: bool = False, hours_ahead: float = 5) -> BookingCreated:
    starts = (datetime.now(WITA) + timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
    request = BookingRequest(therapist_id="t-ayu", therapist_name="Ayu Lestari", customer_id=str(uuid.uuid4()),
                             customer_name="Ana Putri", customer_whatsapp="+62 812 3456 7890", duration=90,
                             price=475000, location_type="villa", massage_for="partner", address="Villa Kayu",
                             starts_at=starts, whatsapp_updates=whatsapp_updates)
    return BookingCreated(id="bk_" + uuid.uuid4().hex[:16], created_at=now_ms(), booking=request,
                          starts_at=starts, time_zone="Asia/Makassar", time_zone_label="WITA")


def _enqueue(database: Database, outbox: Outbox, event) -> list:  # noqa: ANN001
    with database.connection() as conn:
        with transaction(conn):
            outbox.enqueue(conn, event)
        return list(conn.execute(text(
            "SELECT id, type, channel, recipient, endpoint, next_attempt_at, payload FROM notifications"
            " WHERE event_key = :k ORDER BY recipient, channel"), {"k": event.key}))


def _subscribe(database: Database, owner_type: str, owner_id: str, path: str) -> None:
    browser = BrowserSubscription()
    with database.connection() as conn, transaction(conn):
        crud.save_subscription(conn, crud.PushSubscription(f"https://push.example/{path}", owner_type, owner_id,
                                                           browser.p256dh, "A" * 22, "en"), now_ms())


def test_a_status_change_goes_to_the_side_that_did_not_cause_it_and_to_both_when_the_system_did() -> None:
    created = _created()
    assert status_event(created, "confirmed", "therapist").recipients == ("customer",)
    assert status_event(created, "declined", "therapist", reason="Too far").recipients == ("customer",)
    assert status_event(created, "cancelled", "customer").recipients == ("therapist",)
    assert status_event(created, "cancelled", "therapist").recipients == ("customer",)
    assert status_event(created, "expired", "system").recipients == ("therapist", "customer")
    assert status_event(created, "completed", "therapist") is None
    assert status_event(created, "requested", "customer") is None


def test_an_event_writes_one_row_per_recipient_and_channel_once_with_stable_ids(database: Database) -> None:
    outbox = Outbox(ON)
    created = _created()
    _subscribe(database, "therapist", "t-ayu-" + created.id, "ayu-phone")  # another owner: not told
    _subscribe(database, "customer", created.booking.customer_id, "ana-phone")
    _subscribe(database, "customer", created.booking.customer_id, "ana-laptop")
    event = status_event(created, "confirmed", "therapist")
    written = _enqueue(database, outbox, event)
    assert sorted((r.recipient, r.channel, r.endpoint or "") for r in written) == [
        ("customer", "push", "https://push.example/ana-laptop"), ("customer", "push", "https://push.example/ana-phone"),
        ("customer", "webhook", "")]
    again = _enqueue(database, outbox, event)  # the same event twice (a replay): nothing new
    assert sorted(r.id for r in again) == sorted(r.id for r in written)
    push = json.loads(next(r.payload for r in written if r.channel == "push"))
    assert push["title"] == "Booking confirmed"
    assert push["body"].startswith("Ayu Lestari confirmed your booking for ") and push["body"].endswith(" WITA")
    assert push["tag"] == f"booking:{created.id}"


def test_the_phone_number_is_only_in_the_customers_webhook_body_and_only_with_consent(database: Database) -> None:
    outbox = Outbox(ON)
    for consent in (False, True):
        created = _created(whatsapp_updates=consent)
        _subscribe(database, "customer", created.booking.customer_id, f"c-{uuid.uuid4()}")
        _subscribe(database, "therapist", "t-ayu", f"t-{uuid.uuid4()}")
        rows = _enqueue(database, outbox, status_event(created, "expired", "system"))
        with_number = {(r.recipient, r.channel) for r in rows if WHATSAPP_DIGITS in r.payload.replace(" ", "")}
        assert with_number == ({("customer", "webhook")} if consent else set())


def test_a_reminder_is_due_reminder_minutes_before_the_start_and_dropped_when_the_booking_is_not_kept(
        database: Database) -> None:
    outbox = Outbox(ON)
    created = _created(hours_ahead=5)
    event = reminder_event(created, 60)
    assert event is not None and event.recipients == ("therapist", "customer")
    rows = _enqueue(database, outbox, event)
    expected = (created.starts_at - timedelta(minutes=60)).timestamp() * 1000
    assert {r.next_attempt_at for r in rows} == {int(expected)}
    with database.connection() as conn, transaction(conn):
        assert outbox.drop_reminder(conn, created.id) == len(rows)
    assert reminder_event(_created(hours_ahead=0.5), 60) is None  # its moment has passed


def test_a_booking_request_is_due_at_once_and_names_the_time_in_the_therapists_zone(database: Database) -> None:
    created = _created()
    rows = _enqueue(database, Outbox(ON), booking_requested_event(created))
    assert [r.recipient for r in rows] == ["therapist"]
    assert rows[0].next_attempt_at <= now_ms()
    body = json.loads(rows[0].payload)
    assert body["booking"]["time"] == created.starts_at.isoformat() and body["booking"]["status"] == "requested"
    assert body["text"].startswith("Ana Putri: ") and "WITA, 90 min" in body["text"]


def test_with_no_channel_on_nothing_is_written(database: Database) -> None:
    event = booking_requested_event(_created())
    assert _enqueue(database, Outbox(Settings()), event) == []
