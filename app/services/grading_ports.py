"""What grading needs from the outside, as Protocols (``bootstrap`` injects the adapters:
``GradingRepository``, ``BlobStore``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.domain.grading import GradeRecord, GradingAsset, Rubric


class GradingReader(Protocol):
    def find_asset(self, value: str) -> GradingAsset | None: ...

    def history(self, asset_id: str) -> list[GradeRecord]: ...

    def published_rubrics(self) -> list[tuple[str, dict[str, Any]]]: ...


class PhotoStore(Protocol):
    """Content-addressed file storage: ``put_file`` returns the file's SHA-256."""

    def put_file(self, path: Path) -> str: ...


@dataclass(frozen=True, slots=True)
class DataBearing:
    """Whether an asset may still hold customer data, and why the station thinks so."""

    bearing: bool
    reason: str


class DataBearingCheck(Protocol):
    """The seam between grading and sanitization: "is this asset still data-bearing?".

    Resale is refused while the answer is yes. Today's implementation
    (:class:`app.services.grading.DataBearingFromCustody`) answers from what the station
    records now; the sanitization issue replaces it with the media registry (every drive of the
    asset PASSED or removed), without grading changing.
    """

    def verdict(self, asset: GradingAsset, rubric: Rubric) -> DataBearing: ...
