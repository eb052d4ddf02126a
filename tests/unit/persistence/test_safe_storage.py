"""SafeStorage: storage failures become status (persistent, last_error), data stays in memory."""

from app.domain.errors import QuotaExceeded, StorageUnavailable
from app.drafts.housekeeping import reclaim_space, remove_expired_drafts
from app.drafts.records import CORRUPT_CODEC, DRAFT_CODEC, MESSAGES_CODEC
from app.persistence import keys
from app.persistence.safe_storage import SafeStorage
from tests.support.fakes import FakeStorage

NOW = 1_767_225_600_000
DAY = 24 * 3600 * 1000
KEY = keys.draft_key("me")


def test_working_storage_is_persistent_and_reads_back() -> None:
    store = SafeStorage(FakeStorage())
    assert store.set(KEY, "v") is True
    assert store.get(KEY) == "v" and store.persistent and store.last_error is None


def test_no_storage_at_all_keeps_values_in_memory() -> None:
    store = SafeStorage(None)
    assert store.set(KEY, "v") is False
    assert store.get(KEY) == "v"
    assert store.persistent is False and isinstance(store.last_error, StorageUnavailable)


def test_safari_private_mode_security_error_falls_back_to_memory() -> None:
    raw = FakeStorage()
    raw.unavailable = True  # every call throws SecurityError, as in Safari with storage blocked
    store, errors = SafeStorage(raw), []
    store.on_error = errors.append
    assert store.get(KEY) is None
    assert store.set(KEY, "v") is False
    assert store.get(KEY) == "v" and store.keys() == [KEY]
    assert store.persistent is False and all(isinstance(e, StorageUnavailable) for e in errors) and errors


def test_quota_exceeded_frees_space_then_retries_once() -> None:
    raw = FakeStorage({"chatbooking:v1:old:messages": "x" * 50}, quota_bytes=200)
    freed = []

    def free_space(storage: FakeStorage) -> None:
        freed.append(True)
        storage.removeItem("chatbooking:v1:old:messages")

    store = SafeStorage(raw, free_space=free_space)
    assert store.set(KEY, "y" * 40) is True
    assert freed == [True] and raw.data == {KEY: "y" * 40} and store.persistent


def test_quota_still_exceeded_after_freeing_keeps_the_value_in_memory() -> None:
    raw = FakeStorage(quota_bytes=10)
    calls = []
    store = SafeStorage(raw, free_space=lambda s: calls.append(1))
    assert store.set(KEY, "value") is False
    assert calls == [1]  # freed once, retried once
    assert store.held(KEY) and KEY not in raw.data
    assert store.persistent is False and isinstance(store.last_error, QuotaExceeded)


def test_reads_prefer_storage_over_memory_while_storage_answers() -> None:
    # Another tab may have written since; the owner of a held value merges and writes again.
    raw = FakeStorage(quota_bytes=10)
    store = SafeStorage(raw)
    store.set(KEY, "mine")
    raw.data[KEY] = "other tab"
    assert store.get(KEY) == "other tab"
    raw.unavailable = True
    assert store.get(KEY) == "mine"


def test_a_later_successful_write_of_the_key_makes_storage_persistent_again() -> None:
    raw = FakeStorage(quota_bytes=10)
    store = SafeStorage(raw)
    store.set(KEY, "held")
    store.set(keys.scroll_key("me"), "1")
    raw.quota_bytes = None
    assert store.set(KEY, "again") is True
    assert not store.persistent  # the scroll value is still held: nothing is written back blindly
    assert store.set(keys.scroll_key("me"), "1") is True
    assert store.persistent and raw.data == {KEY: "again", keys.scroll_key("me"): "1"}


def test_removing_a_held_key_forgets_the_memory_copy_too() -> None:
    store = SafeStorage(None)
    store.set(KEY, "held")
    store.remove(KEY)
    assert store.get(KEY) is None and not store.held(KEY)


def test_best_effort_values_are_dropped_not_held_when_refused() -> None:
    store = SafeStorage(FakeStorage(quota_bytes=10))
    assert store.set(KEY, "copy", best_effort=True) is False
    assert store.get(KEY) is None and store.persistent is True
    assert isinstance(store.last_error, QuotaExceeded)


def test_keys_and_bytes_used_cover_only_our_keys_like_browsers_count() -> None:
    store = SafeStorage(FakeStorage({"theme": "dark", KEY: "abc"}))
    assert store.keys() == [KEY]
    assert store.bytes_used() == 2 * (len(KEY) + 3)


def draft_record(session: str, last_modified: int) -> str:
    return DRAFT_CODEC.encode({"therapist_id": "t1", "last_modified": last_modified, "version": 1})


def test_remove_expired_drafts_deletes_old_drafts_backups_and_corrupt_copies_of_every_session() -> None:
    raw = FakeStorage({
        keys.draft_key("old"): draft_record("old", NOW - 8 * DAY),
        keys.backup_key("old"): draft_record("old", NOW - 8 * DAY),
        keys.corrupt_key("old"): CORRUPT_CODEC.encode({"raw": "{", "saved_at": NOW - 9 * DAY, "reason": "x"}),
        keys.draft_key("fresh"): draft_record("fresh", NOW - 6 * DAY),
        keys.messages_key("old"): MESSAGES_CODEC.encode([]),
        keys.draft_key("broken"): "{not json",
        "someone-else:draft": draft_record("x", 0),
    })
    removed = remove_expired_drafts(raw, now_ms=NOW, max_age_ms=7 * DAY)
    assert sorted(removed) == sorted([keys.draft_key("old"), keys.backup_key("old"), keys.corrupt_key("old")])
    assert set(raw.data) == {keys.draft_key("fresh"), keys.messages_key("old"), keys.draft_key("broken"),
                             "someone-else:draft"}


def message(i: int) -> dict:
    return {"id": f"m{i}", "sender_id": "c1", "sender_type": "customer", "message": f"hi {i}", "timestamp": i}


def test_reclaim_space_halves_other_sessions_messages_keeping_the_newest_and_caps_ours() -> None:
    raw = FakeStorage({
        keys.messages_key("other"): MESSAGES_CODEC.encode([message(i) for i in range(10)]),
        keys.messages_key("me"): MESSAGES_CODEC.encode([message(i) for i in range(10)]),
        keys.messages_key("junk"): "garbage",
        keys.corrupt_key("me"): CORRUPT_CODEC.encode({"raw": "{", "saved_at": NOW, "reason": "x"}),
    })
    reclaim_space(raw, session_id="me", now_ms=NOW, max_age_ms=7 * DAY, max_messages=8)
    other = MESSAGES_CODEC.decode(raw.data[keys.messages_key("other")], key="k").data
    mine = MESSAGES_CODEC.decode(raw.data[keys.messages_key("me")], key="k").data
    assert [m["id"] for m in other] == [f"m{i}" for i in range(5, 10)]
    assert [m["id"] for m in mine] == [f"m{i}" for i in range(2, 10)]
    assert keys.messages_key("junk") not in raw.data and keys.corrupt_key("me") not in raw.data


def test_housekeeping_on_unavailable_storage_does_nothing_and_does_not_raise() -> None:
    raw = FakeStorage({keys.draft_key("old"): draft_record("old", 0)})
    raw.unavailable = True
    assert remove_expired_drafts(raw, now_ms=NOW, max_age_ms=DAY) == []
    assert reclaim_space(raw, session_id="me", now_ms=NOW, max_age_ms=DAY, max_messages=1) == []
