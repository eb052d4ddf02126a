"""One session's booking draft as stored records: primary, backup and a quarantined corrupt copy.

Writes go *backup first, then primary*, both with the same new value. A write torn
by a crash or a killed tab damages at most one copy, and the other is readable:
the new value if the primary was torn, the previous value if the backup was torn.
Loading takes the newest copy that passes its checksum and validation, rewrites
the primary from it if needed, and keeps an unreadable primary under
``...:draft:corrupt`` (one per session, replaced each time) for diagnosis.

Nothing here raises at the caller: damage comes back as a sentence in
``LoadResult.problem`` for the page's health status.

Example::

    drafts = DraftStore(SafeStorage(FakeStorage()), "s-42", therapist_id="t1", clock=clock,
                        max_age_ms=7 * 24 * 3600 * 1000)
    drafts.write(BookingDraft(therapist_id="t1", version=1, last_modified=clock.now_ms()))
    assert drafts.load().draft.version == 1
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from app.domain.errors import CorruptRecord
from app.domain.models import BookingDraft
from app.domain.ports import Clock
from app.drafts.records import CORRUPT_CODEC, DRAFT_CODEC
from app.persistence import keys
from app.persistence.safe_storage import SafeStorage

_CORRUPT_KEEP_CHARS = 8192  # enough to diagnose a damaged draft without filling the quota with junk


@dataclass(frozen=True)
class LoadResult:
    draft: BookingDraft | None  # usable for this chat: right therapist, not expired
    problem: str | None = None  # what went wrong and what was done about it, for the customer


class DraftStore:
    def __init__(self, store: SafeStorage, session_id: str, *, therapist_id: str, clock: Clock,
                 max_age_ms: int) -> None:
        self.store, self.therapist_id, self.clock, self.max_age_ms = store, therapist_id, clock, max_age_ms
        self.key, self.backup_key = keys.draft_key(session_id), keys.backup_key(session_id)
        self.corrupt_key = keys.corrupt_key(session_id)
        # The last raw value seen per key and its draft: before every write the stored copies are
        # re-read (another tab may have written), and when the text is what we last wrote or read,
        # decoding it again (JSON, checksum, validation) would only repeat work.
        self._seen: dict[str, tuple[str, BookingDraft]] = {}

    def decode(self, raw: str | None, key: str) -> BookingDraft | None:
        """The draft in ``raw``; ``None`` if absent; ``CorruptRecord`` if unreadable or invalid."""
        if raw is None:
            return None
        seen = self._seen.get(key)
        if seen is not None and seen[0] == raw:
            return seen[1].model_copy()  # a copy: the service edits its draft in place
        data = DRAFT_CODEC.decode(raw, key=key).data
        try:
            draft = BookingDraft.model_validate(data)
        except ValidationError as exc:
            raise CorruptRecord(key, f"not a valid draft ({exc.error_count()} errors)") from exc
        self._seen[key] = (raw, draft.model_copy())
        return draft

    def usable(self, draft: BookingDraft | None) -> BookingDraft | None:
        # A draft for another therapist must never prefill this chat; an expired one is
        # personal data nobody will come back for.
        if draft is None or draft.therapist_id != self.therapist_id:
            return None
        if self.clock.now_ms() - draft.last_modified > self.max_age_ms:
            return None
        return draft

    def newest(self) -> BookingDraft | None:
        """Newest readable copy for this therapist, to merge with before a write."""
        found = []
        for key in (self.key, self.backup_key):
            try:
                draft = self.decode(self.store.get(key), key)
            except CorruptRecord:
                continue  # the coming write replaces it
            if draft is not None and draft.therapist_id == self.therapist_id:
                found.append(draft)
        return max(found, key=lambda d: d.version, default=None)

    def write(self, draft: BookingDraft) -> bool:
        """Store ``draft`` in both copies; True when the primary reached localStorage."""
        raw = DRAFT_CODEC.encode(draft.model_dump(mode="json"))
        kept = draft.model_copy()
        self._seen = {self.key: (raw, kept), self.backup_key: (raw, kept)}
        # The backup is a safety copy: if storage refuses it, do not hold it in memory.
        self.store.set(self.backup_key, raw, best_effort=True)
        return self.store.set(self.key, raw)

    def remove(self) -> None:
        """Forget every copy, the corrupt one included (it holds personal data too)."""
        self._seen.clear()
        for key in (self.key, self.backup_key, self.corrupt_key):
            self.store.remove(key)

    def load(self) -> LoadResult:
        raw = self.store.get(self.key)
        problem = None
        try:
            primary = self.decode(raw, self.key)
        except CorruptRecord as exc:
            primary = None
            self._quarantine(raw or "", exc)
        try:
            backup = self.decode(self.store.get(self.backup_key), self.backup_key)
        except CorruptRecord:
            backup = None  # the next write replaces it
        if raw is not None and primary is None and backup is None:
            self.store.remove(self.key)
            self.store.remove(self.backup_key)
            return LoadResult(None, "The saved booking was damaged and no good copy was left; "
                                    "starting a new one")
        if backup is not None and (primary is None or backup.version > primary.version):
            # The primary is damaged, or a crash came between the backup and the primary write.
            self.store.set(self.key, DRAFT_CODEC.encode(backup.model_dump(mode="json")))
            if primary is None and raw is not None:
                problem = f"The saved booking was damaged; restored the copy of version {backup.version}"
            primary = backup
        usable = self.usable(primary)
        if primary is not None and usable is None and primary.therapist_id == self.therapist_id:
            self.store.remove(self.key)  # expired
            self.store.remove(self.backup_key)
        return LoadResult(usable, problem)

    def _quarantine(self, raw: str, error: CorruptRecord) -> None:
        record = {"raw": raw[:_CORRUPT_KEEP_CHARS], "saved_at": self.clock.now_ms(), "reason": error.reason}
        self.store.set(self.corrupt_key, CORRUPT_CODEC.encode(record), best_effort=True)
