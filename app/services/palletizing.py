"""Palletizing: open a pallet, add and remove assets by scan (each an explicit event, refused
with the reason when a rule says no), close, weigh, seal, unseal (supervisors, recorded), ship
(the outbound handoff: a custody event chain that ends the assets' time in the facility), and
labels: preview, print (ZPL to a Zebra printer or PDF to an OS printer, both through the print
queue), save as PDF; every print and reprint an event.

Thread: the DB worker for every method (they read the database or render documents), except
the print queue's ``on_delivered`` callbacks, which append from the printer thread (the event
store serialises appends).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.documents.pallet_label import (
    LabelSize,
    PalletLabelData,
    pallet_label_layout,
    render_pdf,
    render_zpl,
)
from app.documents.pallet_manifest import render_contents_pdf
from app.documents.pdf_raster import pdf_page_png
from app.domain.custody import IdentityCheck
from app.domain.errors import InvalidInput
from app.domain.events import (
    CustodyTransferred,
    LabelPrinted,
    PalletAssetAdded,
    PalletAssetBoxed,
    PalletAssetRemoved,
    PalletAssetUnboxed,
    PalletBoxClosed,
    PalletBoxOpened,
    PalletClosed,
    PalletOpened,
    PalletReopened,
    PalletSealed,
    PalletShipped,
    PalletUnsealed,
    PalletWeighed,
    Payload,
)
from app.domain.grading import AssetNotFound, Rubric, find_rubric
from app.domain.pallets import (
    BoxNotFound,
    Pallet,
    PalletAction,
    PalletBox,
    PalletCandidate,
    PalletIdScheme,
    PalletItem,
    PalletNotFound,
    PalletRefused,
    PalletStatus,
    PalletType,
    add_refusal,
    box_id_for,
    box_refusal,
    format_weight_kg,
    seal_refusal,
    transition_refusal,
)
from app.domain.printing import PrintFormat, PrintJobStatus, PrintTarget
from app.domain.roles import Operator, Permission
from app.services.event_drafts import draft
from app.services.grading_ports import DataBearingCheck, GradingReader
from app.services.palletizing_ports import LabelPrinter, PalletReader
from app.services.ports import EventAppender, PermissionGate
from app.services.receiving_ports import BlobSink


@dataclass(frozen=True, slots=True)
class PalletDetail:
    pallet: Pallet
    items: tuple[PalletItem, ...]
    boxes: tuple[PalletBox, ...] = ()


@dataclass(frozen=True, slots=True)
class ScanResult:
    pallet: Pallet
    asset_id: str
    added: bool  # False: removed


@dataclass(frozen=True, slots=True)
class OutboundHandoff:
    """What the shipping dialog collects: carrier, driver (and how identified), vehicle, the
    count the driver confirms, and both signatures (PNG)."""

    carrier: str
    driver_name: str
    driver_id_method: str
    vehicle_id: str
    piece_count_observed: int
    driver_signature_png: bytes
    shipper_signature_png: bytes
    driver_id_ref: str = ""
    bol_number: str = ""
    notes: str = ""


class PalletizingService:
    """Owns the palletizing use cases for one station."""

    def __init__(
        self,
        events: EventAppender,
        reader: PalletReader,
        assets: GradingReader,
        operators: PermissionGate,
        blobs: BlobSink,
        *,
        data_bearing: DataBearingCheck,
        rubrics: Callable[[], list[Rubric]],
        scheme: PalletIdScheme | None = None,
        printer: LabelPrinter | None = None,
        printer_target: str = "",
        facility: str = "",
        now: Callable[[], datetime] | None = None,
        os_printers: Callable[[], list[str]] | None = None,
    ) -> None:
        self._events = events
        self._reader = reader
        self._assets = assets
        self._operators = operators
        self._blobs = blobs
        self._data_bearing = data_bearing
        self._rubrics = rubrics
        self._scheme = scheme or PalletIdScheme()
        self._printer = printer
        self._printer_target = printer_target
        self._facility = facility
        self._now = now or (lambda: datetime.now(UTC))
        # The OS printers (Qt's print support, injected by bootstrap); None: no OS printing.
        self._os_printers = os_printers

    # ---- reading ----

    def pallets(self) -> list[Pallet]:
        self._operators.require(Permission.BUILD_PALLETS)
        return self._reader.pallets()

    def detail(self, pallet_id: str) -> PalletDetail:
        self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        return PalletDetail(
            pallet,
            tuple(self._reader.contents(pallet.pallet_id)),
            tuple(self._reader.boxes(pallet.pallet_id)),
        )

    @property
    def printer_target(self) -> str:
        return self._printer_target

    def print_targets(self) -> list[PrintTarget]:
        """Where labels can be printed now: the configured Zebra printer (ZPL), then the OS
        printers (PDF), the default one first. May block on the print system: DB worker or
        I/O pool only."""
        targets = []
        if self._printer is not None and self._printer_target:
            targets.append(PrintTarget(self._printer_target, "Zebra (ZPL)", PrintFormat.ZPL))
        if self._printer is not None and self._os_printers is not None:
            targets.extend(PrintTarget.os_printer(name) for name in self._os_printers())
        return targets

    def print_jobs(self) -> list[PrintJobStatus]:
        return self._printer.jobs() if self._printer is not None else []

    def retry_printing(self) -> None:
        """Try the waiting labels now (the printer is back)."""
        if self._printer is not None:
            self._printer.retry_now()

    def _pallet(self, pallet_id: str) -> Pallet:
        pallet = self._reader.pallet(pallet_id.strip())
        if pallet is None:
            raise PalletNotFound(value=pallet_id.strip())
        return pallet

    def _require_step(self, pallet: Pallet, action: PalletAction) -> None:
        refused = transition_refusal(pallet, action)
        if refused:
            raise PalletRefused(subject=f"Pallet {pallet.pallet_id}", reason=refused)

    def _append(self, payloads: Sequence[Payload], operator: Operator) -> None:
        self._events.append([draft(p, operator.operator_id) for p in payloads])

    # ---- building ----

    def open_pallet(self, pallet_type: PalletType | str, destination: str) -> Pallet:
        operator = self._operators.require(Permission.BUILD_PALLETS)
        kind = PalletType(pallet_type)
        destination = destination.strip()
        if not destination:
            raise InvalidInput(field="Destination", problem="say where the pallet goes")
        number = self._reader.next_number()
        pallet_id = self._scheme.pallet_id(number)
        self._append(
            [
                PalletOpened(
                    pallet_id=pallet_id,
                    pallet_type=kind.value,
                    destination=destination,
                    number=number,
                )
            ],
            operator,
        )
        return self._pallet(pallet_id)

    def candidate(self, value: str) -> PalletCandidate:
        """What the rules need about the asset whose ID, serial or tag is ``value``."""
        asset = self._assets.find_asset(value)
        if asset is None:
            raise AssetNotFound(value=value.strip())
        current = next((g for g in self._assets.history(asset.asset_id) if g.current), None)
        rubric = find_rubric(self._rubrics(), asset.device_type)
        if rubric is None:
            bearing, reason = True, f"no rubric says whether a '{asset.device_type}' holds data"
        else:
            verdict = self._data_bearing.verdict(asset, rubric)
            bearing, reason = verdict.bearing, verdict.reason
        return PalletCandidate(
            asset_id=asset.asset_id,
            status=asset.status,
            device_type=asset.device_type,
            disposition=current.disposition if current is not None else "",
            data_bearing=bearing,
            data_bearing_reason=reason,
            last_custody_kind=asset.last_custody_kind,
            on_pallet=self._reader.pallet_of(asset.asset_id),
        )

    def add(self, pallet_id: str, value: str) -> ScanResult:
        """Put the scanned asset on the pallet, or raise :class:`PalletRefused` with why not."""
        results = self.add_many(pallet_id, [value])
        return results[0]

    def add_many(self, pallet_id: str, values: Sequence[str]) -> list[ScanResult]:
        """Several scans in one transaction (a bulk scan); all are refused if one is."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        self._require_step(pallet, PalletAction.ADD)
        payloads = []
        seen: set[str] = set()
        for value in values:
            candidate = self.candidate(value)
            refused = add_refusal(pallet, candidate)
            if refused is None and candidate.asset_id in seen:
                refused = "it was scanned twice"
            if refused:
                raise PalletRefused(
                    subject=f"{candidate.asset_id} ({value.strip()})", reason=refused
                )
            seen.add(candidate.asset_id)
            payloads.append(
                PalletAssetAdded(
                    pallet_id=pallet.pallet_id,
                    asset_id=candidate.asset_id,
                    scanned_value=value.strip()[:200],
                    device_type=candidate.device_type,
                    disposition=candidate.disposition,
                )
            )
        self._append(payloads, operator)
        after = self._pallet(pallet.pallet_id)
        return [ScanResult(after, p.asset_id, True) for p in payloads]

    def remove(self, pallet_id: str, value: str, reason: str = "") -> ScanResult:
        """Take the asset off the pallet. An asset in an open box comes out of the box first
        (``pallet.asset_unboxed`` then ``pallet.asset_removed``, one transaction); one in a
        closed box is refused."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        asset = self._assets.find_asset(value)
        if asset is None:
            raise AssetNotFound(value=value.strip())
        self._require_step(pallet, PalletAction.REMOVE)
        if self._reader.pallet_of(asset.asset_id) != pallet.pallet_id:
            raise PalletRefused(subject=asset.asset_id, reason="it is not on this pallet")
        payloads: list[Payload] = []
        box_id = self._reader.box_of(asset.asset_id)
        if box_id:
            box = self._box(box_id)
            if box_refusal(pallet, box):
                raise PalletRefused(
                    subject=asset.asset_id, reason=f"it is in box {box.label}, which is closed"
                )
            payloads.append(
                PalletAssetUnboxed(
                    pallet_id=pallet.pallet_id,
                    box_id=box_id,
                    asset_id=asset.asset_id,
                    reason=reason.strip() or "removed from the pallet",
                )
            )
        payloads.append(
            PalletAssetRemoved(
                pallet_id=pallet.pallet_id, asset_id=asset.asset_id, reason=reason.strip()
            )
        )
        self._append(payloads, operator)
        return ScanResult(self._pallet(pallet.pallet_id), asset.asset_id, False)

    # ---- boxes/totes within a pallet (optional) ----

    def _box(self, box_id: str) -> PalletBox:
        box = self._reader.box(box_id.strip())
        if box is None:
            raise BoxNotFound(value=box_id.strip())
        return box

    def boxes(self, pallet_id: str) -> list[PalletBox]:
        self._operators.require(Permission.BUILD_PALLETS)
        return self._reader.boxes(self._pallet(pallet_id).pallet_id)

    def open_box(self, pallet_id: str) -> PalletBox:
        """Open the next box (``<pallet ID>-B01``, ``-B02``...) on an open pallet."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        if pallet.status is not PalletStatus.OPEN:
            raise PalletRefused(
                subject=f"Pallet {pallet.pallet_id}",
                reason=f"boxes are opened on an open pallet; this one is {pallet.status.value}",
            )
        number = max((b.number for b in self._reader.boxes(pallet.pallet_id)), default=0) + 1
        box_id = box_id_for(pallet.pallet_id, number)
        self._append(
            [PalletBoxOpened(pallet_id=pallet.pallet_id, box_id=box_id, number=number)], operator
        )
        return self._box(box_id)

    def box_add(self, box_id: str, value: str) -> ScanResult:
        """Scan an asset into an open box. An asset not on the pallet yet is added to it first
        (every pallet rule applies; ``pallet.asset_added`` then ``pallet.asset_boxed``, one
        transaction); a loose asset already on this pallet is boxed."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        box = self._box(box_id)
        pallet = self._pallet(box.pallet_id)
        refused = box_refusal(pallet, box)
        if refused:
            raise PalletRefused(subject=f"Box {box.box_id}", reason=refused)
        candidate = self.candidate(value)
        subject = f"{candidate.asset_id} ({value.strip()})"
        payloads: list[Payload] = []
        if candidate.on_pallet == pallet.pallet_id:
            current = self._reader.box_of(candidate.asset_id)
            if current == box.box_id:
                raise PalletRefused(subject=subject, reason="it is already in this box")
            if current:
                raise PalletRefused(
                    subject=subject, reason=f"it is in box {current}; take it out there first"
                )
        else:
            refused = add_refusal(pallet, candidate)
            if refused:
                raise PalletRefused(subject=subject, reason=refused)
            payloads.append(
                PalletAssetAdded(
                    pallet_id=pallet.pallet_id,
                    asset_id=candidate.asset_id,
                    scanned_value=value.strip()[:200],
                    device_type=candidate.device_type,
                    disposition=candidate.disposition,
                )
            )
        payloads.append(
            PalletAssetBoxed(
                pallet_id=pallet.pallet_id,
                box_id=box.box_id,
                asset_id=candidate.asset_id,
                scanned_value=value.strip()[:200],
            )
        )
        self._append(payloads, operator)
        return ScanResult(self._pallet(pallet.pallet_id), candidate.asset_id, True)

    def box_remove(self, value: str, reason: str = "") -> ScanResult:
        """Take the scanned asset out of its (open) box; it stays loose on the pallet."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        asset = self._assets.find_asset(value)
        if asset is None:
            raise AssetNotFound(value=value.strip())
        box_id = self._reader.box_of(asset.asset_id)
        if not box_id:
            raise PalletRefused(subject=asset.asset_id, reason="it is in no box")
        box = self._box(box_id)
        pallet = self._pallet(box.pallet_id)
        refused = box_refusal(pallet, box)
        if refused:
            raise PalletRefused(subject=f"Box {box.box_id}", reason=refused)
        self._append(
            [
                PalletAssetUnboxed(
                    pallet_id=pallet.pallet_id,
                    box_id=box.box_id,
                    asset_id=asset.asset_id,
                    reason=reason.strip(),
                )
            ],
            operator,
        )
        return ScanResult(self._pallet(pallet.pallet_id), asset.asset_id, False)

    def close_box(self, box_id: str) -> PalletBox:
        """Close a box (its piece count is recorded). A pallet with an open box is not sealed."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        box = self._box(box_id)
        pallet = self._pallet(box.pallet_id)
        refused = box_refusal(pallet, box, closing=True)
        if refused:
            raise PalletRefused(subject=f"Box {box.box_id}", reason=refused)
        self._append(
            [
                PalletBoxClosed(
                    pallet_id=pallet.pallet_id, box_id=box.box_id, piece_count=box.piece_count
                )
            ],
            operator,
        )
        return self._box(box.box_id)

    def close(self, pallet_id: str) -> Pallet:
        operator = self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        self._require_step(pallet, PalletAction.CLOSE)
        if pallet.piece_count == 0:
            raise PalletRefused(subject=f"Pallet {pallet.pallet_id}", reason="it is empty")
        self._append(
            [PalletClosed(pallet_id=pallet.pallet_id, piece_count=pallet.piece_count)], operator
        )
        return self._pallet(pallet.pallet_id)

    def reopen(self, pallet_id: str, reason: str) -> Pallet:
        operator = self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        self._require_step(pallet, PalletAction.REOPEN)
        if not reason.strip():
            raise InvalidInput(field="Reason", problem="say why the pallet is reopened")
        self._append([PalletReopened(pallet_id=pallet.pallet_id, reason=reason.strip())], operator)
        return self._pallet(pallet.pallet_id)

    def weigh(self, pallet_id: str, weight_g: int, scale: str = "manual entry") -> Pallet:
        operator = self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        self._require_step(pallet, PalletAction.WEIGH)
        if not 0 < weight_g <= 5_000_000:
            raise InvalidInput(field="Weight", problem="must be between 0 and 5,000 kg")
        self._append(
            [PalletWeighed(pallet_id=pallet.pallet_id, weight_g=weight_g, scale=scale)], operator
        )
        return self._pallet(pallet.pallet_id)

    # ---- supervisors: seal, unseal, ship ----

    def seal(self, pallet_id: str, seal_numbers: Sequence[str]) -> Pallet:
        operator = self._operators.require(Permission.SEAL_PALLETS)
        pallet = self._pallet(pallet_id)
        self._require_step(pallet, PalletAction.SEAL)
        refused = seal_refusal(pallet)
        if refused:
            raise PalletRefused(subject=f"Pallet {pallet.pallet_id}", reason=refused)
        seals = tuple(dict.fromkeys(s.strip() for s in seal_numbers if s.strip()))
        if not seals:
            raise InvalidInput(field="Seal numbers", problem="scan or type at least one seal")
        self._append(
            [
                PalletSealed(
                    pallet_id=pallet.pallet_id,
                    seal_numbers=seals,
                    sealed_by=operator.display_name,
                    piece_count=pallet.piece_count,
                    weight_g=pallet.weight_g,
                )
            ],
            operator,
        )
        return self._pallet(pallet.pallet_id)

    def unseal(self, pallet_id: str, reason: str) -> Pallet:
        """Break the seals to change a sealed pallet (supervisors); the pallet is open again
        and must be closed, weighed and sealed anew."""
        operator = self._operators.require(Permission.SEAL_PALLETS)
        pallet = self._pallet(pallet_id)
        self._require_step(pallet, PalletAction.UNSEAL)
        if not reason.strip():
            raise InvalidInput(field="Reason", problem="say why the seals are broken")
        self._append(
            [
                PalletUnsealed(
                    pallet_id=pallet.pallet_id,
                    unsealed_by=operator.display_name,
                    seal_numbers=pallet.seal_numbers,
                    reason=reason.strip(),
                )
            ],
            operator,
        )
        return self._pallet(pallet.pallet_id)

    def ship(self, pallet_id: str, handoff: OutboundHandoff) -> Pallet:
        """The outbound handoff: ``pallet.shipped`` and a ``custody.transferred`` of every asset
        on it to the carrier, in one transaction."""
        operator = self._operators.require(Permission.SEAL_PALLETS)
        pallet = self._pallet(pallet_id)
        self._require_step(pallet, PalletAction.SHIP)
        for field, value in (
            ("Carrier", handoff.carrier),
            ("Driver", handoff.driver_name),
            ("Driver identity check", handoff.driver_id_method),
        ):
            if not value.strip():
                raise InvalidInput(field=field, problem="is required")
        if not handoff.driver_signature_png:
            raise InvalidInput(field="Driver signature", problem="is missing; ask the driver")
        if not handoff.shipper_signature_png:
            raise InvalidInput(field="Shipper signature", problem="is missing; sign to release")
        if handoff.piece_count_observed != pallet.piece_count and not handoff.notes.strip():
            raise InvalidInput(
                field="Piece count",
                problem=(
                    f"the driver counted {handoff.piece_count_observed} but the pallet holds "
                    f"{pallet.piece_count}; recount, or write what happened in the notes"
                ),
            )
        try:
            id_check = IdentityCheck(handoff.driver_id_method)
        except ValueError:
            raise InvalidInput(
                field="Driver identity check", problem=f"'{handoff.driver_id_method}' is unknown"
            ) from None
        items = self._reader.contents(pallet.pallet_id)
        kind = pallet.pallet_type.ship_kind
        shipped = PalletShipped(
            pallet_id=pallet.pallet_id,
            kind=kind,
            destination=pallet.destination,
            carrier=handoff.carrier.strip(),
            driver_name=handoff.driver_name.strip(),
            driver_id_method=id_check.value,
            driver_id_ref=handoff.driver_id_ref.strip(),
            vehicle_id=handoff.vehicle_id.strip(),
            bol_number=handoff.bol_number.strip(),
            released_by=operator.display_name,
            seal_numbers=pallet.seal_numbers,
            piece_count_declared=pallet.piece_count,
            piece_count_observed=handoff.piece_count_observed,
            weight_g=pallet.weight_g,
            driver_signature_sha256=self._blobs.put(handoff.driver_signature_png),
            shipper_signature_sha256=self._blobs.put(handoff.shipper_signature_png),
            notes=handoff.notes.strip(),
        )
        transfer = CustodyTransferred(
            kind=kind,
            from_party=operator.display_name,
            to_party=handoff.carrier.strip(),
            asset_ids=tuple(item.asset_id for item in items),
            container_ids=(pallet.pallet_id,),
            location=f"in transit to {pallet.destination}"[:200],
            from_operator_id=operator.operator_id,
            identity_check=shipped.driver_id_method,
        )
        self._append([shipped, transfer], operator)
        return self._pallet(pallet.pallet_id)

    # ---- labels and documents ----

    def label_data(self, pallet: Pallet) -> PalletLabelData:
        return PalletLabelData(
            pallet_id=pallet.pallet_id,
            is_sscc=pallet.is_sscc,
            pallet_type=pallet.pallet_type.title,
            destination=pallet.destination,
            piece_count=pallet.piece_count,
            weight=format_weight_kg(pallet.weight_g) if pallet.weight_g else "",
            sealed_by=pallet.sealed_by,
            sealed_at=pallet.sealed_at[:16].replace("T", " "),
            seal_numbers=pallet.seal_numbers,
            lithium=pallet.lithium_count > 0,
            facility=self._facility,
            box_count=pallet.box_count,
        )

    def label_pdf(self, pallet_id: str, size: LabelSize = LabelSize.PALLET_4X6) -> bytes:
        self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        layout = pallet_label_layout(self.label_data(pallet), size)
        return render_pdf([layout], title=f"Pallet {pallet.pallet_id}")

    def label_zpl(self, pallet_id: str, size: LabelSize = LabelSize.PALLET_4X6) -> bytes:
        self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        return render_zpl(pallet_label_layout(self.label_data(pallet), size))

    def label_preview_png(
        self, pallet_id: str, size: LabelSize = LabelSize.PALLET_4X6, dpi: int = 80
    ) -> bytes:
        """The label as the PDF renders it, as a PNG (drawn locally by poppler)."""
        return pdf_page_png(self.label_pdf(pallet_id, size), dpi=dpi)

    def print_label(
        self, pallet_id: str, size: LabelSize = LabelSize.PALLET_4X6, target: str = ""
    ) -> str:
        """Queue the label for ``target`` (default: the configured Zebra printer): ZPL for a
        Zebra printer, PDF for an OS printer (``os:<name>``). The ``label.printed`` event
        (a reprint when the pallet had a label before) is appended when the printer has taken
        the job. Returns the print job id."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        target = self._target(target)
        pallet = self._pallet(pallet_id)
        fmt = PrintTarget.format_of(target)
        if fmt is PrintFormat.PDF:
            data = self.label_pdf(pallet.pallet_id, size)
        else:
            data = self.label_zpl(pallet.pallet_id, size)
        return self._submit(
            operator,
            pallet.pallet_id,
            target,
            data,
            document="pallet_label",
            fmt=fmt,
            size=size.value,
            description=f"Pallet {pallet.pallet_id} label",
        )

    def print_contents(self, pallet_id: str, target: str) -> str:
        """Queue the contents manifest (PDF) for an OS printer; an event when it printed."""
        operator = self._operators.require(Permission.BUILD_PALLETS)
        target = self._target(target)
        if PrintTarget.format_of(target) is not PrintFormat.PDF:
            raise InvalidInput(
                field="Printer",
                problem="the contents manifest is a PDF; choose a system printer or save it",
            )
        pallet = self._pallet(pallet_id)
        data = self.contents_pdf(pallet.pallet_id)
        return self._submit(
            operator,
            pallet.pallet_id,
            target,
            data,
            document="contents",
            fmt=PrintFormat.PDF,
            size="A4",
            description=f"Pallet {pallet.pallet_id} contents",
        )

    def _target(self, target: str) -> str:
        target = target.strip() or self._printer_target
        if self._printer is None or not target:
            raise InvalidInput(
                field="Label printer",
                problem="none is configured (station.label_printer); save the label as PDF",
            )
        return target

    def _submit(
        self,
        operator: Operator,
        pallet_id: str,
        target: str,
        data: bytes,
        *,
        document: str,
        fmt: PrintFormat,
        size: str,
        description: str,
    ) -> str:
        assert self._printer is not None  # _target() refused otherwise

        def delivered() -> None:
            self._record_print(
                operator,
                pallet_id,
                document=document,
                fmt=fmt.value,
                size=size,
                target=target,
                data=data,
            )

        try:
            return self._printer.submit(target, data, description, delivered)
        except ValueError as exc:
            raise InvalidInput(field="Printer", problem=str(exc)) from None

    def save_label_pdf(
        self, pallet_id: str, path: Path, size: LabelSize = LabelSize.PALLET_4X6
    ) -> Path:
        operator = self._operators.require(Permission.BUILD_PALLETS)
        data = self.label_pdf(pallet_id, size)
        self._write(path, data)
        self._record_print(
            operator,
            pallet_id.strip(),
            document="pallet_label",
            fmt="pdf",
            size=size.value,
            target=f"file:{path}",
            data=data,
        )
        return path

    def contents_pdf(self, pallet_id: str) -> bytes:
        self._operators.require(Permission.BUILD_PALLETS)
        pallet = self._pallet(pallet_id)
        items = self._reader.contents(pallet.pallet_id)
        generated = self._now().strftime("%Y-%m-%d %H:%M UTC")
        return render_contents_pdf(self.label_data(pallet), items, generated)

    def save_contents_pdf(self, pallet_id: str, path: Path) -> Path:
        operator = self._operators.require(Permission.BUILD_PALLETS)
        data = self.contents_pdf(pallet_id)
        self._write(path, data)
        self._record_print(
            operator,
            pallet_id.strip(),
            document="contents",
            fmt="pdf",
            size="A4",
            target=f"file:{path}",
            data=data,
        )
        return path

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise InvalidInput(
                field=f"File {path.name}", problem=f"could not be written ({exc.strerror})"
            ) from None

    def _record_print(
        self,
        operator: Operator,
        pallet_id: str,
        *,
        document: str,
        fmt: str,
        size: str,
        target: str,
        data: bytes,
    ) -> None:
        pallet = self._reader.pallet(pallet_id)
        reprint = pallet is not None and pallet.labels_printed > 0 and document == "pallet_label"
        payload = LabelPrinted(
            subject_id=pallet_id,
            pallet_id=pallet_id,
            document=document,
            format=fmt,
            size=size,
            target=target[:200],
            reprint=reprint,
            content_sha256=hashlib.sha256(data).hexdigest(),
        )
        self._append([payload], operator)
