"""The inbox core under CPython: signing in, the cached list, reply drafts, replies once, read marks, 401s.

Everything runs against ``FakeInboxApi`` (shaped like the therapist API) through
``FakeTransport``; long polls really wait (on an ``asyncio.Event``) until the fake changes, so
``settle()`` lets every task run until nothing is left to do but wait.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any

from app.domain import words
from app.domain.retention import DAY_MS
from app.inbox.inbox import Inbox, InboxState
from app.persistence.early_input import EarlyReplies
from app.persistence.keys import INBOX_CONVERSATIONS_KEY, THERAPIST_TOKEN_KEY, reply_key
from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage
from tests.unit.inbox.fake_api import GOOD_TOKEN, FakeInboxApi


def async_test(fn: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    @functools.wraps(fn)
    def run() -> None:
        asyncio.run(asyncio.wait_for(fn(), timeout=5))

    return run


async def settle(rounds: int = 50) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


class Page:
    """One page load: an inbox on shared storage (a reload is a new ``Page`` on the same data)."""

    def __init__(self, api: FakeInboxApi, data: dict[str, str] | None = None, *, days_later: float = 0) -> None:
        self.api = api
        self.data = {} if data is None else data
        self.storage = FakeStorage(self.data)
        self.scheduler = FakeScheduler(FakeClock())
        self.scheduler.clock.set_ms(self.scheduler.clock.now_ms() + round(days_later * DAY_MS))
        self.transport = api.transport()
        self.inbox = Inbox(self.storage, self.transport, self.scheduler, self.scheduler.clock, api_base="./api")
        self.inbox.start()

    def reload(self, *, days_later: float = 0) -> Page:
        """The same data, opened again (``days_later`` days after this page's clock started)."""
        self.inbox.set_visible(False)  # pagehide: drafts flushed, pollers stop
        return Page(self.api, self.data, days_later=days_later)


async def signed_in(api: FakeInboxApi, data: dict[str, str] | None = None) -> Page:
    page = Page(api, data)
    assert await page.inbox.sign_in(GOOD_TOKEN)
    await settle()
    return page


@async_test
async def test_a_known_token_signs_in_and_is_kept_on_the_device() -> None:
    page = await signed_in(FakeInboxApi())
    assert page.inbox.state is InboxState.SIGNED_IN
    assert page.inbox.auth.credentials.name == "Ayu Lestari"
    assert THERAPIST_TOKEN_KEY in page.data
    again = page.reload()
    assert again.inbox.state is InboxState.SIGNED_IN  # no sign-in on the next visit


@async_test
async def test_a_wrong_token_gets_a_clear_message_and_nothing_is_stored() -> None:
    page = Page(FakeInboxApi())
    assert not await page.inbox.sign_in("not-a-token-at-all-123456")
    assert page.inbox.state is InboxState.SIGNED_OUT
    assert page.inbox.message == words.INBOX_TOKEN_WRONG
    assert THERAPIST_TOKEN_KEY not in page.data


@async_test
async def test_an_empty_token_or_no_network_say_so() -> None:
    page = Page(FakeInboxApi())
    assert not await page.inbox.sign_in("   ")
    assert page.inbox.message == words.INBOX_TOKEN_MISSING
    page.transport.offline = True
    assert not await page.inbox.sign_in(GOOD_TOKEN)
    assert page.inbox.message == words.INBOX_SIGN_IN_OFFLINE


@async_test
async def test_the_token_stays_until_sign_out_which_removes_it_and_the_cached_list() -> None:
    api = FakeInboxApi()
    api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page = page.reload()
    await settle()
    assert page.inbox.state is InboxState.SIGNED_IN
    page.inbox.sign_out()
    assert page.inbox.state is InboxState.SIGNED_OUT and page.inbox.message == words.INBOX_SIGNED_OUT
    assert THERAPIST_TOKEN_KEY not in page.data and INBOX_CONVERSATIONS_KEY not in page.data
    assert page.inbox.auth.headers() == {}


@async_test
async def test_blocked_storage_keeps_the_token_for_this_tab_and_says_so() -> None:
    page = Page(FakeInboxApi())
    page.storage.unavailable = True
    assert await page.inbox.sign_in(GOOD_TOKEN)
    assert page.inbox.state is InboxState.SIGNED_IN
    assert page.inbox.persistent is False  # the page shows words.INBOX_NOT_PERSISTENT
    assert page.inbox.auth.headers() == {"Authorization": f"Bearer {GOOD_TOKEN}"}


@async_test
async def test_the_list_is_cached_so_the_next_visit_opens_offline_with_it() -> None:
    api = FakeInboxApi()
    api.add_customer_message("c1", "Hello")
    api.add_customer_message("c2", "Is 3 pm free?")
    page = await signed_in(api)
    assert [c.last_message for c in page.inbox.conversations.items] == ["Is 3 pm free?", "Hello"]
    assert page.inbox.conversations.items[0].display_name == words.NEW_CUSTOMER
    page.inbox.set_visible(False)

    offline = Page(api, page.data)
    offline.transport.offline = True
    await settle()
    assert [c.last_message for c in offline.inbox.conversations.items] == ["Is 3 pm free?", "Hello"]
    assert offline.inbox.conversations.from_cache and offline.inbox.offline


@async_test
async def test_the_list_updates_live_when_a_customer_writes() -> None:
    api = FakeInboxApi()
    api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    api.add_customer_message("c2", "Me too")
    await settle()
    assert [c.session_id for c in page.inbox.conversations.items][0] == "session_t-ayu_c2"


@async_test
async def test_a_reply_draft_survives_a_new_page_and_is_written_after_a_pause() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page.inbox.open_conversation(session)
    page.inbox.drafts.update(session, "See you at")
    assert reply_key(session) not in page.data  # not on every keystroke
    page.scheduler.advance(0.3)
    assert reply_key(session) in page.data
    page.inbox.drafts.update(session, "See you at 3")
    again = page.reload()  # within the debounce: the pagehide flush keeps it
    assert again.inbox.drafts.text(session) == "See you at 3"


@async_test
async def test_a_reply_draft_is_kept_7_days_after_its_last_edit_then_removed_at_page_load() -> None:
    api = FakeInboxApi()
    old, recent = api.add_customer_message("c1", "Hello"), api.add_customer_message("c2", "Hi")
    page = await signed_in(api)
    page.inbox.drafts.update(old, "See you at 3")
    page.scheduler.advance(0.3)
    week = page.reload(days_later=6.9)
    assert week.inbox.drafts.text(old) == "See you at 3"  # under 7 days: kept
    week.inbox.drafts.update(recent, "Tomorrow works")  # edited on day 6.9
    week.scheduler.advance(0.3)
    later = week.reload(days_later=7.1)  # the first draft's last edit is now 7.1 days old
    assert reply_key(old) not in later.data  # gone at load, without opening its conversation
    assert later.inbox.drafts.text(old) == ""
    assert later.inbox.drafts.text(recent) == "Tomorrow works"  # 0.2 days old


@async_test
async def test_a_reply_is_queued_and_delivered_exactly_once_with_one_id() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page.inbox.open_conversation(session)
    await settle()
    page.inbox.drafts.update(session, "Yes, 3 pm is free")
    first, second = await asyncio.gather(page.inbox.send_reply(), page.inbox.send_reply())
    await settle()
    assert first and second is None  # the second press found the draft already queued
    assert [m["message"] for m in api.replies(session)] == ["Yes, 3 pm is free"]
    assert reply_key(session) not in page.data and page.inbox.drafts.text(session) == ""
    rows = [r for r in page.inbox.rows() if r.sender_type == "therapist"]
    assert [(r.id, r.status) for r in rows] == [(first, words.MESSAGE_SENT)]


@async_test
async def test_offline_a_reply_waits_and_goes_once_when_online_again() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page.inbox.open_conversation(session)
    await settle()
    page.transport.offline = True
    page.inbox.drafts.update(session, "On my way")
    message_id = await page.inbox.send_reply()
    assert [(r.id, r.status) for r in page.inbox.rows() if r.sender_type == "therapist"] == [
        (message_id, words.MESSAGE_WAITING)]
    page.transport.offline = False
    page.inbox.went_online()
    await settle()
    await page.inbox.sender.retry_now()  # a second trigger (visible, timer) sends nothing new
    assert api.reply_posts == [message_id]
    assert [m["id"] for m in api.replies(session)] == [message_id]
    assert [r.status for r in page.inbox.rows() if r.sender_type == "therapist"] == [words.MESSAGE_SENT]


@async_test
async def test_a_queued_reply_goes_out_on_the_next_visit_with_the_same_id() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page.inbox.open_conversation(session)
    page.transport.offline = True
    page.inbox.drafts.update(session, "Later")
    message_id = await page.inbox.send_reply()
    again = page.reload()
    await settle()
    assert [m["id"] for m in api.replies(session)] == [message_id]
    assert again.inbox.drafts.text(session) == ""


@async_test
async def test_replies_sent_before_python_was_ready_go_once_in_order_under_the_ids_shown() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Is 3 pm free?")
    page = await signed_in(api)
    loaded = Page(api, page.data)  # the next load, whose JavaScript took two replies before Python ran
    early = EarlyReplies.parse(json.dumps({"session": session, "reply": "still typing", "replies": [
        {"id": "a" * 32, "text": "Yes, 3 pm is free", "at": 1_000, "session": session},
        {"id": "b" * 32, "text": "Bring a towel?", "at": 2_000, "session": session}]}))
    adopted = loaded.inbox.adopt_early(early)
    assert [e.key for e in adopted] == ["a" * 32, "b" * 32]
    assert loaded.inbox.drafts.text(session) == "still typing"
    assert reply_key(session) in loaded.data  # on the device at once: the early record is removed next
    loaded.inbox.open_conversation(session)
    await settle()
    await loaded.inbox.sender.retry_now()
    assert [(m["id"], m["message"]) for m in api.replies(session)] == [
        ("a" * 32, "Yes, 3 pm is free"), ("b" * 32, "Bring a towel?")]
    assert [r.status for r in loaded.inbox.rows() if r.sender_type == "therapist"] == [words.MESSAGE_SENT] * 2
    # Adopted again (the page crashed before the record was removed): the server keeps one of each.
    again = Page(api, loaded.data)
    again.inbox.adopt_early(early)
    await settle()
    await again.inbox.sender.retry_now()
    assert [m["id"] for m in api.replies(session)] == ["a" * 32, "b" * 32]


@async_test
async def test_a_stored_draft_sent_before_python_was_ready_does_not_come_back() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Is 3 pm free?")
    page = await signed_in(api)
    page.inbox.drafts.update(session, "See you at 3")
    page.inbox.drafts.flush()
    loaded = Page(api, page.data)  # early-reply.js filled the box with the draft; Send emptied it
    loaded.inbox.adopt_early(EarlyReplies.parse(json.dumps({"session": session, "reply": "", "replies": [
        {"id": "c" * 32, "text": "See you at 3", "at": 1_000, "session": session}]})))
    assert loaded.inbox.drafts.text(session) == ""
    assert reply_key(session) not in loaded.data
    await settle()
    await loaded.inbox.sender.retry_now()
    assert [m["message"] for m in api.replies(session)] == ["See you at 3"]


@async_test
async def test_opening_a_conversation_marks_it_read_and_so_do_messages_arriving_while_open() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    assert page.inbox.conversations.find(session).unread == 1
    page.inbox.open_conversation(session)
    await settle()
    assert api.read_through[session] == 1 and api.read_posts == [session]
    assert page.inbox.conversations.find(session).unread == 0

    api.add_customer_message("c1", "Are you there?")
    await settle()
    assert [r.text for r in page.inbox.rows()] == ["Hello", "Are you there?"]
    assert api.read_through[session] == 2


@async_test
async def test_a_hidden_page_marks_nothing_read_until_it_is_visible_again() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page.inbox.open_conversation(session)
    await settle()
    page.inbox.set_visible(False)
    api.add_customer_message("c1", "Hello?")
    await settle()
    assert api.read_through[session] == 1
    page.inbox.set_visible(True)
    await settle()
    assert api.read_through[session] == 2


@async_test
async def test_a_failed_read_mark_is_sent_again_after_the_next_answer() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    api.fail_reads = True
    page.inbox.open_conversation(session)
    await settle()
    assert api.read_through[session] == 0
    api.fail_reads = False
    api.add_customer_message("c1", "Still there?")
    await settle()
    assert api.read_through[session] == 2


@async_test
async def test_a_failed_read_mark_is_tried_again_soon_even_when_nothing_new_arrives() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    api.fail_reads = True
    page.inbox.open_conversation(session)
    await settle()
    api.fail_reads = False
    page.scheduler.advance(3.0)
    await settle()
    assert api.read_through[session] == 1


@async_test
async def test_a_revoked_token_mid_session_returns_to_sign_in_and_keeps_the_reply_draft() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page.inbox.open_conversation(session)
    await settle()
    page.inbox.drafts.update(session, "Half a reply")
    api.revoke()
    api.add_customer_message("c1", "Hello?")  # the poll's next answer is a 401
    await settle()
    assert page.inbox.state is InboxState.SIGNED_OUT
    assert page.inbox.message == words.INBOX_TOKEN_EXPIRED
    assert THERAPIST_TOKEN_KEY not in page.data
    assert Page(api, page.data).inbox.drafts.text(session) == "Half a reply"


@async_test
async def test_the_bookings_of_the_open_conversation_are_loaded() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    api.bookings[session] = [{"id": "BK-1", "created_at": 1, "booking": {
        "therapist_id": "t-ayu", "customer_id": "c1", "customer_name": "Ana Putri",
        "customer_whatsapp": "+628123456789", "duration": 90, "price": 475000,
        "location_type": "villa", "massage_for": "partner", "address": "Villa Kayu", "asap": True}}]
    page = await signed_in(api)
    conversation = page.inbox.open_conversation(session)
    await settle()
    assert conversation.bookings_loaded and [b.id for b in conversation.bookings] == ["BK-1"]


@async_test
async def test_a_refused_reply_shows_not_sent_with_the_reason_and_can_be_retried_or_deleted() -> None:
    api = FakeInboxApi()
    session = api.add_customer_message("c1", "Hello")
    page = await signed_in(api)
    page.inbox.open_conversation(session)
    await settle()
    api.refuse_replies = True
    page.inbox.drafts.update(session, "Refused")
    message_id = await page.inbox.send_reply()
    [row] = [r for r in page.inbox.rows() if r.sender_type == "therapist"]
    assert (row.id, row.text, row.status, row.actionable) == (message_id, "Refused", words.MESSAGE_NOT_SENT, True)
    assert "Too long for the chat" in row.reason

    api.refuse_replies = False
    await page.inbox.retry_reply(message_id)
    await settle()
    assert [m["id"] for m in api.replies(session)] == [message_id]  # the same id, once
    assert [r.status for r in page.inbox.rows() if r.sender_type == "therapist"] == [words.MESSAGE_SENT]

    api.refuse_replies = True
    page.inbox.drafts.update(session, "Refused again")
    second = await page.inbox.send_reply()
    page.inbox.delete_reply(second)
    assert [r.id for r in page.inbox.rows() if r.sender_type == "therapist"] == [message_id]
