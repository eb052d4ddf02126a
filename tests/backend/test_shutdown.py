"""Stopping the server (SIGTERM, as systemd or Ctrl+C sends it) is never held up by a long poll.

A poll waits up to 30 s for news. Its client may hang up meanwhile (a closed tab): the poll then ends
at once (``backend.api.deps.client_gone``) instead of holding its subscription for the rest of its
wait. A poll still held for a connected client is cut after uvicorn's ``timeout_graceful_shutdown``
(5 s; uvicorn logs "timeout graceful shutdown exceeded" when it has to cut one), never waited out.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.backend.conftest import auth_for, chat_message, new_customer
from tests.support.polls import HeldPoll
from tests.support.server import ServerProcess, start_server

POLL_WAIT_S = 30
CUT = "timeout graceful shutdown exceeded"


def held_poll(server: ServerProcess) -> HeldPoll:
    """A customer's poll on their conversation, proven to be waiting at the server."""
    customer = new_customer()
    session = f"session_t-ayu_{customer}"
    path = f"/api/conversations/{session}/messages"
    sent = httpx.post(server.url + path, json=chat_message(customer), headers=auth_for(customer), timeout=10)
    assert sent.status_code == 201, sent.text
    cursor = httpx.get(server.url + path, headers=auth_for(customer), timeout=10).json()["cursor"]
    poll = HeldPoll(server.url, path, {"after": cursor, "wait": POLL_WAIT_S}, auth_for(customer))
    poll.wait_until_held()
    return poll


def stopped_with_a_poll(tmp_path: Path, *, hang_up: bool) -> tuple[float, str]:
    """A server holding one poll (its client hung up first, or still connected), then SIGTERM:
    (seconds until the process exited, what it logged)."""
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = start_server(tmp_path / "bookings.sqlite3", output=output)
        poll = None
        try:
            poll = held_poll(server)
            if hang_up:
                poll.hang_up()  # the tab closed: nobody will read this poll's answer
                time.sleep(0.5)
        finally:
            started = time.monotonic()
            server.process.terminate()
            server.process.wait(timeout=POLL_WAIT_S + 15)
            took = time.monotonic() - started
            if poll is not None:
                poll.hang_up()
    return took, log.read_text()


def test_a_poll_whose_client_hung_up_ends_at_once_so_a_stop_has_nothing_to_cut(tmp_path: Path) -> None:
    took, log = stopped_with_a_poll(tmp_path, hang_up=True)
    assert CUT not in log, log[-2000:]
    assert took < POLL_WAIT_S


def test_a_poll_still_held_for_a_connected_client_is_cut_soon_not_waited_out(tmp_path: Path) -> None:
    took, log = stopped_with_a_poll(tmp_path, hang_up=False)
    assert CUT in log, log[-2000:]
    assert took < POLL_WAIT_S - 10  # the 5 s grace and a loaded machine's slack, far from the poll's 30 s
