"""Who may read and write a conversation: the customer's token owns its id, therapists use CLI tokens."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.backend.conftest import (
    Chat,
    Server,
    bearer,
    booking,
    chat_message,
    customer_token,
    issue_therapist_token,
    new_customer,
    post_booking,
    rows,
    therapist_token,
)

THERAPIST_GETS = ["/api/therapist/me", "/api/therapist/conversations"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer"},
                                     {"Authorization": "Basic abcdefghijklmnopqrstuvwxyz"},
                                     {"Authorization": "Bearer short"},
                                     {"Authorization": "Bearer " + "a" * 129},
                                     {"Authorization": "Bearer has+plus/and=equals-but-long-enough"}],
                         ids=["none", "empty", "basic", "too-short", "too-long", "bad-characters"])
def test_a_customer_call_without_a_well_formed_token_is_401(api: httpx.Client, chat: Chat,
                                                            headers: dict[str, str]) -> None:
    for response in (api.get(chat.customer_path, headers=headers),
                     api.post(chat.customer_path, json=chat_message(chat.customer_id), headers=headers)):
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["detail"]


def test_the_first_token_owns_the_customer_and_any_other_token_is_403(server: Server, api: httpx.Client,
                                                                    chat: Chat) -> None:
    assert chat.send(api, "mine").status_code == 201
    intruder = bearer(customer_token())
    assert api.get(chat.customer_path, headers=intruder).status_code == 403
    stolen = api.post(chat.customer_path, json=chat_message(chat.customer_id), headers=intruder)
    assert stolen.status_code == 403
    assert api.get(chat.customer_path, headers=chat.customer_auth).status_code == 200
    (stored_hash,), = rows(server.database, "SELECT token_hash FROM customers WHERE customer_id = ?",
                           chat.customer_id)
    assert re.fullmatch(r"[0-9a-f]{64}", stored_hash)  # only the hash is kept
    assert chat.customer_auth["Authorization"].split()[1] not in stored_hash


def test_a_booking_needs_a_token_that_owns_its_customer(api: httpx.Client, chat: Chat) -> None:
    chat.send(api)  # binds the customer id to the chat's token
    body = booking(customer_id=chat.customer_id)
    assert post_booking(api, body, headers=chat.customer_auth).status_code == 201
    assert post_booking(api, body, headers=bearer(customer_token())).status_code == 403
    assert post_booking(api, body, headers={"Authorization": "Bearer nope"}).status_code == 401
    fresh = booking(customer_id=new_customer())
    assert post_booking(api, fresh, headers=chat.customer_auth).status_code == 201  # binds a new id


@pytest.mark.parametrize("path", THERAPIST_GETS)
@pytest.mark.parametrize("headers", [{}, bearer(customer_token()), {"Authorization": "Bearer x"}],
                         ids=["none", "unknown", "malformed"])
def test_a_therapist_call_without_a_valid_therapist_token_is_401(api: httpx.Client, path: str,
                                                                 headers: dict[str, str]) -> None:
    response = api.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_cli_prints_only_the_token_and_stores_only_its_hash(server: Server) -> None:
    result = issue_therapist_token(server, "t-sari")
    assert result.returncode == 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", result.stdout)
    assert "t-sari" in result.stderr
    token = result.stdout.strip()
    with server.client() as client:
        assert client.get("/api/therapist/me", headers=bearer(token)).json() == {
            "therapist_id": "t-sari", "name": "Sari Dewi"}
    stored = rows(server.database, "SELECT token_hash FROM therapist_tokens WHERE therapist_id = 't-sari'")
    assert stored and all(token not in h for (h,) in stored)


def test_the_cli_refuses_an_unknown_therapist_with_exit_2(server: Server) -> None:
    result = issue_therapist_token(server, "t-nobody")
    assert (result.returncode, result.stdout) == (2, "")
    assert "t-nobody" in result.stderr


def test_a_revoked_token_is_401(server: Server, api: httpx.Client) -> None:
    token = therapist_token(server, "t-made")
    assert api.get("/api/therapist/me", headers=bearer(token)).status_code == 200
    revoked = issue_therapist_token(server, "t-made", revoke=True)
    assert revoked.returncode == 0 and revoked.stdout == "" and "revoked" in revoked.stderr
    assert api.get("/api/therapist/me", headers=bearer(token)).status_code == 401
    assert api.get("/api/therapist/me", headers=bearer(therapist_token(server, "t-made"))).status_code == 200


def test_another_therapists_conversation_is_404_everywhere(server: Server, api: httpx.Client,
                                                           chat: Chat) -> None:
    chat.send(api)
    made = bearer(therapist_token(server, "t-made"))
    base = chat.therapist_path  # Ayu's conversation
    answers = [api.get(base + "/messages", headers=made), api.post(base + "/read", headers=made),
               api.get(base + "/bookings", headers=made),
               api.post(base + "/messages", headers=made, json={"id": "r-1", "message": "hi"})]
    assert [r.status_code for r in answers] == [404] * 4
    listing = api.get("/api/therapist/conversations", headers=made).json()["conversations"]
    assert chat.session_id not in {c["session_id"] for c in listing}
    assert rows(server.database, "SELECT count(*) FROM messages WHERE session_id = ?"
                " AND sender_type = 'therapist'", chat.session_id) == [(0,)]
