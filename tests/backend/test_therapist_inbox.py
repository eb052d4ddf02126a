"""The therapist's inbox: conversations newest first, unread counts, names and bookings."""

from __future__ import annotations

import httpx

from tests.backend.conftest import Chat, Server, auth_for, booking, new_customer, post_booking, rows


def _entry(api: httpx.Client, auth: dict[str, str], session_id: str) -> dict[str, object]:
    listing = api.get("/api/therapist/conversations", headers=auth).json()["conversations"]
    return next(c for c in listing if c["session_id"] == session_id)


def test_a_booking_without_a_message_shows_up_with_the_customers_name_and_its_booking(
        server: Server, api: httpx.Client, chat: Chat) -> None:
    created = post_booking(api, booking(customer_id=chat.customer_id, customer_name="Wayan Sudra")).json()
    entry = _entry(api, chat.therapist_auth, chat.session_id)
    assert entry == {"session_id": chat.session_id, "customer_id": chat.customer_id,
                     "customer_name": "Wayan Sudra", "last_message": entry["last_message"],
                     "last_sender_type": "system", "last_activity": entry["last_activity"], "unread": 0,
                     "whatsapp_ending": created["booking"]["customer_whatsapp"][-4:], "requests_waiting": 1,
                     "last_event": entry["last_event"]}
    assert str(entry["last_message"]).startswith("Wayan Sudra requested a booking for ")
    assert (entry["last_event"]["status"], entry["last_event"]["booking_id"]) == ("requested", created["id"])
    assert abs(entry["last_activity"] - created["created_at"]) < 5_000  # type: ignore[operator]
    history = api.get(chat.therapist_path + "/bookings", headers=chat.therapist_auth)
    assert history.status_code == 200 and history.json() == {"bookings": [created]}
    # The request is the conversation's one line so far: a system message carrying its event.
    [line] = api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth).json()["messages"]
    assert (line["sender_type"], line["event"]["status"], line["event"]["booking_id"]) == (
        "system", "requested", created["id"])


def test_a_replayed_booking_does_not_touch_the_conversation_again(server: Server, api: httpx.Client,
                                                                 chat: Chat) -> None:
    body = booking(customer_id=chat.customer_id)
    post_booking(api, body, "same-key-" + chat.customer_id)
    before = rows(server.database, "SELECT version FROM conversations WHERE session_id = ?", chat.session_id)
    post_booking(api, body, "same-key-" + chat.customer_id)
    assert rows(server.database, "SELECT version FROM conversations WHERE session_id = ?",
                chat.session_id) == before


def test_a_customer_without_a_booking_is_a_new_customer_with_their_last_message(api: httpx.Client,
                                                                               chat: Chat) -> None:
    chat.send(api, "Hi! " + "long " * 40)
    entry = _entry(api, chat.therapist_auth, chat.session_id)
    assert entry["customer_name"] == "New customer" and entry["last_sender_type"] == "customer"
    assert entry["last_message"].startswith("Hi! long long")  # type: ignore[union-attr]
    assert len(entry["last_message"]) <= 120 and entry["unread"] == 1  # type: ignore[arg-type]


def test_unread_counts_customer_messages_until_the_therapist_reads_them(api: httpx.Client,
                                                                       chat: Chat) -> None:
    for text in ("one", "two", "three"):
        chat.send(api, text)
    assert _entry(api, chat.therapist_auth, chat.session_id)["unread"] == 3
    assert api.post(chat.therapist_path + "/read", headers=chat.therapist_auth).json() == {"read_through": 3}
    chat.reply(api, "Hello")
    entry = _entry(api, chat.therapist_auth, chat.session_id)
    assert (entry["unread"], entry["last_message"], entry["last_sender_type"]) == (0, "Hello", "therapist")
    chat.send(api, "four")
    assert _entry(api, chat.therapist_auth, chat.session_id)["unread"] == 1
    assert api.post(chat.therapist_path + "/read", headers=chat.therapist_auth).json() == {"read_through": 5}


def test_conversations_with_waiting_requests_come_first_then_newest_activity_with_the_latest_bookings_name(
        server: Server, api: httpx.Client, chat: Chat) -> None:
    other_id = new_customer()
    other = Chat(server, other_id, auth_for(other_id), chat.therapist_auth)
    post_booking(api, booking(customer_id=chat.customer_id, customer_name="First Name"))
    other.send(api, "I am newer")
    listing = api.get("/api/therapist/conversations", headers=chat.therapist_auth).json()["conversations"]
    ids = [c["session_id"] for c in listing]
    # A request waiting for an answer comes first; then the newest activity first, in each group.
    assert ids.index(chat.session_id) < ids.index(other.session_id)
    waiting = [c["requests_waiting"] > 0 for c in listing]
    assert waiting == sorted(waiting, reverse=True)
    for group in (True, False):
        activity = [c["last_activity"] for c in listing if (c["requests_waiting"] > 0) == group]
        assert activity == sorted(activity, reverse=True)
    post_booking(api, booking(customer_id=chat.customer_id, customer_name="Second Name", duration=60,
                              price=350000))
    entry = _entry(api, chat.therapist_auth, chat.session_id)
    assert entry["customer_name"] == "Second Name" and entry["requests_waiting"] == 2
    assert str(entry["last_message"]).startswith("Second Name requested a booking for ")
    history = api.get(chat.therapist_path + "/bookings", headers=chat.therapist_auth).json()["bookings"]
    assert [b["booking"]["customer_name"] for b in history] == ["Second Name", "First Name"]


def test_a_conversation_never_started_is_404_for_the_therapist(api: httpx.Client, chat: Chat) -> None:
    for response in (api.get(chat.therapist_path + "/messages", headers=chat.therapist_auth),
                     api.get(chat.therapist_path + "/bookings", headers=chat.therapist_auth),
                     api.post(chat.therapist_path + "/read", headers=chat.therapist_auth)):
        assert response.status_code == 404 and response.json()["detail"]
