"""The Custody log use case: list the ledger with filters, describe events, verify the chain."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

from pydantic import ValidationError

from app.domain.audit import LedgerEntry, LedgerFilter
from app.domain.events import PAYLOAD_TYPES, parse_payload
from app.domain.roles import Permission
from app.ledger.verify import VerifyReport, verify_rows
from app.services.operators import OperatorService
from app.services.ports import LedgerSource


def describe(entry: LedgerEntry) -> str:
    """A one-line human summary of an event (falls back to the type for unknown payloads)."""
    if entry.type not in PAYLOAD_TYPES:
        return f"{entry.type} (recorded by a newer version)"
    try:
        return parse_payload(entry.type, entry.payload).summary()
    except (ValidationError, KeyError, ValueError):
        return f"{entry.type} (payload does not match its schema)"


@dataclass(frozen=True, slots=True)
class LedgerVerdict:
    """The verifier's verdict as the Custody log shows it."""

    ok: bool
    text: str
    event_count: int
    first_bad_seq: int | None

    @classmethod
    def of(cls, report: VerifyReport) -> LedgerVerdict:
        if report.problem is None:
            text = f"Ledger verified: {report.summary()}."
        else:
            text = (
                f"Ledger check FAILED — {report.summary()}. Events before #{report.problem.seq} "
                "verified; report this to a supervisor and do not modify the database."
            )
        return cls(
            ok=report.ok,
            text=text,
            event_count=report.event_count,
            first_bad_seq=report.problem.seq if report.problem else None,
        )


class CustodyLogService:
    """Read access to the ledger for people. Thread: DB worker (or any non-GUI thread)."""

    def __init__(
        self,
        ledger: LedgerSource,
        operators: OperatorService,
        public_key: bytes,
        station_id: str,
        verify_executor: Executor | None = None,
    ) -> None:
        self._ledger = ledger
        self._operators = operators
        self._public_key = public_key
        self._station_id = station_id
        self._verify_executor = verify_executor

    def page(
        self, ledger_filter: LedgerFilter, *, before_seq: int | None = None, limit: int = 500
    ) -> list[LedgerEntry]:
        self._operators.require(Permission.VIEW_CUSTODY_LOG)
        return self._ledger.page(ledger_filter, before_seq=before_seq, limit=limit)

    def count(self) -> int:
        return self._ledger.count()

    def verify(self) -> LedgerVerdict:
        """Walk the whole ledger; the verdict names the first event that does not fit."""
        self._operators.require(Permission.VERIFY_LEDGER)
        return LedgerVerdict.of(self.verify_unattended())

    def verify_unattended(self) -> VerifyReport:
        """Verification with no operator (the CLI and start-up self-check)."""
        return verify_rows(
            self._ledger.iter_rows(),
            self._public_key,
            station_id=self._station_id,
            executor=self._verify_executor,
        )
