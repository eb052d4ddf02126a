"""Words the page shows, computed from plain values (no DOM, so tested under CPython).

The browser view (``app.browser.view``) only puts these strings on the page.

Example::

    autosave_text(saving=False, last_saved_ms=now - 12_000, now_ms=now, persistent=True)
    # Indicator(text='Saved 12s ago', kind='ok')
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import words
from app.domain.i18n import Text, join
from app.domain.models import LOCATION_TYPES, MASSAGE_FOR, BookingDraft
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


SENDER_LABELS = words.SENDER_LABELS


def sender_label(sender_type: str, therapist_name: str) -> str:
    return SENDER_LABELS.get(sender_type, therapist_name or words.THERAPIST_FALLBACK)


FieldError = tuple[str | None, str]


def errors_still_shown(shown: list[FieldError], current: list[FieldError], changed: str) -> list[FieldError]:
    """The "Please fix the following" list after the customer changed field ``changed``: it follows the fields.

    The changed field's errors leave when it is valid now, or show its current sentence (e.g.
    "required" became "at least 2 characters"); other fields' errors stay as they were (a server's
    "not on WhatsApp" is not dropped because the name changed). A field that was not in the list
    is not added: that waits for the next ``Order now``, so typing is not scolded letter by letter.
    The duration carries the price, and When its start time: changing one re-checks both.

    Example::

        errors_still_shown([("customer_name", "Your name is required"), ("duration", "Please choose a duration")],
                           [("duration", "Please choose a duration")], "customer_name")
        # [("duration", "Please choose a duration")]
    """
    fields = {"duration", "price"} if changed in ("duration", "price") else \
        {"when", "starts_at"} if changed in ("when", "starts_at") else {changed}
    kept: list[FieldError] = []
    placed = False
    for field, message in shown:
        if field not in fields:
            kept.append((field, message))
        elif not placed:
            placed = True
            kept.extend(error for error in current if error[0] in fields)
    return kept


# Calling codes of two digits (ITU-T E.164 list); 1 and 7 have one digit, every other code has three.
_TWO_DIGIT_CODES = frozenset({
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
    "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
    "86", "90", "91", "92", "93", "94", "95", "98"})


def whatsapp_display(number: str) -> str:
    """A WhatsApp number grouped as people write it: "+6281234567890" -> "+62 812 3456 7890".

    The country code, then the first three digits, then the rest in fours from the end; a group
    left shorter than three shares the digits with its neighbour ("345 678", not "34 5678").
    Anything that is not "+" and digits is shown as it is.

    Example::

        whatsapp_display("+14155550123")   # "+1 415 555 0123"
    """
    digits = number.strip()
    if not digits.startswith("+") or not digits[1:].isdigit() or len(digits) < 8:
        return number
    digits = digits[1:]
    code_length = 1 if digits[0] in "17" else 2 if digits[:2] in _TWO_DIGIT_CODES else 3
    code, national = digits[:code_length], digits[code_length:]
    head, rest = national[:3], national[3:]
    groups = []
    while len(rest) > 4:
        rest, tail = rest[:-4], rest[-4:]
        groups.insert(0, tail)
    if rest and len(rest) < 3 and groups:
        pair = rest + groups.pop(0)
        groups[:0] = [pair[:len(pair) // 2], pair[len(pair) // 2:]]
    elif rest:
        groups.insert(0, rest)
    return " ".join(["+" + code, head, *groups])


def confirmation_details(booking, therapist_name: str, price: str) -> tuple[str, list[tuple[str, str]]]:
    """The confirmation's one-line summary and its details (label, value), each said once.

    Example::

        confirmation_details(booking, "Ayu Lestari", "IDR 475,000")
        # ("90 min with Ayu Lestari for IDR 475,000.",
        #  [("Location", "Hotel"), ("Address", "Hotel Tugu, room 12"), ("Massage for", "My partner"), ("Name", "Ana Putri"),
        #   ("WhatsApp", "+62 812 3456 7890")])
    """
    summary = Text("{minutes} min with {therapist} for {price}.", minutes=booking.duration,
                   therapist=therapist_name, price=price)
    details = [(words.FIELD_LABELS["location_type"], LOCATION_TYPES.get(booking.location_type, "")),
               (words.FIELD_LABELS["address"], getattr(booking, "address", "")),
               (words.FIELD_LABELS["massage_for"], MASSAGE_FOR.get(booking.massage_for, "")),
               (Text("Name"), booking.customer_name),
               ("WhatsApp", whatsapp_display(booking.customer_whatsapp))]
    return summary, [(label, value) for label, value in details if value]
