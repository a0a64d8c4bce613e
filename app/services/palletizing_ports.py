"""What palletizing needs from the outside, as Protocols (``bootstrap`` injects the adapters:
``PalletRepository``, ``PrintQueue``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from app.domain.pallets import Pallet, PalletBox, PalletItem
from app.domain.printing import PrintJobStatus


class PalletReader(Protocol):
    def pallets(self) -> list[Pallet]: ...

    def pallet(self, pallet_id: str) -> Pallet | None: ...

    def contents(self, pallet_id: str) -> list[PalletItem]: ...

    def pallet_of(self, asset_id: str) -> str: ...

    def boxes(self, pallet_id: str) -> list[PalletBox]: ...

    def box(self, box_id: str) -> PalletBox | None: ...

    def box_of(self, asset_id: str) -> str: ...

    def next_number(self) -> int: ...


class LabelPrinter(Protocol):
    """A print queue that keeps jobs while the printer is offline (``app.devices.printer``)."""

    def submit(
        self,
        target: str,
        data: bytes,
        description: str,
        on_delivered: Callable[[], None] | None = None,
    ) -> str: ...

    def jobs(self) -> list[PrintJobStatus]: ...

    def retry_now(self) -> None: ...
