"""Custody inside the facility: move assets or containers to a scanned location, hand them from
one operator to another (the receiver confirms with badge and PIN), check them out to a bench
and back in; and an asset's chain of custody (who held it, where, from when to when).

Thread: DB worker for the appending methods; reads from any non-GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.custody import RECEIVING_LOCATION, AssetSummary, CustodyKind, CustodySpan
from app.domain.errors import InvalidInput, SignInFailed, UserFacingError
from app.domain.events import CustodyTransferred
from app.domain.roles import Permission
from app.services.event_drafts import draft
from app.services.pins import verify_pin
from app.services.ports import EventAppender, OperatorDirectory, PermissionGate
from app.services.receiving_ports import ReceivingReader


class UnknownItem(UserFacingError):
    code = "custody.unknown_item"
    template = "'{value}' is neither a received asset nor a known container."


@dataclass(frozen=True, slots=True)
class CustodyMoved:
    kind: CustodyKind
    asset_ids: tuple[str, ...]
    container_ids: tuple[str, ...]
    to_party: str
    location: str


@dataclass(frozen=True, slots=True)
class AssetHistory:
    asset: AssetSummary
    spans: tuple[CustodySpan, ...]


class CustodyService:
    def __init__(
        self,
        events: EventAppender,
        reader: ReceivingReader,
        operators: PermissionGate,
        directory: OperatorDirectory,
    ) -> None:
        self._events = events
        self._reader = reader
        self._operators = operators
        self._directory = directory

    def resolve(self, values: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Scanned values → (asset IDs, container IDs). Assets are found by asset ID, serial,
        asset tag or EPC. Raises :class:`UnknownItem` for the first value that is neither."""
        assets: list[str] = []
        containers: list[str] = []
        for raw in values:
            value = raw.strip()
            if not value:
                continue
            asset = self._reader.find_asset(value)
            if asset is not None and asset.status == "received":
                assets.append(asset.asset_id)
                continue
            container = self._reader.container(value)
            if container is not None:
                containers.append(container.container_id)
                continue
            raise UnknownItem(value=value)
        if not assets and not containers:
            raise InvalidInput(field="Items", problem="scan at least one asset or container")
        return tuple(dict.fromkeys(assets)), tuple(dict.fromkeys(containers))

    def _from_party(self, asset_ids: Sequence[str], container_ids: Sequence[str]) -> str:
        holders = []
        for asset_id in asset_ids:
            asset = self._reader.asset(asset_id)
            if asset is not None:
                holders.append(asset.custodian)
        for container_id in container_ids:
            container = self._reader.container(container_id)
            if container is not None:
                holders.append(container.custodian)
        unique = list(dict.fromkeys(h for h in holders if h))
        return unique[0] if len(unique) == 1 else ("several holders" if unique else "unknown")

    def move(self, values: Sequence[str], location: str) -> CustodyMoved:
        """Move items to a location (cage, bin, shelf): the location becomes the holder."""
        operator = self._operators.require(Permission.MOVE_CUSTODY)
        location = location.strip()
        if not location:
            raise InvalidInput(field="Location", problem="scan or type the location first")
        assets, containers = self.resolve(values)
        kind = CustodyKind.MOVE_TO_SECURE_CAGE if "CAGE" in location.upper() else CustodyKind.MOVE
        return self._append(
            operator.operator_id, kind, assets, containers, to_party=location, location=location
        )

    def check_out(self, values: Sequence[str], bench: str) -> CustodyMoved:
        """Issue items to the signed-in technician at a bench."""
        operator = self._operators.require(Permission.MOVE_CUSTODY)
        if not bench.strip():
            raise InvalidInput(field="Bench", problem="scan or type the bench")
        assets, containers = self.resolve(values)
        return self._append(
            operator.operator_id,
            CustodyKind.ISSUE_TO_TECH,
            assets,
            containers,
            to_party=operator.display_name,
            location=bench.strip(),
            to_operator_id=operator.operator_id,
        )

    def check_in(self, values: Sequence[str], location: str) -> CustodyMoved:
        """Return items from the bench to a location."""
        operator = self._operators.require(Permission.MOVE_CUSTODY)
        if not location.strip():
            raise InvalidInput(field="Location", problem="scan or type where they go back to")
        assets, containers = self.resolve(values)
        return self._append(
            operator.operator_id,
            CustodyKind.RETURN_FROM_TECH,
            assets,
            containers,
            to_party=location.strip(),
            location=location.strip(),
            from_operator_id=operator.operator_id,
        )

    def handoff(self, values: Sequence[str], to_badge: str, to_pin: str) -> CustodyMoved:
        """Hand items to another operator, who confirms with their badge and PIN."""
        giver = self._operators.require(Permission.MOVE_CUSTODY)
        receiver = self._directory.by_badge(to_badge.strip())
        if receiver is None or not verify_pin(to_pin, receiver.pin_hash):
            raise SignInFailed(who=f"badge {to_badge.strip()!r}")
        if not receiver.active or not receiver.may(Permission.MOVE_CUSTODY):
            raise InvalidInput(
                field="Receiver", problem=f"{receiver.display_name} may not take custody"
            )
        if receiver.operator_id == giver.operator_id:
            raise InvalidInput(field="Receiver", problem="a handoff needs two different people")
        assets, containers = self.resolve(values)
        return self._append(
            giver.operator_id,
            CustodyKind.HANDOFF,
            assets,
            containers,
            from_party=giver.display_name,
            to_party=receiver.display_name,
            location="",
            from_operator_id=giver.operator_id,
            to_operator_id=receiver.operator_id,
            identity_check="badge+pin",
        )

    def _append(
        self,
        actor: str,
        kind: CustodyKind,
        assets: tuple[str, ...],
        containers: tuple[str, ...],
        *,
        to_party: str,
        location: str,
        from_party: str = "",
        from_operator_id: str = "",
        to_operator_id: str = "",
        identity_check: str = "",
    ) -> CustodyMoved:
        payload = CustodyTransferred(
            kind=kind.value,
            from_party=from_party or self._from_party(assets, containers),
            to_party=to_party,
            asset_ids=assets,
            container_ids=containers,
            location=location,
            from_operator_id=from_operator_id,
            to_operator_id=to_operator_id,
            identity_check=identity_check,
        )
        self._events.append([draft(payload, actor)])
        return CustodyMoved(kind, assets, containers, to_party, location)

    # ---- history ----

    def history(self, value: str) -> AssetHistory:
        """An asset's chain of custody, oldest first (by asset ID, serial, tag or EPC)."""
        self._operators.require(Permission.VIEW_CUSTODY_LOG)
        asset = self._reader.find_asset(value.strip())
        if asset is None:
            raise UnknownItem(value=value.strip())
        spans: list[CustodySpan] = []
        location = RECEIVING_LOCATION
        for event in self._reader.asset_events(asset.asset_id):
            p = event.payload
            if event.type == "asset.received":
                holder, location, kind = event.operator_name, RECEIVING_LOCATION, "INTAKE_SCAN"
            elif event.type == "custody.transferred":
                holder = p.get("to_party", "")
                location = p.get("location") or location
                kind = p.get("kind", "")
            elif event.type == "receiving.scan_voided":
                holder, kind = "(receipt voided)", "VOIDED"
            else:
                continue
            if spans:
                spans[-1] = _ended(spans[-1], event.device_time)
            spans.append(
                CustodySpan(
                    holder=holder,
                    location=location,
                    start=event.device_time,
                    end="",
                    kind=kind,
                    recorded_by=event.operator_name,
                    seq=event.seq,
                )
            )
        return AssetHistory(asset, tuple(spans))


def _ended(span: CustodySpan, end: str) -> CustodySpan:
    return CustodySpan(
        span.holder, span.location, span.start, end, span.kind, span.recorded_by, span.seq
    )
