"""What an HTTP answer means for an outgoing item, and the field errors a refusal carries.

====================  =====================================================================
2xx                   DELIVERED: the server stored it (removed from the outbox)
400 / 422             REJECTED: the server refused the data; retrying cannot help
409                   CONFLICT: kept, not retried on its own (the person decides)
408, 429, 5xx         RETRY: kept, retried with backoff; ``Retry-After`` is honoured
anything else (3xx,   UNEXPECTED: retried a few times (a captive portal or a deploy may pass),
401, 403, 404, ...)   then parked until the next page load / online / visible / explicit send
====================  =====================================================================

Example::

    classify(503)                       # Outcome.RETRY
    server_field_errors('{"errors": [{"field": "customer_name", "message": "Too short"}]}')
    # [("customer_name", "Your name: Too short")]
    answered_status("server answered 404")   # 404: a server answered, so the device is not offline
    answered_status("no connection (TypeError: Failed to fetch)")   # None
"""

from __future__ import annotations

import json
from enum import Enum

from app.domain.i18n import Foreign, Text
from app.domain.validation import message_for
from app.domain.words import FIELD_LABELS, SERVER_REFUSED


class Outcome(Enum):
    DELIVERED = "delivered"    # 2xx
    REJECTED = "rejected"      # 400 / 422
    CONFLICT = "conflict"      # 409
    RETRY = "retry"            # 408 / 429 / 5xx: worth trying again later
    UNEXPECTED = "unexpected"  # anything else: a few tries, then wait for the person


def classify(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (400, 422):
        return Outcome.REJECTED
    if status == 409:
        return Outcome.CONFLICT
    if status in (408, 429) or 500 <= status < 600:
        return Outcome.RETRY
    return Outcome.UNEXPECTED


ANSWERED = "server answered "  # how the sender records an attempt that got an HTTP answer


def answered(status: int) -> str:
    """The ``last_error`` of an attempt that got ``status`` back (not delivered)."""
    return f"{ANSWERED}{status}"


def answered_status(last_error: str) -> int | None:
    """The HTTP status of the last failed attempt, from its ``last_error``; None when no server answered.

    Why it matters: "Waiting for network" means this device is offline. A server that answered
    404 or 501 (a page published without its API, a wrong ``chatbooking:api-base``) or 503 is
    there to be reached: the page says the service is unavailable instead, and still retries.
    """
    if not last_error.startswith(ANSWERED):
        return None
    code = last_error.removeprefix(ANSWERED).split(maxsplit=1)[0] if last_error != ANSWERED else ""
    return int(code) if code.isdigit() else None


def id_from(text: str) -> str | None:
    """The ``id`` of a JSON object answer, or None."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def server_errors(text: str) -> list[str]:
    """Sentences from a 400/422 body, in either shape the backend may use::

        {"detail": [{"loc": ["body", "customer_name"], "msg": "..."}]}          # FastAPI's default
        {"detail": "...", "errors": [{"field": "customer_name", "message": "..."}]}
    """
    return [message for _, message in server_field_errors(text)]


def server_field_errors(text: str) -> list[tuple[str | None, str]]:
    """``server_errors``, each sentence paired with the field it is about (None when it names none)."""
    try:
        payload = json.loads(text)
    except ValueError:
        return []
    if not isinstance(payload, dict):
        return []
    fields = [_field_sentence(item.get("field"), item.get("message"), item.get("type"))
              for item in payload.get("errors") or [] if isinstance(item, dict)]
    detail = payload.get("detail")
    if isinstance(detail, list):
        for item in detail:
            if isinstance(item, dict):
                names = [part for part in item.get("loc") or [] if isinstance(part, str) and part != "body"]
                fields.append(_field_sentence(names[-1] if names else None, item.get("msg"), item.get("type")))
    elif isinstance(detail, str) and not fields:  # a summary only counts when nothing finer came
        fields.append((None, Foreign(detail.strip(), SERVER_REFUSED)))
    return [(name, message) for name, message in fields if message]


def _field_sentence(field_name: object, message: object, code: object = None) -> tuple[str | None, str]:
    """The server's sentence about a field, in English as it said it; in another language the
    page's own words for that field (and error ``type``) instead of the server's English."""
    text = str(message or "").strip().removeprefix("Value error, ")
    if not text or not isinstance(field_name, str) or not field_name:
        return None, Foreign(text, SERVER_REFUSED) if text else text
    name = field_name.rsplit(".", 1)[-1]  # the backend may name a nested field "booking.price"
    label = FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()
    ours = message_for(name, str(code or "")) or (Text("{label}: please check it", label=FIELD_LABELS[name])
                                                  if name in FIELD_LABELS else SERVER_REFUSED)
    return name, Foreign(f"{label}: {text}", ours)
