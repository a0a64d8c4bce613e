"""Thin table models for the Pallets page: the pallet list and one pallet's contents."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.domain.pallets import Pallet, PalletItem, format_weight_kg

Index = QModelIndex | QPersistentModelIndex


class PalletColumn(enum.IntEnum):
    ID = 0
    TYPE = 1
    DESTINATION = 2
    STATUS = 3
    PIECES = 4
    BOXES = 5
    WEIGHT = 6
    SEALS = 7


_PALLET_HEADERS = (
    "Pallet ID",
    "Type",
    "Destination",
    "Status",
    "Pieces",
    "Boxes",
    "Weight",
    "Seals",
)


class ContentsColumn(enum.IntEnum):
    ASSET = 0
    SERIAL = 1
    TYPE = 2
    MODEL = 3
    DISPOSITION = 4
    BOX = 5


_CONTENTS_HEADERS = ("Asset ID", "Serial", "Type", "Make / model", "Disposition", "Box")


class _RowsModel(QAbstractTableModel):
    """Immutable rows of display strings; ``reset_rows`` replaces them."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cells: list[tuple[str, ...]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._cells):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells[index.row()][index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def _reset(self, cells: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self._cells = cells
        self.endResetModel()


class PalletTableModel(_RowsModel):
    headers = _PALLET_HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pallets: list[Pallet] = []

    def reset_rows(self, pallets: Sequence[Pallet]) -> None:
        self._pallets = list(pallets)
        self._reset(
            [
                (
                    p.pallet_id,
                    p.pallet_type.title,
                    p.destination,
                    p.status.value,
                    str(p.piece_count),
                    _boxes_cell(p),
                    format_weight_kg(p.weight_g) if p.weight_g else "",
                    ", ".join(p.seal_numbers),
                )
                for p in self._pallets
            ]
        )

    def pallet_at(self, row: int) -> Pallet:
        return self._pallets[row]

    def row_of(self, pallet_id: str) -> int:
        return next((i for i, p in enumerate(self._pallets) if p.pallet_id == pallet_id), -1)


class PalletContentsModel(_RowsModel):
    headers = _CONTENTS_HEADERS

    def reset_rows(self, items: Sequence[PalletItem]) -> None:
        self._reset(
            [
                (
                    i.asset_id,
                    i.serial,
                    i.device_type,
                    f"{i.make} {i.model}".strip(),
                    i.disposition or "not graded",
                    i.box_id.rpartition("-")[2] if i.box_id else "",
                )
                for i in items
            ]
        )


def _boxes_cell(pallet: Pallet) -> str:
    if not pallet.box_count and not pallet.open_boxes:
        return ""
    return (
        f"{pallet.box_count} ({pallet.open_boxes} open)"
        if pallet.open_boxes
        else str(pallet.box_count)
    )
