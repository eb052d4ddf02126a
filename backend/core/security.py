"""Bearer tokens: their format and their hash (the therapists' tokens table is ``backend.crud.tokens``).

Tokens are random strings the server never stores: only their sha256 is kept, so a copy of
the database signs nobody in. Customers make their own token in the page (>= 128 random
bits); therapists get one from the operator CLI (``python -m backend therapist-token t-ayu``).

Example::

    token = new_token()                                   # 43 URL-safe characters
    token_hash(token)                                     # its sha256, hex: what is stored
    well_formed(token)                                    # True
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{22,128}$"  # 22 base64url characters = 132 bits, the least we take
_TOKEN = re.compile(TOKEN_PATTERN)


def well_formed(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def new_token() -> str:
    return secrets.token_urlsafe(32)
