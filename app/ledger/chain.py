"""Sealing new events onto a station's chain: seq, HLC, prev_hash, hash, signature."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from app.domain.ids import uuid7
from app.ledger import GENESIS_PREV_HASH
from app.ledger.canonical import check_canonical_domain
from app.ledger.envelope import Envelope, digest_of
from app.ledger.hlc import HybridLogicalClock
from app.ledger.keys import StationKey

# Below this many events a batch is signed inline: handing work to threads costs more.
_PARALLEL_SIGN_MIN = 256


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event a use case wants to record; the sealer turns it into an :class:`Envelope`."""

    type: str
    payload: dict[str, Any]
    operator_id: str
    schema_version: int = 1
    refs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last sealed event of a chain (``seq`` 0 and the genesis hash for an empty chain)."""

    seq: int = 0
    hash: str = GENESIS_PREV_HASH


def _device_time(now: Callable[[], datetime]) -> str:
    return now().isoformat(timespec="milliseconds")


def _local_now() -> datetime:
    return datetime.now(UTC).astimezone()


class Sealer:
    """Turns drafts into signed envelopes continuing a given head.

    Pure apart from the clocks and the key; the caller (the event store) owns the head and
    must call :meth:`seal` while holding the write lock so ``seq`` stays contiguous.
    """

    def __init__(
        self,
        *,
        station_id: str,
        facility_id: str,
        key: StationKey,
        hlc: HybridLogicalClock,
        now: Callable[[], datetime] = _local_now,
        sign_executor: Executor | None = None,
    ) -> None:
        self.station_id = station_id
        self.facility_id = facility_id
        self._key = key
        self._hlc = hlc
        self._now = now
        self._sign_executor = sign_executor

    def seal(self, head: ChainHead, drafts: Sequence[EventDraft]) -> list[Envelope]:
        """Return envelopes for ``drafts`` with seq ``head.seq + 1 ...``.

        Raises ``NotCanonicalizable`` (naming the field) if a payload holds a float or another
        value outside the ledger's JSON domain; nothing is sealed in that case.
        """
        for draft in drafts:
            check_canonical_domain(draft.payload, f"{draft.type}.payload")
            check_canonical_domain(draft.refs, f"{draft.type}.refs")
        unsigned: list[Envelope] = []
        digests: list[bytes] = []
        prev_hash = head.hash
        seq = head.seq
        device_time = _device_time(self._now)
        for draft in drafts:
            seq += 1
            stamp = self._hlc.tick()
            envelope = Envelope(
                event_id=str(uuid7()),
                station_id=self.station_id,
                facility_id=self.facility_id,
                seq=seq,
                hlc_l=stamp.l,
                hlc_c=stamp.c,
                device_time=device_time,
                operator_id=draft.operator_id,
                type=draft.type,
                schema_version=draft.schema_version,
                payload=draft.payload,
                refs=draft.refs,
                prev_hash=prev_hash,
            )
            digest = digest_of(envelope.hashed_body())
            prev_hash = digest.hex()
            unsigned.append(envelope)
            digests.append(digest)
        sigs = self._sign_all(digests)
        return [
            replace(envelope, hash=digest.hex(), sig=sig)
            for envelope, digest, sig in zip(unsigned, digests, sigs, strict=True)
        ]

    def _sign_all(self, digests: list[bytes]) -> list[str]:
        if self._sign_executor is None or len(digests) < _PARALLEL_SIGN_MIN:
            return self._sign_chunk(digests)
        # Sign only after all hashing is done: libsodium releases the GIL, so two threads that
        # mostly sit in C run in parallel. Overlapping signing with the (GIL-bound) hashing
        # was measured slower: the workers starve waiting for the GIL.
        half = len(digests) // 2
        first = self._sign_executor.submit(self._sign_chunk, digests[:half])
        rest = self._sign_chunk(digests[half:])
        return first.result() + rest

    def _sign_chunk(self, digests: list[bytes]) -> list[str]:
        return [self._key.sign_digest(d) for d in digests]
