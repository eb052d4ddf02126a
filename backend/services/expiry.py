"""The expiry sweep: a request nobody answered by its ``expires_at`` becomes ``expired`` on time,
even when nobody polls. A background task of every server process (``backend.main``'s lifespan).

Every ``BOOKING_SWEEP_INTERVAL`` seconds it asks, without a write lock, whether a request is
overdue; only then it expires them in one transaction (``bookings.expire_overdue``: one
``UPDATE … RETURNING`` and one system message each), and wakes both sides' long polls. On
PostgreSQL several processes sweep the same table: the UPDATE's row locks make each booking
expire, and be announced, exactly once.

Example::

    task = asyncio.get_running_loop().create_task(sweep_forever(database, notifier, 1.0))
    sweep_once(database)            # the bookings it expired (tests, the CLI)
"""

from __future__ import annotations

import asyncio
import logging

from app.domain.models import BookingCreated
from backend.core.clock import now_ms
from backend.core.notify import Notifier
from backend.crud import bookings as crud
from backend.db.engine import Database, transaction
from backend.services.notifications import Outbox
from backend.services.booking_events import wake
from backend.services.bookings import expire_overdue

log = logging.getLogger(__name__)


def sweep_once(database: Database, outbox: Outbox | None = None) -> list[BookingCreated]:
    """Expire every overdue request now; the ones this call expired (not those another process did)."""
    expired: list[BookingCreated] = []
    with database.connection() as conn:
        while True:
            now = now_ms()
            if not crud.has_due(conn, now):
                return expired
            with transaction(conn):
                expired += expire_overdue(conn, now, outbox=outbox)


async def sweep_forever(database: Database, notifier: Notifier, interval: float,
                        outbox: Outbox | None = None) -> None:
    """Sweep every ``interval`` seconds until cancelled; a failure (the database away) is logged and
    the next round tries again."""
    while True:
        try:
            for booking in await asyncio.to_thread(sweep_once, database, outbox):
                wake(notifier, booking)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the sweep must outlive a database outage
            log.warning("expiry sweep failed: %s; trying again in %.1f s", exc, interval)
        await asyncio.sleep(interval)
