"""Housekeeping of our records in localStorage: expiring old drafts, freeing space when it is full.

``reclaim_space`` only ever deletes our own records (keys under ``chatbooking:v1:``), cheapest
loss first: expired drafts, quarantined corrupt copies, then other sessions' oldest chat
messages and anything over the per-session message cap. ``remove_expired_drafts`` and
``remove_expired_chats`` also run at start: old drafts and chats hold personal data nobody
will come back for (the periods are ``app.domain.retention``'s).

Example::

    remove_expired_drafts(storage, now_ms=clock.now_ms(), max_age_ms=7 * 24 * 3600 * 1000)
    SafeStorage(storage, free_space=lambda s: reclaim_space(s, session_id=sid, now_ms=now,
                                                            max_age_ms=age, max_messages=200))
"""

from __future__ import annotations

from app.domain.errors import CorruptRecord, StorageError
from app.domain.ports import Storage
from app.domain.retention import CHAT_MAX_AGE_MS, expired
from app.drafts.records import CORRUPT_CODEC, DRAFT_CODEC, MESSAGES_CODEC
from app.persistence import keys
from app.persistence.safe_storage import our_keys


def _draft_stamp(key: str, kind: str, raw: str) -> int | None:
    """When a draft-like record was last touched (epoch ms), or None if unreadable."""
    corrupt_copy = kind == keys.DRAFT_CORRUPT
    codec, field = (CORRUPT_CODEC, "saved_at") if corrupt_copy else (DRAFT_CODEC, "last_modified")
    try:
        data = codec.decode(raw, key=key).data
    except CorruptRecord:
        return None  # its own session quarantines it on load; the quota path deletes it
    stamp = data.get(field, 0) if isinstance(data, dict) else None
    return stamp if type(stamp) is int else None


def remove_expired_drafts(storage: Storage | None, *, now_ms: int, max_age_ms: int) -> list[str]:
    """Delete every session's draft, backup and corrupt copy untouched for ``max_age_ms``."""
    removed: list[str] = []
    try:
        for key in our_keys(storage):
            session_kind = keys.parse_key(key)
            if session_kind is None or session_kind[1] not in keys.DRAFT_KINDS:
                continue
            raw = storage.getItem(key)  # type: ignore[union-attr]  # our_keys returned keys: not None
            stamp = _draft_stamp(key, session_kind[1], raw) if raw is not None else None
            if stamp is not None and now_ms - stamp > max_age_ms:
                storage.removeItem(key)  # type: ignore[union-attr]
                removed.append(key)
    except StorageError:
        pass  # housekeeping only: the next write reports the storage problem to the page
    return removed


def _newest_message(raw: str, key: str) -> int | None:
    try:
        messages = MESSAGES_CODEC.decode(raw, key=key).data
    except CorruptRecord:
        return None
    stamps = [m.get("server_time") or m.get("timestamp") for m in messages if isinstance(m, dict)] \
        if isinstance(messages, list) else []
    stamps = [s for s in stamps if type(s) is int]
    return max(stamps, default=None)


def remove_expired_chats(storage: Storage | None, *, now_ms: int, max_age_ms: int = CHAT_MAX_AGE_MS) -> list[str]:
    """Delete every session's chat history (and scroll position) whose newest message is older than
    ``max_age_ms``: a conversation nobody came back to for a month is personal data to let go."""
    removed: list[str] = []
    try:
        for key in our_keys(storage):
            session_kind = keys.parse_key(key)
            if session_kind is None or session_kind[1] != keys.MESSAGES:
                continue
            raw = storage.getItem(key)  # type: ignore[union-attr]
            if raw is not None and expired(_newest_message(raw, key), now_ms, max_age_ms):
                for old in (key, keys.scroll_key(session_kind[0])):
                    storage.removeItem(old)  # type: ignore[union-attr]
                    removed.append(old)
    except StorageError:
        pass  # housekeeping only: the next write reports the storage problem to the page
    return removed


def reclaim_space(storage: Storage, *, session_id: str, now_ms: int, max_age_ms: int,
                  max_messages: int) -> list[str]:
    """Free space we own, cheapest loss first; returns the keys deleted or shrunk."""
    changed = remove_expired_drafts(storage, now_ms=now_ms, max_age_ms=max_age_ms)
    try:
        for key in our_keys(storage):
            owner, kind = keys.parse_key(key) or ("", "")
            if kind == keys.DRAFT_CORRUPT:
                storage.removeItem(key)  # a diagnostic copy is worth less than a live draft
                changed.append(key)
            elif kind == keys.MESSAGES and _trim_messages(storage, key, keep_half=owner != session_id,
                                                          max_messages=max_messages):
                changed.append(key)
    except StorageError:
        pass  # the caller retries its write once and reports whatever still fails
    return changed


def _trim_messages(storage: Storage, key: str, *, keep_half: bool, max_messages: int) -> bool:
    raw = storage.getItem(key)
    if raw is None:
        return False
    try:
        messages = MESSAGES_CODEC.decode(raw, key=key).data
    except CorruptRecord:
        messages = None
    if not isinstance(messages, list):
        storage.removeItem(key)  # unreadable history helps nobody
        return True
    keep = min(len(messages) // 2 if keep_half else len(messages), max_messages)
    if keep == len(messages):
        return False
    if keep == 0:
        storage.removeItem(key)
    else:
        # Stored oldest first: the newest messages are the ones worth keeping.
        storage.setItem(key, MESSAGES_CODEC.encode(messages[len(messages) - keep:]))
    return True
