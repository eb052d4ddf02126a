"""The therapist's bookings under CPython: requests first, the buttons each status allows, answers sent
exactly once (lost answers, offline, reloads), a 409 shown as ``Not sent`` with the current status, and the
upcoming bookings grouped by the therapist's day.

Runs against ``FakeInboxApi`` (its actions use the real lifecycle table) through ``FakeTransport``.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from app.domain import words
from app.domain.i18n import translate
from app.domain.models import BookingCreated
from app.inbox.bookings import UpcomingBookings, booking_row
from app.inbox.when import day_heading, event_text, when
from tests.unit.inbox.fake_api import FakeInboxApi
from tests.unit.inbox.test_inbox import Page, async_test, settle, signed_in


def statuses(page: Page) -> dict[str, str]:
    return {row.id: row.status for row in page.inbox.booking_rows()}


# --- the list ---------------------------------------------------------------------------------------


@async_test
async def test_a_conversation_with_a_request_waiting_says_so_and_comes_first() -> None:
    api = FakeInboxApi()
    api.add_booking("c1", starts_at="2026-01-02T15:00:00+08:00")
    api.add_customer_message("c2", "Hello, are you free?")  # newer activity, but no request
    page = await signed_in(api)
    first, second = page.inbox.conversations.items
    assert first.session_id == "session_t-ayu_c1" and "Request waiting" in first.waiting
    assert second.waiting == ""


@async_test
async def test_the_list_keeps_the_servers_order() -> None:
    api = FakeInboxApi()
    page = await signed_in(api)
    page.inbox.conversations.apply({"conversations": [
        {"session_id": "s-old", "last_activity": 1, "requests_waiting": 2},
        {"session_id": "s-new", "last_activity": 9}], "cursor": "c.1"})
    assert [c.session_id for c in page.inbox.conversations.items] == ["s-old", "s-new"]
    assert page.inbox.conversations.items[0].waiting == words.request_waiting(2)


def test_a_system_line_in_the_list_is_said_from_its_event() -> None:
    from app.inbox.conversations import ConversationSummary

    summary = ConversationSummary(session_id="s", last_sender_type="system", last_message="Ana cancelled …",
                                  last_event={"kind": "booking", "booking_id": "bk_1", "status": "cancelled",
                                              "by": "customer", "starts_at": "2026-12-09T15:00:00+08:00",
                                              "time_zone_label": "WITA", "customer_name": "Ana"})
    assert summary.snippet == "Ana cancelled the booking on Wed 9 Dec, 15:00 WITA"
    plain = ConversationSummary(session_id="s", last_sender_type="system", last_message="Something new")
    assert plain.snippet == "Something new"


# --- times in the therapist's zone ----------------------------------------------------------------


def test_a_time_is_said_in_the_therapists_zone_whatever_the_offset_of_the_reader() -> None:
    assert when(datetime.fromisoformat("2026-12-09T15:00:00+08:00"), "WITA") == "Wed 9 Dec, 15:00 WITA"
    assert when(datetime.fromisoformat("2026-12-09T00:30:00+08:00"), "WITA") == "Wed 9 Dec, 00:30 WITA"
    assert when(None, "WITA") == words.TIME_TO_BE_AGREED
    assert day_heading(date(2026, 12, 13)) == "Sun 13 Dec"


def test_a_system_message_is_said_from_its_event_and_falls_back_to_the_servers_sentence() -> None:
    event = {"kind": "booking", "booking_id": "bk_1", "status": "declined", "by": "therapist",
             "starts_at": "2026-12-09T15:00:00+08:00", "time_zone_label": "WITA", "reason": "Too far"}
    assert event_text(event, "x") == "You declined the request for Wed 9 Dec, 15:00 WITA (“Too far”)"
    assert event_text(None, "Server sentence") == "Server sentence"
    assert event_text({"kind": "booking", "status": "teleported"}, "Server sentence") == "Server sentence"


# --- the buttons each status allows ----------------------------------------------------------------


def _created(status: str, starts_at: str | None = "2026-01-02T15:00:00+08:00", by: str | None = None) -> BookingCreated:
    api = FakeInboxApi()
    booking_id = api.add_booking("c1", status=status, starts_at=starts_at)
    row = dict(api.booking_rows[booking_id], status_changed_by=by)
    return BookingCreated.model_validate(row)


NOW = 1_767_225_600_000  # 2026-01-01T00:00Z: before the start of 2026-01-02T15:00+08:00
AFTER_START = 1_767_340_800_000  # 2026-01-02T08:00Z: 16:00 WITA, after it


def test_a_request_offers_accept_and_decline() -> None:
    assert booking_row(_created("requested"), NOW).actions == ("accept", "decline")


def test_a_confirmed_booking_offers_cancel_before_its_start_and_mark_completed_after() -> None:
    assert booking_row(_created("confirmed"), NOW).actions == ("cancel",)
    assert booking_row(_created("confirmed"), AFTER_START).actions == ("complete",)


def test_a_confirmed_booking_without_a_time_offers_both_and_says_time_to_be_agreed() -> None:
    row = booking_row(_created("confirmed", starts_at=None), NOW)
    assert row.actions == ("cancel", "complete") and row.when == words.TIME_TO_BE_AGREED


def test_final_statuses_offer_nothing_and_say_who_cancelled() -> None:
    for status in ("declined", "expired", "cancelled", "completed"):
        assert booking_row(_created(status), NOW).actions == ()
    assert booking_row(_created("cancelled", by="customer"), NOW).status == words.CANCELLED_BY["customer"]


def test_a_row_shows_time_duration_and_address() -> None:
    row = booking_row(_created("requested"), NOW)
    assert (row.when, row.duration, row.address) == ("Fri 2 Jan, 15:00 WITA", "90 min", "Villa Kayu, Jl. Raya Ubud 12")
    assert row.status == words.BOOKING_STATUS["requested"]


# --- answers, exactly once --------------------------------------------------------------------------


async def opened_with_request(api: FakeInboxApi) -> tuple[Page, str]:
    booking_id = api.add_booking("c1")
    page = await signed_in(api)
    page.inbox.open_conversation("session_t-ayu_c1")
    await settle()
    return page, booking_id


@async_test
async def test_accept_confirms_the_booking_and_shows_it_in_upcoming() -> None:
    api = FakeInboxApi()
    page, booking_id = await opened_with_request(api)
    await page.inbox.act(booking_id, "accept")
    await settle()
    assert api.transitions == [(booking_id, "confirmed")]
    assert statuses(page) == {booking_id: words.BOOKING_STATUS["confirmed"]}
    assert page.inbox.booking_rows()[0].actions == ("cancel",) and page.inbox.booking_rows()[0].sending is None
    [(heading, rows)] = page.inbox.upcoming.days()
    assert heading == "Fri 2 Jan" and rows[0].customer == "Ana" and rows[0].time == "15:00 WITA"
    assert not page.inbox.conversations.items[0].waiting  # the list's next answer: no request waiting


@async_test
async def test_a_lost_answer_is_sent_again_under_the_same_key_and_counts_once() -> None:
    api = FakeInboxApi()
    page, booking_id = await opened_with_request(api)
    api.lose_next_answer = True
    await page.inbox.act(booking_id, "accept")
    assert page.inbox.booking_rows()[0].sending.status == words.MESSAGE_WAITING
    await page.inbox.sender.retry_now()
    await settle()
    assert len(api.action_posts) == 2 and len(set(api.action_posts)) == 1  # one key for both attempts
    assert api.transitions == [(booking_id, "confirmed")]
    assert page.inbox.booking_rows()[0].sending is None


@async_test
async def test_offline_the_answer_waits_survives_a_reload_and_goes_once_when_back() -> None:
    api = FakeInboxApi()
    page, booking_id = await opened_with_request(api)
    page.transport.offline = True
    await page.inbox.act(booking_id, "accept")
    row = page.inbox.booking_rows()[0]
    assert row.sending.status == words.MESSAGE_WAITING and row.actions == ()  # no second answer meanwhile
    assert page.inbox.queue_action(booking_id, "decline", "Too far") is None

    again = page.reload()
    await settle()
    assert api.transitions == [(booking_id, "confirmed")]  # the reload sent what was kept
    assert len(api.action_posts) == 1


@async_test
async def test_a_409_shows_not_sent_with_the_current_status_and_reads_the_booking_again() -> None:
    api = FakeInboxApi()
    page, booking_id = await opened_with_request(api)
    api.transition(booking_id, "cancelled", "customer")  # the customer cancelled first
    await page.inbox.act(booking_id, "accept")
    await settle()
    row = page.inbox.booking_rows()[0]
    assert row.sending.status == words.MESSAGE_NOT_SENT
    assert row.sending.reason == words.booking_now("cancelled")
    assert row.status == words.CANCELLED_BY["customer"] and row.actions == ()  # read again
    assert page.inbox.sender.outbox.load() == []  # not retried: the booking moved on
    page.inbox.actions.dismiss(booking_id)
    assert page.inbox.booking_rows()[0].sending is None


@async_test
async def test_decline_sends_its_reason_and_a_missing_one_is_not_sent_with_the_servers_words() -> None:
    api = FakeInboxApi()
    page, booking_id = await opened_with_request(api)
    await page.inbox.act(booking_id, "decline", "")
    row = page.inbox.booking_rows()[0]
    assert row.sending.status == words.MESSAGE_NOT_SENT and row.sending.reason
    assert row.actions == ("accept", "decline")  # not on its way any more: the therapist can answer again
    await page.inbox.act(booking_id, "decline", "  Fully booked ")
    await settle()
    assert api.booking_rows[booking_id]["status_reason"] == "Fully booked"
    assert page.inbox.booking_rows()[0].status == words.BOOKING_STATUS["declined"]


@async_test
async def test_a_status_change_arrives_live_as_a_system_line_and_refreshes_the_bookings() -> None:
    api = FakeInboxApi()
    booking_id = api.add_booking("c1", status="confirmed")
    page = await signed_in(api)
    page.inbox.open_conversation("session_t-ayu_c1")
    await settle()
    assert len(page.inbox.upcoming.items) == 1
    api.transition(booking_id, "cancelled", "customer", "Flight changed")
    await settle()
    assert statuses(page) == {booking_id: words.CANCELLED_BY["customer"]}
    assert page.inbox.booking_rows()[0].reason == "Flight changed"
    assert page.inbox.upcoming.items == []
    last = page.inbox.rows()[-1]
    assert last.sender_type == "system"
    assert last.text == "Ana cancelled the booking on Fri 2 Jan, 15:00 WITA (“Flight changed”)"


@async_test
async def test_a_change_in_another_conversation_refreshes_upcoming_through_the_list() -> None:
    api = FakeInboxApi()
    booking_id = api.add_booking("c1", status="confirmed")
    page = await signed_in(api)
    assert len(page.inbox.upcoming.items) == 1
    api.transition(booking_id, "cancelled", "customer")
    await settle()
    assert page.inbox.upcoming.items == []


# --- upcoming, by the therapist's day ----------------------------------------------------------------


class _Api:
    def __init__(self, bookings: list[dict]) -> None:
        self.bookings = bookings

    async def get(self, path: str) -> dict:
        return {"bookings": self.bookings}


def _confirmed(booking_id: str, starts_at: str | None, name: str) -> dict:
    api = FakeInboxApi()
    row = api.booking_rows[api.add_booking("c1", status="confirmed", starts_at=starts_at, name=name)]
    return dict(row, id=booking_id)


@async_test
async def test_upcoming_bookings_are_by_start_grouped_by_the_therapists_day() -> None:
    from tests.support.fakes import FakeClock

    upcoming = UpcomingBookings(_Api([
        _confirmed("b3", "2026-12-10T09:00:00+08:00", "Citra"),
        _confirmed("b1", "2026-12-09T15:00:00+08:00", "Ana"),
        # 23:30 WITA on the 9th is the 9th for the therapist, though it is the 10th in Sydney
        # and still the 9th's afternoon in UTC.
        _confirmed("b2", "2026-12-09T23:30:00+08:00", "Budi"),
        _confirmed("b0", None, "Dewi"),
    ]), FakeClock())
    await upcoming.refresh()
    days = upcoming.days()
    assert [heading for heading, _ in days] == ["Wed 9 Dec", "Thu 10 Dec", words.TIME_TO_BE_AGREED]
    assert [[(r.customer, r.time) for r in rows] for _, rows in days][:2] == [
        [("Ana", "15:00 WITA"), ("Budi", "23:30 WITA")], [("Citra", "09:00 WITA")]]
    assert days[0][1][0].address == "Villa Kayu, Jl. Raya Ubud 12" and days[0][1][0].duration == "90 min"


def test_the_new_words_are_translated() -> None:
    import gettext
    from pathlib import Path

    from app.domain import i18n

    mo = Path("static/locale/id/LC_MESSAGES/chatbooking.mo")
    with mo.open("rb") as handle:
        i18n.use("id", gettext.GNUTranslations(handle))
    try:
        said = translate(when(datetime.fromisoformat("2026-12-09T15:00:00+08:00"), "WITA"))
        assert said == "Rab 9 Des, 15.00 WITA"
        assert translate(words.request_waiting(1)) != "Request waiting"
        # A reason from the short list is sent in English and read in the reader's language:
        assert translate(words.known_reason("Too far")) == "Terlalu jauh"
        assert translate(words.known_reason("My own words")) == "My own words"
    finally:
        i18n.use("en")


@async_test
async def test_closing_a_conversation_ends_its_long_poll_at_once_without_saying_offline() -> None:
    api = FakeInboxApi()
    api.add_customer_message("c1", "Hello")
    api.add_customer_message("c2", "Hi")
    api.read_through["session_t-ayu_c2"] = 1  # read already: opening it changes nothing on the server
    page = await signed_in(api)
    page.inbox.open_conversation("session_t-ayu_c1")
    await settle()
    assert api.waiting["session_t-ayu_c1"] == 1
    page.inbox.open_conversation("session_t-ayu_c2")  # c1 closed: its poll must not hold on for 25 s
    await settle()
    assert api.waiting["session_t-ayu_c1"] == 0 and api.waiting["session_t-ayu_c2"] == 1
    assert not page.inbox.offline  # a poll ended on purpose is not a lost connection
    asked = sum(1 for r in page.transport.requests if "c1/messages" in r.url)
    api.add_customer_message("c1", "Later")
    await settle()
    assert sum(1 for r in page.transport.requests if "c1/messages" in r.url) == asked  # not asked again
