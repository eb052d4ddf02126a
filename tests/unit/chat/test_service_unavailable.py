"""A server that answers 404/501/503 is not "no network" (issue 21, item 6): the message says the
service is unavailable, is kept, and goes out once the API answers."""

from __future__ import annotations

import asyncio

import pytest

from app.chat.conversation import MessageState
from app.domain import words
from app.outbox.responses import answered, answered_status
from tests.unit.chat.chat_api import ChatApi
from tests.unit.chat.test_conversation import SESSION, tab


@pytest.mark.parametrize("status", [404, 501, 503])
def test_an_api_that_is_not_there_says_unavailable_not_waiting_for_network_and_still_retries(status: int) -> None:
    api = ChatApi()
    t = tab(api)
    api.script = [status]
    t.conversation.send("hello")
    t.run_spawned()
    assert t.states() == [MessageState.UNAVAILABLE] and api.stored(SESSION) == []
    assert MessageState.UNAVAILABLE.value == words.MESSAGE_UNAVAILABLE != words.MESSAGE_WAITING
    asyncio.run(t.sender.retry_now())
    assert [m["message"] for m in api.stored(SESSION)] == ["hello"] and t.states() == [MessageState.SENT]


def test_offline_is_still_waiting_for_network() -> None:
    api = ChatApi()
    t = tab(api)
    api.offline = True
    t.conversation.send("hello")
    t.run_spawned()
    assert t.states() == [MessageState.WAITING]


def test_the_status_a_server_answered_is_read_back_from_the_outbox_record() -> None:
    assert answered_status(answered(404)) == 404
    assert answered_status("no connection (TypeError: Failed to fetch)") is None
    assert answered_status("") is None
