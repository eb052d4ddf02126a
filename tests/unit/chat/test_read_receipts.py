"""The customer's page tells the server which replies it showed (issue 21, item 9): once per newer
reply, and again after a mark that did not get through."""

from __future__ import annotations

import json

from app.domain.ports import HttpResponse
from tests.unit.chat.chat_api import ChatApi
from tests.unit.chat.test_conversation import SESSION, Tab, tab


def with_read_marks(api: ChatApi) -> list[int]:
    """Let ``api`` also answer ``POST .../read?through=`` (as the backend does); returns the marks it got."""
    marks: list[int] = []
    answer = api.handle

    async def handle(method: str, url: str, headers: dict[str, str], body: str | None) -> HttpResponse:
        if method == "POST" and "/read?through=" in url:
            if api.offline:
                return await answer(method, url, headers, body)  # raises NetworkError
            marks.append(int(url.rsplit("=", 1)[1]))
            return HttpResponse(200, json.dumps({"read_through": marks[-1]}), {})
        return await answer(method, url, headers, body)

    api.handle = handle  # type: ignore[method-assign]
    return marks


def replied(api: ChatApi) -> Tab:
    t = tab(api)
    t.conversation.send("Is 3 pm free?")
    t.run_spawned()
    api.reply(SESSION, "Yes", "r1")
    t.conversation.merge({"messages": api.stored(SESSION), "cursor": "m.2.0", "read_through": 0})
    return t


def test_a_shown_reply_is_marked_once_with_its_seq_and_the_customer_token() -> None:
    api = ChatApi()
    marks = with_read_marks(api)
    t = replied(api)
    t.conversation.replies_shown()
    t.run_spawned()
    t.conversation.replies_shown()  # shown again: nothing new to mark
    t.run_spawned()
    assert marks == [2]
    request = t.sender.transport.requests[-1]
    assert request.url.endswith(f"/conversations/{SESSION}/read?through=2")
    assert request.headers["Authorization"].startswith("Bearer ")


def test_no_reply_no_mark() -> None:
    api = ChatApi()
    marks = with_read_marks(api)
    t = tab(api)
    t.conversation.send("Hello")
    t.run_spawned()
    t.conversation.replies_shown()
    t.run_spawned()
    assert marks == []


def test_a_mark_lost_offline_is_sent_again_the_next_time_replies_are_shown() -> None:
    api = ChatApi()
    marks = with_read_marks(api)
    t = replied(api)
    api.offline = True
    t.conversation.replies_shown()
    t.run_spawned()
    api.offline = False
    t.conversation.replies_shown()
    t.run_spawned()
    assert marks == [2]
