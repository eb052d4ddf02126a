"""Session ids: ``session_<therapist_id>_<customer_id>``, checked against the catalog.

The therapist id is a catalog id (``t-ayu``); the customer id is the rest, a canonical UUID4 as
the page makes it (``backend.core.bodies.is_customer_id``; anything else is a 422 on ``customer_id``).
Matching catalog ids as prefixes keeps the split unambiguous.

Example::

    parse_session_id("session_t-ayu_0b7e...", catalog)   # Session("session_t-ayu_0b7e...", "t-ayu", "0b7e...")
    session_id_for("t-ayu", "0b7e...")                    # "session_t-ayu_0b7e..."
"""

from __future__ import annotations

from app.domain.models import ID_MAX
from backend.core.bodies import is_customer_id
from backend.core.errors import FieldError, InvalidRequest
from backend.core.models import Session
from backend.services.catalog import Catalog

__all__ = ["PREFIX", "SESSION_MAX", "SESSION_PATTERN", "Session", "parse_session_id", "session_id_for"]

PREFIX = "session_"
# What /openapi.json documents (and FastAPI checks first); the catalog is checked in code.
SESSION_PATTERN = r"^session_[A-Za-z0-9.:-]+_[A-Za-z0-9_.:-]+$"
SESSION_MAX = len(PREFIX) + 2 * ID_MAX + 1


def session_id_for(therapist_id: str, customer_id: str) -> str:
    return f"{PREFIX}{therapist_id}_{customer_id}"


def _invalid(message: str, kind: str) -> InvalidRequest:
    return InvalidRequest([FieldError(field="session_id", type=kind, message=message)])


def parse_session_id(session_id: str, catalog: Catalog) -> Session:
    """Split and check; InvalidRequest on ``session_id`` when it names nobody we know."""
    if not session_id.startswith(PREFIX):
        raise _invalid("must look like session_<therapist_id>_<customer_id>", "session_format")
    rest = session_id[len(PREFIX):]
    candidates = [t for t in catalog.therapists if rest.startswith(t + "_")]
    if not candidates:
        raise _invalid("names a therapist who is not in the catalog", "unknown_therapist")
    therapist_id = max(candidates, key=len)
    customer_id = rest[len(therapist_id) + 1:]
    if not is_customer_id(customer_id):
        raise InvalidRequest([FieldError(
            field="customer_id", type="customer_id_format",
            message="the customer id at the end of session_id must be a UUID4 in canonical form")])
    return Session(session_id, therapist_id, customer_id)
