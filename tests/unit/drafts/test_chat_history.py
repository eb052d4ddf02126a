"""ChatHistory: messages written at once and merged by id; scroll position written on demand."""

from app.domain.models import HistoryMessage
from app.drafts.chat_history import ChatHistory
from app.drafts.records import MESSAGES_CODEC, SCROLL_CODEC
from app.persistence import keys
from app.persistence.safe_storage import SafeStorage
from tests.support.fakes import FakeStorage


def msg(i: int, text: str = "") -> dict:
    return {"id": f"m{i}", "sender_id": "c1", "sender_type": "customer", "message": text or f"hi {i}",
            "timestamp": 1000 + i}


def stored_ids(raw: FakeStorage) -> list[str]:
    return [m["id"] for m in MESSAGES_CODEC.decode(raw.data[keys.messages_key("s1")], key="k").data]


def test_a_message_is_written_at_once_and_read_back_by_a_new_instance() -> None:
    raw = FakeStorage()
    ChatHistory(SafeStorage(raw), "s1", max_messages=10).add(msg(1))
    reloaded = ChatHistory(SafeStorage(raw), "s1", max_messages=10)
    assert reloaded.messages == [HistoryMessage.model_validate(msg(1))]


def test_messages_from_two_tabs_are_merged_by_id_in_time_order() -> None:
    shared: dict[str, str] = {}
    tab_a = ChatHistory(SafeStorage(FakeStorage(shared)), "s1", max_messages=10)
    tab_b = ChatHistory(SafeStorage(FakeStorage(shared)), "s1", max_messages=10)
    tab_a.add(msg(2))
    tab_b.add(msg(1))
    tab_b.add(msg(3))
    assert stored_ids(FakeStorage(shared)) == ["m1", "m2", "m3"]


def test_a_known_id_replaces_the_old_message() -> None:
    raw = FakeStorage()
    history = ChatHistory(SafeStorage(raw), "s1", max_messages=10)
    history.add(msg(1))
    history.add({**msg(1), "is_read": True})
    assert [m.is_read for m in history.messages] == [True]


def test_only_the_newest_max_messages_are_kept() -> None:
    raw = FakeStorage()
    history = ChatHistory(SafeStorage(raw), "s1", max_messages=3)
    for i in range(6):
        history.add(msg(i))
    assert stored_ids(raw) == ["m3", "m4", "m5"]


def test_unreadable_history_starts_empty_and_reports_a_problem() -> None:
    raw = FakeStorage({keys.messages_key("s1"): '{"schema":1,"chec'})
    history = ChatHistory(SafeStorage(raw), "s1", max_messages=3)
    assert history.messages == [] and "chat history could not be read" in (history.problem or "")


def test_one_invalid_message_does_not_hide_the_others() -> None:
    raw = FakeStorage({keys.messages_key("s1"): MESSAGES_CODEC.encode([msg(1), {"id": "bad"}, msg(2)])})
    assert [m.id for m in ChatHistory(SafeStorage(raw), "s1", max_messages=3).messages] == ["m1", "m2"]


def test_scroll_position_stays_in_memory_until_written() -> None:
    raw = FakeStorage()
    history = ChatHistory(SafeStorage(raw), "s1", max_messages=3)
    assert history.set_scroll(120.7) is True and history.set_scroll(120) is False
    assert raw.data == {}
    history.write_pending()
    assert SCROLL_CODEC.decode(raw.data[keys.scroll_key("s1")], key="k").data == 120
    assert ChatHistory(SafeStorage(raw), "s1", max_messages=3).scroll == 120


def test_negative_or_damaged_scroll_positions_read_as_zero() -> None:
    raw = FakeStorage({keys.scroll_key("s1"): "nope"})
    history = ChatHistory(SafeStorage(raw), "s1", max_messages=3)
    assert history.scroll == 0
    history.set_scroll(-50)
    assert history.scroll == 0


def test_reset_forgets_messages_and_scroll_in_memory_and_storage() -> None:
    raw = FakeStorage()
    history = ChatHistory(SafeStorage(raw), "s1", max_messages=3)
    history.add(msg(1))
    history.set_scroll(10)
    history.write_pending()
    history.reset()
    assert history.messages == [] and history.scroll == 0 and raw.data == {}


def test_a_refused_message_write_is_retried_with_a_merge_not_replayed() -> None:
    shared: dict[str, str] = {}
    full = FakeStorage(shared, quota_bytes=10)
    history = ChatHistory(SafeStorage(full), "s1", max_messages=10)
    history.add(msg(1))
    assert history.unsaved and history.needs_write and shared == {}
    ChatHistory(SafeStorage(FakeStorage(shared)), "s1", max_messages=10).add(msg(2))  # another tab
    full.quota_bytes = None
    history.write_pending()
    assert not history.unsaved and stored_ids(FakeStorage(shared)) == ["m1", "m2"]
