"""Which tab sends an outbox entry: a lease written on the entry itself, in localStorage.

A tab sends an entry only while it holds the entry's lease (``lease_owner`` / ``lease_until``).
Claiming writes the lease and reads it back: when two tabs claim at once, the later write wins
and the other tab sees someone else's name and backs off. localStorage is not atomic across
processes, so a race of a few milliseconds can still let both send; the idempotency key makes
that harmless (the server stores one copy).

Example::

    lease = Lease(outbox, clock, owner_id="tab-1")
    entry = lease.claim(key)           # None when another tab holds it
    ...
    lease.release_all()                # pagehide: let a reload send at once
"""

from __future__ import annotations

from app.domain.ports import Clock
from app.outbox.store import EntryState, Outbox, OutboxEntry

# Longer than the transport's 15 s timeout, so a live sender never loses its lease mid-request,
# short enough that a tab closed mid-request delays the others by half a minute at most.
LEASE_MS = 30_000


class Lease:
    def __init__(self, outbox: Outbox, clock: Clock, owner_id: str) -> None:
        self._outbox, self._clock, self.owner_id = outbox, clock, owner_id

    def held_elsewhere(self, entry: OutboxEntry) -> bool:
        return entry.lease_owner not in (None, self.owner_id) and entry.lease_until > self._clock.now_ms()

    def claim(self, key: str) -> OutboxEntry | None:
        """Write our lease on the entry, read it back, and hand it over only if the lease is still ours."""
        def take(entries: list[OutboxEntry]) -> bool:
            current = next((e for e in entries if e.key == key), None)
            if current is None or current.state is EntryState.CONFLICT or self.held_elsewhere(current):
                return False
            current.lease_owner, current.lease_until = self.owner_id, self._clock.now_ms() + LEASE_MS
            current.maybe_delivered = True  # from here on, the POST may reach the server
            return True

        if not self._outbox.update(take):
            return None
        current = self._outbox.find(key)
        return current if current is not None and current.lease_owner == self.owner_id else None

    def release_all(self) -> None:
        """The page is going away (``pagehide``): hand our leases back so another tab, or this
        page after a reload, can send at once instead of waiting ``LEASE_MS`` for them to expire.
        A request still in flight dies with the page; its key makes a resend harmless."""
        def release(entries: list[OutboxEntry]) -> bool:
            mine = [e for e in entries if e.lease_owner == self.owner_id]
            for entry in mine:
                entry.lease_owner, entry.lease_until = None, 0
            return bool(mine)

        if any(e.lease_owner == self.owner_id for e in self._outbox.load()):
            self._outbox.update(release)
