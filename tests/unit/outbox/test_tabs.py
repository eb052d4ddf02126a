"""Two tabs, one outbox entry: the tab that delivered it tells the other through the lock table.

localStorage reaches another tab's renderer a few milliseconds late, so right after one tab
delivered an entry (and removed it) the other may still read it, take the send lock the first
one just let go, and send it once more. The delivering tab holds a "sent" lock for a while;
the browser's lock table is the same for every tab at once, so the second tab asks it first.
"""

from __future__ import annotations

import asyncio
import json

from app.domain.ports import HttpResponse
from app.outbox.messages import CUSTOMER_KIND, MessageSync
from app.outbox.sender import DONE_PREFIX, OutboxSender
from app.outbox.store import Outbox
from app.persistence.keys import OUTBOX_KEY
from tests.support.fakes import FakeClock, FakeLocks, FakeScheduler, FakeStorage, FakeTransport

SESSION = "session_t-ayu_c1"


def stored(method, url, headers, body):
    message = json.loads(body)
    return HttpResponse(201, json.dumps({**message, "session_id": SESSION, "server_time": 1, "seq": 1}), {})


def tab(storage: FakeStorage, held: set[str]) -> tuple[OutboxSender, MessageSync, FakeTransport]:
    scheduler = FakeScheduler(FakeClock())
    transport = FakeTransport(stored)
    sender = OutboxSender(storage, transport, scheduler, scheduler.clock, spawn=lambda c: c.close(),
                          locks=FakeLocks(held))
    return sender, MessageSync(sender, kind=CUSTOMER_KIND), transport


def body(message_id: str) -> dict:
    return {"id": message_id, "sender_id": "c1", "sender_type": "customer", "message": "Hello", "timestamp": 1}


def test_a_tab_whose_storage_still_shows_an_entry_another_tab_delivered_does_not_send_it() -> None:
    held: set[str] = set()
    first_sender, first, first_transport = tab(FakeStorage(), held)
    first.queue(SESSION, "m1", body("m1"))
    stale = first_sender.storage.getItem(OUTBOX_KEY)  # what the second tab still reads
    second_sender, _, second_transport = tab(FakeStorage({OUTBOX_KEY: stale}), held)

    async def both() -> list:
        await first_sender.send(Outbox(first_sender.storage).find("m1"))
        return await second_sender.retry_now()

    results = asyncio.run(both())
    assert len(first_transport.requests) == 1 and first_sender.outbox.find("m1") is None
    assert DONE_PREFIX + "m1" in held
    assert second_transport.requests == [], "the second tab sent an entry the first had delivered"
    assert [r.idempotency_key for r in results] == ["m1"]
    # Nor does its timer try again while its copy of storage catches up.
    asyncio.run(second_sender.retry_now())
    assert second_transport.requests == []


def test_without_a_delivery_elsewhere_the_second_tab_sends_it() -> None:
    held: set[str] = set()
    first_sender, first, _ = tab(FakeStorage(), held)
    first.queue(SESSION, "m2", body("m2"))
    copy = FakeStorage({OUTBOX_KEY: first_sender.storage.getItem(OUTBOX_KEY)})
    second_sender, _, second_transport = tab(copy, held)
    asyncio.run(second_sender.retry_now())
    assert len(second_transport.requests) == 1 and DONE_PREFIX + "m2" in held
