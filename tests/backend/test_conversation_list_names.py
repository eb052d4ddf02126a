"""Two customers with one name are told apart in the therapist's list (issue 21, item 10)."""

from __future__ import annotations

import httpx

from tests.backend.conftest import Chat, auth_for, booking, new_customer, post_booking


def test_each_row_carries_the_last_digits_of_the_latest_bookings_whatsapp(api: httpx.Client, chat: Chat) -> None:
    other = new_customer()
    for customer, number in ((chat.customer_id, "+62 812 3456 7890"), (other, "+62 813 9999 1234")):
        created = post_booking(api, booking(customer_id=customer, customer_name="Wayan Sudra",
                                            customer_whatsapp=number))
        assert created.status_code == 201, created.text
    talker = new_customer()
    talking = Chat(chat.server, talker, auth_for(talker), chat.therapist_auth)
    assert talking.send(api, "No booking, just a question").status_code == 201
    listing = {c["customer_id"]: c for c in
               api.get("/api/therapist/conversations", headers=chat.therapist_auth).json()["conversations"]}
    assert listing[chat.customer_id]["whatsapp_ending"] == "7890"
    assert listing[other]["whatsapp_ending"] == "1234"
    assert listing[talker]["whatsapp_ending"] is None


def test_a_system_last_line_comes_with_its_event_so_the_list_can_say_it_in_the_readers_language(
        api: httpx.Client, chat: Chat) -> None:
    created = post_booking(api, booking(customer_id=chat.customer_id))
    assert created.status_code == 201, created.text
    rows = {c["customer_id"]: c for c in
            api.get("/api/therapist/conversations", headers=chat.therapist_auth).json()["conversations"]}
    row = rows[chat.customer_id]
    assert row["last_sender_type"] == "system"
    assert row["last_event"]["booking_id"] == created.json()["id"]
    assert row["last_event"]["status"] == "requested"
    assert chat.send(api, "And one question").status_code == 201
    rows = {c["customer_id"]: c for c in
            api.get("/api/therapist/conversations", headers=chat.therapist_auth).json()["conversations"]}
    assert rows[chat.customer_id]["last_event"] is None  # a person's line has no event
