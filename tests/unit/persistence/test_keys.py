"""Key naming: everything we store is under chatbooking:v1:<session_id>:..."""

import pytest

from app.persistence import keys


def test_keys_follow_the_storage_layout_contract() -> None:
    assert keys.draft_key("s-42") == "chatbooking:v1:s-42:draft"
    assert keys.backup_key("s-42") == "chatbooking:v1:s-42:draft:backup"
    assert keys.corrupt_key("s-42") == "chatbooking:v1:s-42:draft:corrupt"
    assert keys.messages_key("s-42") == "chatbooking:v1:s-42:messages"
    assert keys.scroll_key("s-42") == "chatbooking:v1:s-42:scroll"


@pytest.mark.parametrize("kind", sorted(keys.KINDS))
def test_parse_key_reads_back_every_kind(kind: str) -> None:
    assert keys.parse_key(keys.key_for("abc_1.2", kind)) == ("abc_1.2", kind)


@pytest.mark.parametrize("foreign", [None, "", "theme", "chatbooking:v0:s:draft", "chatbooking:v1:s:unknown",
                                     "chatbooking:v1::draft", "chatbooking:v1:s"])
def test_parse_key_ignores_keys_that_are_not_ours(foreign: str | None) -> None:
    assert keys.parse_key(foreign) is None


@pytest.mark.parametrize("bad", ["", "a:b", "with space", "x" * 65, 42])
def test_session_ids_that_would_make_keys_ambiguous_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="session id"):
        keys.draft_key(bad)  # type: ignore[arg-type]


def test_unknown_record_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown record kind"):
        keys.key_for("s", "drafts")
