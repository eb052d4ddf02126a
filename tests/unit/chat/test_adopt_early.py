"""Messages sent before Python was ready are adopted into the history and the outbox under their ids."""

from __future__ import annotations

import asyncio

from app.chat.conversation import MessageState
from app.persistence.early_input import EarlyMessage
from tests.unit.chat.chat_api import ChatApi
from tests.unit.chat.test_conversation import SESSION, tab

EARLY = [EarlyMessage("a" * 32, "First question", 1_000, ""), EarlyMessage("b" * 32, "Second question", 2_000, "")]


def test_adopted_messages_keep_their_ids_and_order_and_are_sent_once_each() -> None:
    api = ChatApi()
    t = tab(api)
    adopted = t.conversation.adopt(EARLY)
    assert [m.id for m in adopted] == ["a" * 32, "b" * 32]
    assert t.texts() == ["First question", "Second question"]
    assert t.states() == [MessageState.SENDING, MessageState.SENDING]
    asyncio.run(t.sender.resume())  # what the page's boot does once it is ready
    assert [(m["id"], m["message"]) for m in api.stored(SESSION)] == [("a" * 32, "First question"),
                                                                       ("b" * 32, "Second question")]
    assert t.states() == [MessageState.SENT, MessageState.SENT]


def test_adopting_the_same_record_again_adds_and_sends_nothing() -> None:
    api = ChatApi()
    shared: dict[str, str] = {}
    first = tab(api, shared)
    first.conversation.adopt(EARLY)
    asyncio.run(first.sender.resume())
    again = tab(api, shared)  # the record survived (a crash before it was removed): the next load
    assert again.conversation.adopt(EARLY) == []
    asyncio.run(again.sender.resume())
    assert len(api.stored(SESSION)) == 2 and len(again.texts()) == 2
