"""The early-input record as static/js/boot.js writes it: parsed leniently, split by therapist."""

from __future__ import annotations

import json

from app.persistence.early_input import EarlyInput, EarlyMessage, EarlyReplies, EarlyReply


def ayu(therapist: str) -> bool:
    return therapist in ("", "t-ayu")  # "" is the default therapist's page, which is Ayu's


RECORD = {"fields": {"customer_name": "Ana"}, "message": "", "at": 1_700_000_000_500,
          "messages": [{"id": "a" * 32, "text": " first ", "at": 1_700_000_000_000, "therapist": ""},
                       {"id": "b" * 32, "text": "for Budi", "at": 1_700_000_000_100, "therapist": "t-budi"},
                       {"id": "c" * 32, "text": "second", "at": 1_700_000_000_200, "therapist": "t-ayu"}],
          "order": {"at": 1_700_000_000_300, "therapist": "t-ayu"}}


def test_this_pages_messages_come_in_the_order_they_were_sent_with_their_ids() -> None:
    early = EarlyInput.parse(json.dumps(RECORD))
    assert early.at == 1_700_000_000_500
    assert early.messages_for(ayu) == [EarlyMessage("a" * 32, "first", 1_700_000_000_000, ""),
                                       EarlyMessage("c" * 32, "second", 1_700_000_000_200, "t-ayu")]


def test_another_therapists_messages_stay_in_the_record_for_their_page() -> None:
    rest = json.loads(EarlyInput.parse(json.dumps(RECORD)).rest(ayu))
    assert [m["id"] for m in rest["messages"]] == ["b" * 32]
    assert rest["fields"] == {} and "order" not in rest
    assert EarlyInput.parse(json.dumps({**RECORD, "messages": RECORD["messages"][:1]})).rest(ayu) is None


def test_an_order_press_counts_only_on_the_load_it_was_made_on() -> None:
    early = EarlyInput.parse(json.dumps(RECORD))
    assert early.ordered(ayu, since_ms=1_700_000_000_000)
    assert not early.ordered(ayu, since_ms=1_700_000_000_301)  # an earlier load that never got ready
    assert not early.ordered(lambda t: t == "t-budi", since_ms=0)


def test_a_damaged_record_or_damaged_messages_are_skipped_never_raised() -> None:
    for text in (None, "", "{", "[]", "42", json.dumps({"messages": "x", "order": 3, "at": "soon"})):
        early = EarlyInput.parse(text)
        assert early.messages_for(ayu) == [] and early.at is None and not early.ordered(ayu, since_ms=0)
    bad = [{"id": "has space", "text": "x", "at": 1}, {"id": "d", "text": "   ", "at": 1},
           {"id": "e", "text": 5, "at": 1}, {"id": "f", "text": "ok", "at": -1}, "junk",
           {"id": "g", "text": "x" * 5000, "at": 2}]
    early = EarlyInput.parse(json.dumps({"messages": bad}))
    assert [(m.id, len(m.text)) for m in early.messages_for(ayu)] == [("g", 2000)]


# The inbox's own record (static/js/early-reply.js): replies sent before ready, and the reply being typed.
SESSION = "session_t-ayu_c1"
INBOX_RECORD = {"session": SESSION, "reply": "See you", "at": 1_700_000_000_900,
                "replies": [{"id": "d" * 32, "text": " Yes, 3 pm is free ", "at": 1_700_000_000_100,
                             "session": SESSION},
                            {"id": "e" * 32, "text": "And bring oil?", "at": 1_700_000_000_200,
                             "session": SESSION}]}


def test_the_inboxs_early_replies_keep_their_ids_order_and_conversation() -> None:
    early = EarlyReplies.parse(json.dumps(INBOX_RECORD))
    assert early.replies == (EarlyReply("d" * 32, "Yes, 3 pm is free", 1_700_000_000_100, SESSION),
                             EarlyReply("e" * 32, "And bring oil?", 1_700_000_000_200, SESSION))
    assert early.typing == (SESSION, "See you")


def test_a_damaged_inbox_record_or_reply_is_skipped_never_raised() -> None:
    for text in (None, "", "{not json", "[]", "42", json.dumps({"replies": "x"})):
        assert EarlyReplies.parse(text) == EarlyReplies()
    bad = {"session": "no spaces allowed", "reply": "typed", "replies": [
        {"id": "f" * 32, "text": "to nowhere", "at": 1, "session": "../etc"},
        {"id": "bad id!", "text": "x", "at": 1, "session": SESSION},
        {"id": "g" * 32, "text": "   ", "at": 1, "session": SESSION},
        {"id": "h" * 32, "text": "kept", "at": 1, "session": SESSION}]}
    early = EarlyReplies.parse(json.dumps(bad))
    assert [r.id for r in early.replies] == ["h" * 32]
    assert early.typing is None  # typing without a valid conversation has nowhere to go


def test_an_emptied_reply_box_is_said_so_a_sent_draft_is_replaced_by_nothing() -> None:
    early = EarlyReplies.parse(json.dumps({"session": SESSION, "reply": "", "replies": []}))
    assert early.typing == (SESSION, "")
    assert EarlyReplies.parse(json.dumps({"session": SESSION, "replies": []})).typing is None  # box untouched
