"""What this device remembers about Web Push, at ``chatbooking:v1:push``: the server's push config
and which subscription endpoint the server has stored for whom.

The config (``GET /api/push/config``) is kept so a page opened offline still knows whether push
exists on this site; the endpoints are kept per *owner* (``therapist:<id>`` or ``customer:<id>``),
because the inbox and the customer's page share one service worker, hence one browser
subscription: turning one of them off must not unsubscribe the other. The record is in the shared
envelope; an unreadable one reads as empty (nothing known, nothing stored), never as an error.
"Forget me on this device" removes it with every other key of ours.

Example::

    record = PushRecord.load(store)
    record.config = PushConfig(enabled=True, public_key="BP...")
    record.endpoints["customer:0b7e..."] = "https://fcm.googleapis.com/fcm/send/..."
    record.save(store)
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from app.domain.errors import CorruptRecord
from app.persistence.envelope import Codec
from app.persistence.keys import PUSH_KEY
from app.persistence.safe_storage import SafeStorage

PUSH_CODEC = Codec("push", schema=1)


class PushConfig(BaseModel):
    """``GET /api/push/config``: push is on when the server has VAPID keys (then ``public_key``)."""

    enabled: bool = False
    public_key: str | None = None

    @property
    def usable(self) -> bool:
        return self.enabled and bool(self.public_key)


class PushRecord(BaseModel):
    config: PushConfig | None = None  # None: never heard from the server on this device
    endpoints: dict[str, str] = {}    # owner -> the endpoint the server stored for them

    @classmethod
    def load(cls, store: SafeStorage) -> PushRecord:
        raw = store.get(PUSH_KEY)
        if raw is None:
            return cls()
        try:
            return cls.model_validate(PUSH_CODEC.decode(raw, key=PUSH_KEY).data)
        except (CorruptRecord, ValidationError):
            store.remove(PUSH_KEY)  # unreadable: the switch reads the browser's subscription again
            return cls()

    def save(self, store: SafeStorage) -> None:
        # best effort: without storage the switch still works for this visit (derived from the browser)
        store.set(PUSH_KEY, PUSH_CODEC.encode(self.model_dump()), best_effort=True)

    def others_use(self, endpoint: str, owner: str) -> bool:
        """Whether someone else on this device (the other page) has this endpoint stored too."""
        return any(value == endpoint for key, value in self.endpoints.items() if key != owner)
