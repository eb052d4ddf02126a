"""What a notification says, in the recipient's language (English, Indonesian): title and body.

The pages' words live in ``app/domain/words.py`` + gettext; a notification is written on the server,
for a device whose page is closed, so its few sentences are here, one table per language.
Times are the therapist's (the booking's zone label, e.g. ``Tue 9 Dec, 15:00 WITA``).

Example::

    words_for("booking_requested", "therapist", "en", facts)
    # ("New booking request", "Ana Putri: Tue 9 Dec, 15:00 WITA, 90 min")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

LANGUAGES = ("en", "id")
_DAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
         "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")}
_MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
           "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")}
_ASAP = {"en": "as soon as possible", "id": "secepatnya"}

# (type, recipient) -> language -> (title, body); {customer}, {therapist}, {when}, {text}, {reason}, {minutes}
_TABLE: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("message", "therapist"): {"en": ("Message from {customer}", "{text}"),
                               "id": ("Pesan dari {customer}", "{text}")},
    ("reply", "customer"): {"en": ("{therapist} answered", "{text}"),
                            "id": ("{therapist} membalas", "{text}")},
    ("booking_requested", "therapist"): {
        "en": ("New booking request", "{customer}: {when}, {minutes} min"),
        "id": ("Permintaan booking baru", "{customer}: {when}, {minutes} menit")},
    ("booking_confirmed", "customer"): {
        "en": ("Booking confirmed", "{therapist} confirmed your booking for {when}"),
        "id": ("Booking dikonfirmasi", "{therapist} mengonfirmasi booking Anda untuk {when}")},
    ("booking_declined", "customer"): {
        "en": ("Declined", "{therapist} declined your request for {when}{reason}"),
        "id": ("Ditolak", "{therapist} menolak permintaan Anda untuk {when}{reason}")},
    ("booking_expired", "customer"): {
        "en": ("Expired", "{therapist} did not answer your request for {when} in time"),
        "id": ("Kedaluwarsa", "{therapist} tidak menjawab permintaan Anda untuk {when} tepat waktu")},
    ("booking_expired", "therapist"): {
        "en": ("Expired", "The request from {customer} for {when} expired unanswered"),
        "id": ("Kedaluwarsa", "Permintaan dari {customer} untuk {when} kedaluwarsa tanpa jawaban")},
    ("booking_cancelled", "customer"): {
        "en": ("Cancelled", "{therapist} cancelled your booking for {when}{reason}"),
        "id": ("Dibatalkan", "{therapist} membatalkan booking Anda untuk {when}{reason}")},
    ("booking_cancelled", "therapist"): {
        "en": ("Cancelled", "{customer} cancelled the booking for {when}{reason}"),
        "id": ("Dibatalkan", "{customer} membatalkan booking untuk {when}{reason}")},
    ("reminder", "customer"): {
        "en": ("Reminder", "Your massage with {therapist} starts {when}"),
        "id": ("Pengingat", "Pijat Anda dengan {therapist} mulai {when}")},
    ("reminder", "therapist"): {
        "en": ("Reminder", "Your session with {customer} starts {when}"),
        "id": ("Pengingat", "Sesi Anda dengan {customer} mulai {when}")},
}


@dataclass(frozen=True)
class Facts:
    """What a sentence may name. ``starts_at`` is in the therapist's zone; None: no time (asap)."""

    customer: str = ""
    therapist: str = ""
    text: str = ""
    starts_at: datetime | None = None
    zone_label: str = ""
    minutes: int = 0
    reason: str = ""


def language_of(value: str | None) -> str:
    """'id', 'id-ID' -> 'id'; anything else -> 'en'."""
    base = (value or "").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def when(starts_at: datetime | None, zone_label: str, language: str) -> str:
    """``Tue 9 Dec, 15:00 WITA`` (``Sel 9 Des, 15:00 WITA``); ``as soon as possible`` without a time."""
    if starts_at is None:
        return _ASAP[language]
    day = _DAYS[language][starts_at.weekday()]
    month = _MONTHS[language][starts_at.month - 1]
    label = f" {zone_label}" if zone_label else ""
    return f"{day} {starts_at.day} {month}, {starts_at:%H:%M}{label}"


def knows(type_: str, recipient: str) -> bool:
    return (type_, recipient) in _TABLE


def words_for(type_: str, recipient: str, language: str, facts: Facts) -> tuple[str, str]:
    """(title, body) for this event type and recipient, in ``language`` (English when unknown)."""
    language = language_of(language)
    title, body = _TABLE[(type_, recipient)][language]
    values = {"customer": facts.customer, "therapist": facts.therapist, "text": facts.text,
              "when": when(facts.starts_at, facts.zone_label, language), "minutes": facts.minutes,
              "reason": f": {facts.reason}" if facts.reason else ""}
    return title.format(**values), body.format(**values)
