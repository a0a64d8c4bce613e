"""What services need from the outside, as Protocols. ``bootstrap`` injects the adapters."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from app.domain.audit import LedgerEntry, LedgerFilter
from app.domain.devices import DeviceConfig, DeviceKind, DeviceStatus, PortCandidate
from app.domain.roles import Operator, Permission
from app.domain.sync import Enrolment, SyncStatus
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


class DeviceControl(Protocol):
    """Runs the configured scanners and readers (``app.devices.DeviceManager``)."""

    def configs(self) -> tuple[DeviceConfig, ...]: ...

    def statuses(self) -> dict[str, DeviceStatus]: ...

    def available_ports(self) -> list[PortCandidate]: ...

    def configure(self, configs: Sequence[DeviceConfig]) -> None: ...

    def identify(self, port: str) -> DeviceKind | None: ...


class DeviceSettingsStore(Protocol):
    """Persists the device list (the ``[[devices]]`` of the settings file)."""

    def save_devices(self, configs: Sequence[DeviceConfig]) -> None: ...


class PermissionGate(Protocol):
    """Who is signed in, and the permission check (``OperatorService``)."""

    @property
    def current(self) -> Operator | None: ...

    def require(self, permission: Permission) -> Operator: ...


class SyncControl(Protocol):
    """The station's sync worker (``app.sync.worker.SyncWorker``)."""

    def status(self) -> SyncStatus: ...

    def sync_now(self) -> None: ...

    def enrol(self, server_url: str, code: str) -> Enrolment: ...

    def clear_halt(self) -> str: ...
