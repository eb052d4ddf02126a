"""Personal data is not kept on the device forever: chats after 30 days, confirmations after 30 days."""

from app.domain.models import BookingCreated, BookingRequest
from app.domain.retention import CHAT_MAX_AGE_MS, CONFIRMATION_MAX_AGE_MS, DAY_MS
from app.drafts.housekeeping import remove_expired_chats
from app.drafts.records import MESSAGES_CODEC, SCROLL_CODEC
from app.outbox.store import ConfirmationStore
from app.persistence import keys
from tests.support.fakes import FakeClock, FakeStorage

NOW = FakeClock().now_ms()


def chat(newest_ms: int) -> str:
    return MESSAGES_CODEC.encode([{"id": "m1", "sender_id": "c1", "sender_type": "customer", "message": "hi",
                                   "timestamp": newest_ms - 10}, {"id": "m2", "sender_id": "t", "sender_type":
                                   "therapist", "message": "yo", "timestamp": 1, "server_time": newest_ms}])


def test_a_chat_untouched_for_30_days_is_removed_with_its_scroll_position_and_a_recent_one_stays() -> None:
    storage = FakeStorage({keys.messages_key("old"): chat(NOW - CHAT_MAX_AGE_MS - DAY_MS),
                           keys.scroll_key("old"): SCROLL_CODEC.encode(10),
                           keys.messages_key("new"): chat(NOW - 29 * DAY_MS)})
    removed = remove_expired_chats(storage, now_ms=NOW)
    assert set(removed) == {keys.messages_key("old"), keys.scroll_key("old")}
    assert list(storage.data) == [keys.messages_key("new")]


def test_a_confirmation_is_forgotten_30_days_after_the_server_confirmed() -> None:
    clock = FakeClock()
    storage = FakeStorage()
    confirmations = ConfirmationStore(storage, clock)
    request = BookingRequest(therapist_id="t-ayu", customer_id="c1", customer_name="Ana Putri",
                             customer_whatsapp="+62 812 3456 7890", duration=90, price=475000,
                             location_type="villa", massage_for="partner", address="Villa Kayu", asap=True)
    confirmations.save("s1", BookingCreated(id="bk_1", created_at=NOW, booking=request))
    clock.set_ms(NOW + CONFIRMATION_MAX_AGE_MS)
    assert confirmations.load("s1") is not None
    clock.set_ms(NOW + CONFIRMATION_MAX_AGE_MS + 1)
    assert confirmations.load("s1") is None and storage.data == {}
