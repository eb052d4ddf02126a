""""Forget me on this device" removes every key of ours and nothing else; unsent items are counted first."""

from app.outbox.store import OUTBOX_CODEC, unsent_items
from app.persistence import keys
from app.persistence.forget import forget_device
from tests.support.fakes import FakeStorage


def test_forgetting_removes_every_key_of_ours_and_leaves_other_scripts_keys() -> None:
    storage = FakeStorage({
        keys.draft_key("s1"): "d", keys.backup_key("s1"): "b", keys.messages_key("s1"): "m",
        keys.confirmation_key("s1"): "c", keys.chat_key("s1"): "p", keys.OUTBOX_KEY: "o",
        keys.CUSTOMER_ID_KEY: "id", keys.CUSTOMER_TOKEN_KEY: "t", keys.HAS_BOOKED_KEY: "1",
        keys.THERAPIST_TOKEN_KEY: "tt", keys.PUSH_KEY: "p", "theme": "dark", "chatbooking:v2:future": "x",
    })
    removed = forget_device(storage)
    assert len(removed) == 11 and keys.PUSH_KEY in removed  # the push switch's record goes too
    assert storage.data == {"theme": "dark", "chatbooking:v2:future": "x"}


def test_unsent_items_are_counted_by_kind_before_anything_is_forgotten() -> None:
    entries = [{"key": "a", "kind": "booking"}, {"key": "b", "kind": "message"}, {"key": "c", "kind": "message"},
               {"key": "d"}]  # an entry from before kinds existed is a booking
    storage = FakeStorage({keys.OUTBOX_KEY: OUTBOX_CODEC.encode(entries)})
    assert unsent_items(storage) == {"booking": 2, "message": 2}
    assert unsent_items(FakeStorage()) == {} and unsent_items(None) == {}


def test_blocked_storage_forgets_nothing_and_counts_nothing() -> None:
    storage = FakeStorage({keys.OUTBOX_KEY: "x"})
    storage.unavailable = True
    assert unsent_items(storage) == {}
