"""The ledger verifier: walks one station's events in ``seq`` order and names the first event
that does not fit (modified, deleted, reordered, inserted or wrongly signed).

The same code serves the station (``itad-station verify-ledger``, the Custody log page), and
later the server and an auditor tool: it takes plain rows, not database objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from app.ledger import GENESIS_PREV_HASH
from app.ledger.canonical import parse_json
from app.ledger.envelope import body_dict, digest_of
from app.ledger.keys import verify_signature

_BLOCK = 2048


class LedgerRow(NamedTuple):
    """One stored event, as flat columns (``payload`` and ``refs`` are JSON text)."""

    seq: int
    event_id: str
    station_id: str
    facility_id: str
    hlc_l: int
    hlc_c: int
    device_time: str
    operator_id: str
    type: str
    schema_version: int
    payload_json: str
    refs_json: str
    prev_hash: str
    hash: str
    sig: str


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    event_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The verdict. ``problem`` is the first event that does not fit, or ``None`` when OK."""

    event_count: int
    head_hash: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is None:
            return f"OK, {self.event_count} events, head hash {self.head_hash}"
        p = self.problem
        return f"BROKEN at event #{p.seq} ({p.event_id}): {p.reason}"


def verify_rows(
    rows: Iterable[LedgerRow],
    public_key: bytes,
    *,
    station_id: str | None = None,
    executor: Executor | None = None,
) -> VerifyReport:
    """Verify a chain given in ascending ``seq`` order.

    Checks, per event: ``seq`` continues from the previous one (a gap is a deleted event,
    a repeat or step back is a reordered or inserted one), ``station_id`` is the chain's,
    ``prev_hash`` equals the previous event's ``hash``, the recomputed hash equals the stored one
    (any modified column changes it), and the signature verifies with ``public_key``.
    With an ``executor`` the signature checks run on worker threads (libsodium releases the GIL);
    the result is identical either way.

    Truncating the newest events cannot be seen from the chain alone: compare the reported
    head with an outside anchor (the server's receipts or an earlier verdict).
    """
    expected_seq = 1
    prev_hash = GENESIS_PREV_HASH
    count = 0
    first_structural: Problem | None = None
    pending: list[Future[list[Problem]]] = []
    sig_problems: list[Problem] = []
    chain_station = station_id
    for block in _blocks(rows):
        to_check: list[tuple[int, str, bytes, str]] = []
        for row in block:
            count += 1
            if first_structural is None:
                first_structural = _structural_problem(row, expected_seq, prev_hash, chain_station)
                if chain_station is None:
                    chain_station = row.station_id
            try:
                digest = digest_of(_body(row))
            except ValueError:
                digest = b""
            if first_structural is None and digest.hex() != row.hash:
                first_structural = Problem(
                    row.seq, row.event_id, "its content does not match its hash (modified)"
                )
            to_check.append((row.seq, row.event_id, digest, row.sig))
            expected_seq = row.seq + 1
            prev_hash = row.hash
        if executor is None:
            sig_problems.extend(_check_signatures(to_check, public_key))
        else:
            pending.append(executor.submit(_check_signatures, to_check, public_key))
    for future in pending:
        sig_problems.extend(future.result())
    candidates = [p for p in (first_structural, *sig_problems[:1]) if p is not None]
    problem = min(candidates, key=lambda p: p.seq) if candidates else None
    return VerifyReport(event_count=count, head_hash=prev_hash, problem=problem)


def _blocks(rows: Iterable[LedgerRow]) -> Iterator[list[LedgerRow]]:
    iterator = iter(rows)
    while block := list(islice(iterator, _BLOCK)):
        yield block


def _structural_problem(
    row: LedgerRow, expected_seq: int, prev_hash: str, station_id: str | None
) -> Problem | None:
    if row.seq > expected_seq:
        missing = (
            f"#{expected_seq}" if row.seq == expected_seq + 1 else f"#{expected_seq}-#{row.seq - 1}"
        )
        return Problem(row.seq, row.event_id, f"event {missing} before it is missing (deleted)")
    if row.seq < expected_seq:
        return Problem(row.seq, row.event_id, "it is out of order (reordered or inserted)")
    if station_id is not None and row.station_id != station_id:
        return Problem(
            row.seq, row.event_id, f"it names station {row.station_id}, not {station_id}"
        )
    if row.prev_hash != prev_hash:
        return Problem(
            row.seq,
            row.event_id,
            "its prev_hash does not link to the event before it (inserted, reordered or modified)",
        )
    return None


def _body(row: LedgerRow) -> dict[str, object]:
    return body_dict(
        event_id=row.event_id,
        station_id=row.station_id,
        facility_id=row.facility_id,
        seq=row.seq,
        hlc_l=row.hlc_l,
        hlc_c=row.hlc_c,
        device_time=row.device_time,
        operator_id=row.operator_id,
        type_=row.type,
        schema_version=row.schema_version,
        payload=parse_json(row.payload_json),
        refs=parse_json(row.refs_json),
        prev_hash=row.prev_hash,
    )


def _check_signatures(items: list[tuple[int, str, bytes, str]], public_key: bytes) -> list[Problem]:
    problems = []
    for seq, event_id, digest, sig in items:
        if not digest or not verify_signature(public_key, digest, sig):
            problems.append(Problem(seq, event_id, "its signature is not valid for this station"))
    return problems
