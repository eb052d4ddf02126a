"""The customer's conversation: messages go out exactly once, replies come in once, in order.

Real ChatBookingStorageService, OutboxSender, MessageSync, Poller and Conversation on fakes
(storage, clock, timers) and a scripted chat API behind FakeTransport.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from app.chat.conversation import Conversation, MessageState
from app.chat.poller import Poller, PollState
from app.drafts.session import ChatBookingStorageService
from app.outbox.messages import MessageSync
from app.outbox.sender import OutboxSender
from app.persistence import keys
from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage, FakeTransport
from tests.unit.chat.chat_api import ChatApi

CUSTOMER = "0b7e3c2a-1d4f-4a6b-9c8d-7e6f5a4b3c2d"
SESSION = f"session_t-ayu_{CUSTOMER}"


@dataclass
class Tab:
    api: ChatApi
    storage: FakeStorage
    clock: FakeClock
    scheduler: FakeScheduler
    drafts: ChatBookingStorageService
    sender: OutboxSender
    conversation: Conversation
    poller: Poller
    spawned: list = field(default_factory=list)

    def texts(self) -> list[str]:
        return [m.message for m in self.drafts.get_messages()]

    def states(self) -> list[MessageState | None]:
        return [self.conversation.state_of(m) for m in self.drafts.get_messages()]

    def run_spawned(self) -> None:
        while self.spawned:
            asyncio.run(self.spawned.pop(0))


def tab(api: ChatApi, shared: dict[str, str] | None = None, clock: FakeClock | None = None) -> Tab:
    storage = FakeStorage(shared if shared is not None else {})
    clock = clock or FakeClock()
    scheduler = FakeScheduler(clock)
    spawned: list = []
    transport = FakeTransport(api.handle)
    drafts = ChatBookingStorageService("t-ayu", SESSION, storage=storage, scheduler=scheduler, clock=clock)
    sender = OutboxSender(storage, transport, scheduler, clock, random=lambda: 0.5, spawn=spawned.append,
                          credentials=lambda: {"Authorization": "Bearer " + "k" * 43})
    messages = MessageSync(sender)
    conversation = Conversation(drafts, messages, storage, clock, customer_id=CUSTOMER)
    poller = Poller(transport, scheduler, clock, path=f"./api/conversations/{SESSION}/messages",
                    on_answer=conversation.merge, cursor=conversation.position.cursor, spawn=spawned.append,
                    random=lambda: 0.5)
    return Tab(api, storage, clock, scheduler, drafts, sender, conversation, poller, spawned)


def test_a_message_is_kept_queued_and_sent_once_with_the_customer_token() -> None:
    api = ChatApi()
    t = tab(api)
    message = t.conversation.send("  Is 3 pm free?  ")
    assert t.texts() == ["Is 3 pm free?"] and t.states() == [MessageState.SENDING]
    t.run_spawned()
    assert [m["id"] for m in api.stored(SESSION)] == [message.id]
    assert t.states() == [MessageState.SENT] and t.drafts.get_messages()[0].seq == 1
    request = t.sender.transport.requests[0]
    assert request.headers["Authorization"].startswith("Bearer ") and request.headers["Idempotency-Key"] == message.id


def test_offline_messages_wait_then_go_out_once_each_with_backoff() -> None:
    api = ChatApi()
    t = tab(api)
    api.offline = True
    t.conversation.send("one")
    t.conversation.send("two")
    t.run_spawned()
    assert t.states() == [MessageState.WAITING, MessageState.WAITING] and api.stored(SESSION) == []
    t.scheduler.advance(0.4)  # full jitter at random=0.5: the first retry is due after 0.5 s
    t.run_spawned()
    assert api.posts == 0
    api.offline = False
    t.scheduler.advance(1)  # the backoff timer fires; the network is back
    t.run_spawned()
    assert [m["message"] for m in api.stored(SESSION)] == ["one", "two"]
    assert t.states() == [MessageState.SENT, MessageState.SENT]


def test_a_lost_response_is_retried_with_the_same_id_and_stored_once() -> None:
    api = ChatApi()
    t = tab(api)
    api.script = ["lose"]
    t.conversation.send("hello")
    t.run_spawned()
    assert t.states() == [MessageState.WAITING] and len(api.stored(SESSION)) == 1
    asyncio.run(t.sender.retry_now())
    assert len(api.stored(SESSION)) == 1 and api.posts == 2
    assert t.states() == [MessageState.SENT]


def test_a_refused_message_says_not_sent_with_the_reason_and_can_be_retried_or_deleted() -> None:
    api = ChatApi()
    t = tab(api)
    api.script = [422]
    refused = t.conversation.send("spam")
    t.run_spawned()
    assert t.states() == [MessageState.NOT_SENT]
    assert "is not allowed" in t.drafts.get_messages()[0].not_sent
    assert t.conversation.retry(refused.id)
    t.run_spawned()
    assert t.states() == [MessageState.SENT] and len(api.stored(SESSION)) == 1
    api.script = [422]
    gone = t.conversation.send("spam again")
    t.run_spawned()
    assert t.conversation.delete(gone.id)
    assert t.texts() == ["spam"] and t.sender.outbox.find(gone.id) is None


def test_two_tabs_sharing_storage_deliver_a_message_once() -> None:
    api = ChatApi()
    shared: dict[str, str] = {}
    clock = FakeClock()
    first, second = tab(api, shared, clock), tab(api, shared, clock)
    first.conversation.send("from the first tab")
    second.spawned.append(second.sender.retry_now())  # the second tab's online / visible trigger
    first.run_spawned()
    second.run_spawned()
    assert [m["message"] for m in api.stored(SESSION)] == ["from the first tab"]
    key = keys.messages_key(SESSION)
    second.drafts.handle_storage_event(key, shared[key])  # the browser's storage event
    assert second.texts() == ["from the first tab"] and second.states() == [MessageState.SENT]


def test_replies_arrive_once_in_order_across_polls_and_a_reload() -> None:
    api = ChatApi()
    t = tab(api)
    t.conversation.send("hi")
    t.run_spawned()
    api.reply(SESSION, "Hello! Yes, 3 pm is free.", "r1")
    asyncio.run(t.poller.poll_once(wait_s=0))
    asyncio.run(t.poller.poll_once(wait_s=0))  # nothing new: nothing twice
    api.reply(SESSION, "See you then.", "r2")
    reloaded = tab(api, t.storage.data, t.clock)  # the cursor was kept on the device
    asyncio.run(reloaded.poller.poll_once(wait_s=0))
    assert reloaded.texts() == ["hi", "Hello! Yes, 3 pm is free.", "See you then."]
    assert [r.url.count("after=") for r in reloaded.sender.transport.requests] == [1]


def test_a_message_seen_twice_by_id_is_kept_once_even_from_the_beginning() -> None:
    api = ChatApi()
    t = tab(api)
    api.reply(SESSION, "Welcome!", "r1")
    asyncio.run(t.poller.poll_once(wait_s=0))
    t.conversation.merge({"messages": api.stored(SESSION), "cursor": "m.1.0", "read_through": 0})
    assert t.texts() == ["Welcome!"]


def test_the_read_mark_turns_sent_into_read() -> None:
    api = ChatApi()
    t = tab(api)
    t.conversation.send("first")
    t.run_spawned()
    api.mark_read(SESSION)
    t.conversation.send("second")
    t.run_spawned()
    asyncio.run(t.poller.poll_once(wait_s=0))
    assert t.states() == [MessageState.READ, MessageState.SENT]


def test_after_reset_chat_old_messages_stay_away_and_new_ones_still_flow() -> None:
    api = ChatApi()
    t = tab(api)
    t.drafts.save_draft_immediately({"customer_name": "Ana"})
    t.conversation.send("before the reset")
    t.run_spawned()
    api.reply(SESSION, "old reply", "r1")
    asyncio.run(t.poller.poll_once(wait_s=0))
    t.conversation.reset()
    assert t.texts() == [] and t.drafts.draft.customer_name == "Ana"
    t.conversation.merge({"messages": api.stored(SESSION), "cursor": "m.2.0", "read_through": 0})
    reloaded = tab(api, t.storage.data, t.clock)
    reloaded.poller.cursor = None  # even a poll from the very beginning
    asyncio.run(reloaded.poller.poll_once(wait_s=0))
    assert reloaded.texts() == []
    t.clock.set_ms(t.clock.now_ms() + 1000)
    reloaded.conversation.send("after the reset")
    reloaded.run_spawned()
    api.reply(SESSION, "new reply", "r2")
    asyncio.run(reloaded.poller.poll_once(wait_s=0))
    assert reloaded.texts() == ["after the reset", "new reply"]


def test_an_orphaned_message_is_queued_again_so_it_cannot_be_lost() -> None:
    api = ChatApi()
    api.script = ["offline"]
    t = tab(api)
    t.conversation.send("keep me")
    t.run_spawned()
    t.storage.removeItem("chatbooking:v1:outbox")  # the outbox is gone, the history is not
    assert t.conversation.requeue_orphans() == 1
    asyncio.run(t.sender.retry_now())
    assert [m["message"] for m in api.stored(SESSION)] == ["keep me"]


def test_the_poller_backs_off_on_errors_and_stops_on_a_refused_token() -> None:
    api = ChatApi()
    t = tab(api)
    api.script = [503]
    assert asyncio.run(t.poller.poll_once(wait_s=0)) >= 1.0 and t.poller.state is PollState.BACKOFF
    denied: list[int] = []
    t.poller.on_denied = denied.append
    api.script = [401]
    t.poller.active = True
    asyncio.run(t.poller.poll_once(wait_s=0))
    assert denied == [401] and t.poller.state is PollState.DENIED and not t.poller.active


def test_the_poller_resumes_from_its_cursor_and_pause_starts_no_new_request() -> None:
    api = ChatApi()
    t = tab(api)
    t.poller.resume()
    assert len(t.spawned) == 1
    t.poller.pause()
    t.run_spawned()  # the loop sees it is paused before asking
    assert t.sender.transport.requests == [] and t.poller.state is PollState.STOPPED
    api.reply(SESSION, "hi", "r1")
    t.poller.resume()
    assert t.poller.active and len(t.spawned) == 1
    t.spawned.pop().close()  # the fake answers at once, so the endless loop is not run here
    asyncio.run(t.poller.poll_once(wait_s=0))
    assert "wait" not in t.sender.transport.requests[-1].url and t.poller.cursor == "m.1.0"
    assert t.poller.url(25).endswith("?after=m.1.0&wait=25")
