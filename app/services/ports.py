"""What services need from the outside, as Protocols. ``bootstrap`` injects the adapters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from app.domain.audit import LedgerEntry, LedgerFilter
from app.domain.roles import Operator
from app.ledger.chain import ChainHead, EventDraft
from app.ledger.envelope import Envelope
from app.ledger.verify import LedgerRow


class EventAppender(Protocol):
    """Appends events and updates projections in one transaction (see ``EventStore``)."""

    def append(self, drafts: Sequence[EventDraft]) -> list[Envelope]: ...

    def head(self) -> ChainHead: ...


class OperatorDirectory(Protocol):
    def all(self) -> list[Operator]: ...

    def by_id(self, operator_id: str) -> Operator | None: ...

    def by_badge(self, badge: str) -> Operator | None: ...

    def count(self) -> int: ...


class LedgerSource(Protocol):
    def count(self) -> int: ...

    def page(
        self, ledger_filter: LedgerFilter, *, before_seq: int | None = None, limit: int = 500
    ) -> list[LedgerEntry]: ...

    def iter_rows(self) -> Iterator[LedgerRow]: ...
