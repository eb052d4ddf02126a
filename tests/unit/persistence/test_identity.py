"""The anonymous customer id is generated once, kept in localStorage, and survives failures."""

import uuid

from app.persistence.identity import CUSTOMER_ID_KEY, CustomerIdentity, session_id_for
from tests.support.fakes import FakeStorage

FIXED = uuid.UUID("0b7e6f5c-1d2a-4c3b-8e9f-a1b2c3d4e5f6")


def test_a_new_customer_gets_a_uuid4_that_is_stored() -> None:
    storage = FakeStorage()
    identity = CustomerIdentity(storage, new_uuid=lambda: FIXED)
    assert identity.customer_id == str(FIXED)
    assert storage.data[CUSTOMER_ID_KEY] == str(FIXED)
    assert identity.persistent


def test_the_id_is_generated_once_and_reused_on_every_load() -> None:
    storage = FakeStorage()
    first = CustomerIdentity(storage).customer_id
    again = CustomerIdentity(storage, new_uuid=lambda: FIXED).customer_id
    assert again == first
    assert uuid.UUID(first).version == 4


def test_an_unreadable_stored_id_is_replaced() -> None:
    storage = FakeStorage({CUSTOMER_ID_KEY: "hello; drop table"})
    assert CustomerIdentity(storage, new_uuid=lambda: FIXED).customer_id == str(FIXED)
    assert storage.data[CUSTOMER_ID_KEY] == str(FIXED)


def test_blocked_storage_gives_an_id_for_this_page_only() -> None:
    storage = FakeStorage()
    storage.unavailable = True
    identity = CustomerIdentity(storage, new_uuid=lambda: FIXED)
    assert identity.customer_id == str(FIXED)
    assert not identity.persistent


def test_full_storage_gives_an_id_for_this_page_only() -> None:
    identity = CustomerIdentity(FakeStorage(quota_bytes=10), new_uuid=lambda: FIXED)
    assert identity.customer_id == str(FIXED)
    assert not identity.persistent


def test_no_storage_at_all_still_gives_an_id() -> None:
    identity = CustomerIdentity(None, new_uuid=lambda: FIXED)
    assert identity.customer_id == str(FIXED) and not identity.persistent


def test_session_id_follows_the_seed_scheme() -> None:
    assert session_id_for("t-ayu", str(FIXED)) == f"session_t-ayu_{FIXED}"
    assert CustomerIdentity(None, new_uuid=lambda: FIXED).session_id("t-ayu") == f"session_t-ayu_{FIXED}"
