"""Texts of the autosave indicator, health line, recovery prompt and chat."""

import dataclasses

from app.domain.models import BookingDraft
from app.drafts.session import HealthStatus
from app.ui.presenter import (
    NOT_PERSISTENT,
    ago,
    autosave_text,
    draft_summary,
    health_texts,
    sender_label,
)

NOW = 1_767_225_600_000  # 2026-01-01T00:00Z


def health(**changes) -> HealthStatus:
    base = HealthStatus(operational=True, auto_save_enabled=True, draft_exists=False, draft_version=None,
                        persistent=True, last_saved=None, last_error=None, bytes_used=None)
    return dataclasses.replace(base, **changes)


def test_autosave_says_saving_while_a_write_is_pending() -> None:
    assert autosave_text(saving=False, unsaved=True, last_saved_ms=None, now_ms=NOW, persistent=True).text == "Saving…"


def test_autosave_says_saved_just_now_then_counts_seconds_and_minutes() -> None:
    def text(elapsed_ms: int) -> str:
        return autosave_text(saving=False, last_saved_ms=NOW - elapsed_ms, now_ms=NOW, persistent=True).text

    assert text(1_000) == "Saved just now"
    assert text(12_000) == "Saved 12s ago"
    assert text(180_000) == "Saved 3 min ago"


def test_autosave_warns_when_storage_is_not_persistent() -> None:
    indicator = autosave_text(saving=False, last_saved_ms=NOW, now_ms=NOW, persistent=False)
    assert indicator.text == NOT_PERSISTENT
    assert indicator.kind == "warning"
    assert "only kept while this tab is open" in indicator.text


def test_ago_never_goes_negative_and_rolls_into_hours_and_days() -> None:
    assert ago(-5_000) == "just now"
    assert ago(2 * 3600_000) == "2 h ago"
    assert ago(3 * 86_400_000) == "3 d ago"


def test_health_line_reports_storage_autosave_and_version() -> None:
    storage, autosave, version = health_texts(health(draft_exists=True, draft_version=7))
    assert (storage.text, autosave.text, version.text) == ("Storage: OK", "Autosave: active", "Draft version: 7")


def test_health_line_flags_in_memory_storage() -> None:
    storage, _, version = health_texts(health(persistent=False, draft_exists=False))
    assert storage.text == "Storage: this tab only" and storage.kind == "warning"
    assert version.text == "Draft version: –"


def test_recovery_summary_describes_the_draft_in_words() -> None:
    draft = BookingDraft(therapist_id="t-ayu", duration=90, location_type="hotel", massage_for="partner",
                         customer_name="Ana", last_modified=NOW - 120_000)
    assert draft_summary(draft, NOW, "Ayu Lestari") == (
        "90 min with Ayu Lestari at a hotel for my partner (Ana) — last edited 2 min ago.")


def test_recovery_summary_of_an_almost_empty_draft_is_still_a_sentence() -> None:
    assert draft_summary(BookingDraft(therapist_id="t"), NOW) == "A booking you started."


def test_sender_labels() -> None:
    assert sender_label("customer", "Ayu") == "You"
    assert sender_label("therapist", "Ayu") == "Ayu"
