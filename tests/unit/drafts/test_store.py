"""DraftStore: backup-then-primary writes, newest readable copy on load, corrupt copy quarantined."""

import json

import pytest

from app.domain.models import BookingDraft
from app.drafts.records import CORRUPT_CODEC, DRAFT_CODEC
from app.persistence import keys
from app.persistence.safe_storage import SafeStorage
from tests.support.fakes import FakeClock, FakeStorage

DAY_MS = 24 * 3600 * 1000
PRIMARY, BACKUP, CORRUPT = keys.draft_key("s1"), keys.backup_key("s1"), keys.corrupt_key("s1")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def raw() -> FakeStorage:
    return FakeStorage()


def store_for(raw: FakeStorage, clock: FakeClock, therapist_id: str = "t-ayu"):
    from app.drafts.store import DraftStore

    return DraftStore(SafeStorage(raw), "s1", therapist_id=therapist_id, clock=clock, max_age_ms=7 * DAY_MS)


def make(clock: FakeClock, version: int, **fields: object) -> BookingDraft:
    return BookingDraft(therapist_id="t-ayu", version=version, last_modified=clock.now_ms(), **fields)


def test_write_puts_the_same_value_in_backup_and_primary(raw: FakeStorage, clock: FakeClock) -> None:
    store_for(raw, clock).write(make(clock, 1, customer_name="Ana"))
    assert raw.data[PRIMARY] == raw.data[BACKUP]
    assert json.loads(raw.data[PRIMARY])["data"]["customer_name"] == "Ana"


def test_writes_go_backup_first_then_primary(raw: FakeStorage, clock: FakeClock) -> None:
    order = []
    set_item = raw.setItem
    raw.setItem = lambda k, v: (order.append(k), set_item(k, v))  # type: ignore[method-assign]
    store_for(raw, clock).write(make(clock, 1))
    assert order == [BACKUP, PRIMARY]


def test_a_torn_primary_is_quarantined_and_rewritten_from_backup(raw: FakeStorage, clock: FakeClock) -> None:
    drafts = store_for(raw, clock)
    drafts.write(make(clock, 3, customer_name="Ana"))
    torn = raw.data[PRIMARY][:40]
    raw.data[PRIMARY] = torn
    result = drafts.load()
    assert result.draft is not None and result.draft.version == 3 and result.draft.customer_name == "Ana"
    assert "restored the copy of version 3" in (result.problem or "")
    assert DRAFT_CODEC.decode(raw.data[PRIMARY], key=PRIMARY).data["version"] == 3
    quarantined = CORRUPT_CODEC.decode(raw.data[CORRUPT], key=CORRUPT).data
    assert quarantined["raw"] == torn and quarantined["saved_at"] == clock.now_ms()
    assert "not valid JSON" in quarantined["reason"]


def test_a_crash_between_backup_and_primary_write_loads_the_newer_backup(raw: FakeStorage,
                                                                          clock: FakeClock) -> None:
    drafts = store_for(raw, clock)
    drafts.write(make(clock, 1, customer_name="Ana"))
    raw.data[BACKUP] = DRAFT_CODEC.encode(make(clock, 2, customer_name="Ana Putri").model_dump(mode="json"))
    result = drafts.load()
    assert result.draft is not None and result.draft.customer_name == "Ana Putri" and result.problem is None
    assert raw.data[PRIMARY] == raw.data[BACKUP]


def test_both_copies_bad_starts_empty_and_says_so(raw: FakeStorage, clock: FakeClock) -> None:
    raw.data.update({PRIMARY: "{", BACKUP: "also bad"})
    result = store_for(raw, clock).load()
    assert result.draft is None and "no good copy" in (result.problem or "")
    assert PRIMARY not in raw.data and BACKUP not in raw.data and CORRUPT in raw.data


def test_nothing_stored_loads_nothing_without_a_problem(raw: FakeStorage, clock: FakeClock) -> None:
    assert store_for(raw, clock).load().draft is None
    assert raw.data == {}


def test_another_therapists_draft_is_not_used_and_not_deleted(raw: FakeStorage, clock: FakeClock) -> None:
    store_for(raw, clock, therapist_id="t-made").write(
        BookingDraft(therapist_id="t-made", version=1, last_modified=clock.now_ms(), customer_name="Ana"))
    drafts = store_for(raw, clock, therapist_id="t-ayu")
    assert drafts.load().draft is None and drafts.newest() is None
    assert PRIMARY in raw.data


def test_an_expired_draft_is_deleted_on_load(raw: FakeStorage, clock: FakeClock) -> None:
    drafts = store_for(raw, clock)
    drafts.write(make(clock, 1))
    clock.set_ms(clock.now_ms() + 7 * DAY_MS + 1)
    assert drafts.load().draft is None
    assert raw.data == {}


def test_remove_forgets_primary_backup_and_corrupt_copy(raw: FakeStorage, clock: FakeClock) -> None:
    drafts = store_for(raw, clock)
    drafts.write(make(clock, 1))
    raw.data[CORRUPT] = "x"
    drafts.remove()
    assert raw.data == {}


def test_newest_skips_a_damaged_copy(raw: FakeStorage, clock: FakeClock) -> None:
    drafts = store_for(raw, clock)
    drafts.write(make(clock, 5))
    raw.data[PRIMARY] = "garbage"
    newest = drafts.newest()
    assert newest is not None and newest.version == 5


def test_re_reading_what_this_tab_wrote_does_not_decode_it_again(monkeypatch) -> None:
    from app.drafts import store as module
    from app.drafts.session import ChatBookingStorageService
    from tests.support.fakes import FakeClock, FakeScheduler, FakeStorage

    storage = FakeStorage()
    clock = FakeClock()
    service = ChatBookingStorageService("t-ayu", "session_t-ayu_c1", storage=storage,
                                        scheduler=FakeScheduler(clock), clock=clock)
    service.save_draft_immediately({"customer_name": "Ana"})
    decoded: list[str] = []
    real_decode = module.DRAFT_CODEC.decode
    monkeypatch.setattr(module, "DRAFT_CODEC", type("Spy", (), {
        "decode": staticmethod(lambda raw, key: decoded.append(key) or real_decode(raw, key=key)),
        "encode": staticmethod(module.DRAFT_CODEC.encode)})())
    service.save_draft_immediately({"customer_name": "Ana Putri"})
    assert decoded == []  # both stored copies were the text this tab wrote
    storage.data[service._drafts.key] = storage.data[service._drafts.key].replace("Ana Putri", "Ana P")
    service.save_draft_immediately({"customer_whatsapp": "+6281234567890"})
    assert decoded  # a changed value is decoded (here: its checksum fails, so it is not trusted)
    assert service.draft.customer_name == "Ana Putri"
