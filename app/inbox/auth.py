"""Signing the therapist in and out: a token checked with the server, then kept on the device.

The token (from ``python -m backend therapist-token <id>``) is checked with
``GET /api/therapist/me`` and, when the server knows it, stored with the therapist's id and
name at ``chatbooking:v1:therapist_token`` in the shared envelope, so the next visit (even an
offline one) opens signed in. It stays until ``sign_out()``. Storage goes through
``SafeStorage``: blocked or full storage keeps the token for this tab only (``persistent``
False, and the page says so).

Example::

    auth = TherapistAuth(SafeStorage(storage))
    result = await auth.sign_in(api, "  tok_123  ")
    if result.ok: auth.headers()     # {"Authorization": "Bearer tok_123"}
    else: show(result.message)       # words.INBOX_TOKEN_WRONG for a 401
    auth.sign_out()                  # the token is removed from the device
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from app.domain import words
from app.domain.errors import AccessDenied, CorruptRecord, NetworkError, ServiceError
from app.inbox.api import InboxApi
from app.persistence.envelope import Codec
from app.persistence.keys import THERAPIST_TOKEN_KEY
from app.persistence.safe_storage import SafeStorage

TOKEN_CODEC = Codec("therapist_token", schema=1)
TOKEN_MAX = 256


class Credentials(BaseModel):
    token: str
    therapist_id: str
    name: str = ""


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    message: str = ""  # what the therapist reads when it failed


class TherapistAuth:
    def __init__(self, store: SafeStorage) -> None:
        self.store = store
        self.credentials: Credentials | None = self._load()

    @property
    def signed_in(self) -> bool:
        return self.credentials is not None

    @property
    def persistent(self) -> bool:
        return self.store.persistent

    def headers(self) -> dict[str, str]:
        """The bearer header of the signed-in therapist; empty when signed out."""
        return {"Authorization": f"Bearer {self.credentials.token}"} if self.credentials else {}

    def _load(self) -> Credentials | None:
        raw = self.store.get(THERAPIST_TOKEN_KEY)
        if raw is None:
            return None
        try:
            return Credentials.model_validate(TOKEN_CODEC.decode(raw, key=THERAPIST_TOKEN_KEY).data)
        except (CorruptRecord, ValidationError):
            self.store.remove(THERAPIST_TOKEN_KEY)  # unreadable: signing in again is the way back
            return None

    async def sign_in(self, api: InboxApi, token: str) -> SignInResult:
        """Check ``token`` with the server; keep it only when the server knows it."""
        token = token.strip()
        if not token or len(token) > TOKEN_MAX:
            return SignInResult(False, words.INBOX_TOKEN_MISSING if not token else words.INBOX_TOKEN_WRONG)
        try:
            me = await api.get("therapist/me", headers={"Authorization": f"Bearer {token}"})
            credentials = Credentials(token=token, therapist_id=str(me["therapist_id"]),
                                      name=str(me.get("name") or ""))
        except AccessDenied:
            return SignInResult(False, words.INBOX_TOKEN_WRONG)
        except NetworkError:
            return SignInResult(False, words.INBOX_SIGN_IN_OFFLINE)
        except ServiceError as error:
            return SignInResult(False, words.INBOX_SIGN_IN_FAILED.format(status=error.status))
        except (KeyError, ValidationError):
            return SignInResult(False, words.INBOX_SIGN_IN_FAILED.format(status=200))
        self.credentials = credentials
        self.store.set(THERAPIST_TOKEN_KEY, TOKEN_CODEC.encode(credentials.model_dump()))
        return SignInResult(True)

    def sign_out(self) -> None:
        """Forget the token, in memory and on the device."""
        self.credentials = None
        self.store.remove(THERAPIST_TOKEN_KEY)
