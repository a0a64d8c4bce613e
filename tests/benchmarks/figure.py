"""The one output format of every benchmark: a ``Figure`` is one JSON line on stdout,
``{"name", "value", "unit", "baseline", "ratio"}`` (``ratio`` = value / baseline, ``null`` without a
baseline), and a line on stderr that says what the baseline measured."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

DIGITS = 4  # value, baseline and ratio are rounded to this many decimals


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure and the physical baseline measured in the same run."""

    name: str
    value: float
    unit: str
    baseline: float | None
    baseline_name: str = ""

    @property
    def ratio(self) -> float:
        """``value / baseline``; NaN without a (non-zero) baseline."""
        return self.value / self.baseline if self.baseline else float("nan")

    def json_line(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "value": round(self.value, DIGITS),
                "unit": self.unit,
                "baseline": None if self.baseline is None else round(self.baseline, DIGITS),
                "ratio": round(self.ratio, DIGITS) if self.baseline else None,
            },
            ensure_ascii=False,
        )

    def print(self) -> None:
        """The JSON line on stdout (flushed, so an aggregator sees it at once); the baseline's
        description, if any, on stderr."""
        print(self.json_line(), flush=True)
        if self.baseline_name:
            print(f"  baseline for {self.name!r}: {self.baseline_name}", file=sys.stderr)


def print_figure(
    name: str, value: float, unit: str, baseline: float | None, baseline_name: str = ""
) -> None:
    """``Figure(...).print()``: for benchmarks that print each figure as soon as it is measured."""
    Figure(name, value, unit, baseline, baseline_name).print()
