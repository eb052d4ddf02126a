"""What the outbox says about an outgoing item, and what each kind of item must provide.

``SyncResult`` is the answer to one send (truthy only when the server stored it);
``SyncSnapshot`` is what subscribers of the sender hear on every change; ``Delivery`` is the
small protocol each kind (booking, message, reply) implements for ``app.outbox.sender``.

Example::

    result = await sync.submit(session_id, request)
    if not result and result.status is SyncStatus.REJECTED:
        show(result.fields)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from app.domain.ports import HttpResponse
from app.domain.words import SendTexts
from app.outbox.store import OutboxEntry


class SyncStatus(str, Enum):
    CONFIRMED = "confirmed"  # the server stored it; ``created`` holds what the delivery made of its answer
    QUEUED = "queued"  # kept on this device and sent again later (timer, online, page load)
    REJECTED = "rejected"  # 400/422: the server refused the data; ``errors`` say what to fix
    CONFLICT = "conflict"  # 409 (or a reused key refused): kept, sent again only when asked
    INVALID = "invalid"  # incomplete on this device: nothing was queued or sent; ``errors`` say what to fix


@dataclass(frozen=True)
class SyncResult:
    """What happened to one outgoing item; truthy only when it is confirmed."""

    status: SyncStatus
    booking_id: str | None = None
    created: Any = None
    errors: list[str] = field(default_factory=list)
    message: str = ""
    idempotency_key: str | None = None
    # ``errors`` paired with the form field each is about (None: the item as a whole), so the
    # page marks and focuses that field just as it does for its own validation errors.
    fields: list[tuple[str | None, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.status is SyncStatus.CONFIRMED


@dataclass(frozen=True)
class SyncSnapshot:
    """What a subscriber gets on every change."""

    is_syncing: bool
    queued: int
    persistent: bool
    problem: str | None


@dataclass(frozen=True)
class Request:
    path: str  # under the API base, e.g. "bookings"
    headers: dict[str, str] = field(default_factory=dict)
    # What is POSTed when it is not the entry's own body (a booking action keeps its booking id and
    # action in the entry, and sends only {"reason": ...}).
    body: dict[str, Any] | None = None


class Delivery(Protocol):
    """One kind of outgoing item."""

    texts: SendTexts

    def request(self, entry: OutboxEntry) -> Request:
        """Where ``entry`` goes, with any headers of its own (the sender adds JSON and the key)."""

    def delivered(self, entry: OutboxEntry, response: HttpResponse) -> SyncResult:
        """The server answered 2xx: record it (the entry is already removed) and say so."""

    def refused(self, entry: OutboxEntry, result: SyncResult) -> None:
        """The server refused the entry for good (4xx): tell whoever shows it."""

    def finished_elsewhere(self, entry: OutboxEntry) -> SyncResult:
        """Another tab finished ``entry`` while this one waited to claim it."""

    # Optional: ``conflicted(entry, response) -> SyncResult | None``. A kind that has it is told of a
    # 409 after its entry left the outbox (an action on a booking whose status moved on, a time just
    # taken) and says what it means; None puts the entry back, parked as CONFLICT until the person
    # asks again (as for a kind without the method).
