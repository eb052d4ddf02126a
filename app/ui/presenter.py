"""Words the page shows, computed from plain values (no DOM, so tested under CPython).

The browser view (``app.browser.view``) only puts these strings on the page.

Example::

    autosave_text(saving=False, last_saved_ms=now - 12_000, now_ms=now, persistent=True)
    # Indicator(text='Saved 12s ago', kind='ok')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from app.domain import words
from app.domain.i18n import Text, join
from app.domain.models import BookingDraft
from app.drafts.session import HealthStatus

NOT_PERSISTENT = words.NOT_PERSISTENT


@dataclass(frozen=True)
class Indicator:
    text: str
    kind: str = "ok"  # ok | busy | warning | error | queued (the CSS styles each)


def ago(elapsed_ms: int) -> str:
    seconds = max(0, elapsed_ms) // 1000
    if seconds < 5:
        return Text("just now")
    if seconds < 60:
        return Text("{n}s ago", n=seconds)
    if seconds < 3600:
        return Text("{n} min ago", n=seconds // 60)
    if seconds < 86_400:
        return Text("{n} h ago", n=seconds // 3600)
    return Text("{n} d ago", n=seconds // 86_400)


def autosave_text(*, saving: bool, last_saved_ms: int | None, now_ms: int, persistent: bool,
                  unsaved: bool = False) -> Indicator:
    """The autosave indicator: "Saving…", "Saved just now", "Saved 12s ago", or a warning."""
    if not persistent:
        return Indicator(NOT_PERSISTENT, "warning")
    if saving or unsaved:
        return Indicator(words.SAVING, "busy")
    if last_saved_ms is None:
        return Indicator(words.DRAFT_SAVED_AS_YOU_TYPE)
    return Indicator(Text("Saved {ago}", ago=ago(now_ms - last_saved_ms)))


def health_texts(health: HealthStatus) -> tuple[Indicator, Indicator, Indicator]:
    """The small health line: storage, autosave, draft version."""
    if not health.operational:
        storage = Indicator(Text("Storage: not working"), "warning")
    elif not health.persistent:
        storage = Indicator(Text("Storage: this tab only"), "warning")
    else:
        storage = Indicator(Text("Storage: OK"))
    autosave = Indicator(Text("Autosave: active") if health.auto_save_enabled else Text("Autosave: off"),
                         "ok" if health.auto_save_enabled else "warning")
    version = health.draft_version
    draft = Indicator(Text("Draft version: {version}", version=version) if health.draft_exists and version
                      else Text("Draft version: –"))
    return storage, autosave, draft


def persist_text(granted: bool | None, *, asked: bool) -> str:
    """The health line's "Kept by the browser" part: what navigator.storage.persist() answered."""
    if granted:
        return words.PERSIST_GRANTED
    if asked and granted is False:
        return words.PERSIST_DENIED
    return words.PERSIST_UNKNOWN


# The recovery prompt's pieces, whole (a translation needs the phrase, not the option's label).
_AT_PLACE = {"home": Text("at home"), "hotel": Text("at a hotel"), "villa": Text("at a villa"),
             "office": Text("at an office")}
_FOR_WHOM = {"myself": Text("for myself"), "partner": Text("for my partner"), "friend": Text("for a friend"),
             "family": Text("for a family member")}


def draft_summary(draft: BookingDraft, now_ms: int, therapist_name: str = "") -> str:
    """One line describing a stored draft, for the recovery prompt."""
    parts = []
    if draft.duration:
        parts.append(Text("{minutes} min", minutes=draft.duration))
    name = therapist_name or draft.therapist_name
    if name:
        parts.append(Text("with {name}", name=name))
    if draft.location_type:
        parts.append(_AT_PLACE[draft.location_type])
    if draft.massage_for:
        parts.append(_FOR_WHOM[draft.massage_for])
    if draft.customer_name:
        parts.append(Text("({name})", name=draft.customer_name))
    what = join(" ", parts) if parts else Text("A booking you started")
    if not draft.last_modified:
        return Text("{what}.", what=what)
    return Text("{what} — last edited {ago}.", what=what, ago=ago(now_ms - draft.last_modified))


def message_time(timestamp_ms: int, now_ms: int, utc_offset_min: int = 0) -> str:
    """"14:05" for today, "3 Jan 14:05" for older messages, in the customer's local time."""
    def local(ms: int) -> datetime:
        return datetime.fromtimestamp((ms - utc_offset_min * 60_000) / 1000, tz=timezone.utc)

    when, today = local(timestamp_ms), local(now_ms)
    clock = f"{when.hour:02d}:{when.minute:02d}"
    if when.date() == today.date():
        return clock
    return f"{when.day} {when.strftime('%b')} {clock}"


SENDER_LABELS = words.SENDER_LABELS


def sender_label(sender_type: str, therapist_name: str) -> str:
    return SENDER_LABELS.get(sender_type, therapist_name or words.THERAPIST_FALLBACK)
