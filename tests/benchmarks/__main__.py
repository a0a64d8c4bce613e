"""``python -m tests.benchmarks [--events N] [--batch N] [--single N] [--dir PATH]``

Prints one JSON line per figure on stdout: ``{"name", "value", "unit", "baseline", "ratio"}``
(``ratio`` = value / baseline). Baselines and targets are described on stderr. Targets are
reported, never asserted. Runs the ledger benchmarks, then ``bench_pallets`` (labels and a
5,000-asset pallet).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.benchmarks import bench_pallets, bench_sanitization
from tests.benchmarks.ledger_benchmarks import Figure, Target, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="ledger size (100000)")
    parser.add_argument("--batch", type=int, default=500, help="events per append (500)")
    parser.add_argument("--single", type=int, default=2_000, help="one-event appends (2000)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (a tmp dir)")
    args = parser.parse_args(argv)
    if args.events < 1 or args.batch < 1 or args.single < 100:
        parser.error("--events and --batch must be >= 1, --single >= 100")
    for item in run(events=args.events, batch=args.batch, single=args.single, work_dir=args.dir):
        if isinstance(item, Figure):
            print(item.json_line(), flush=True)
            print(f"  baseline for {item.name!r}: {item.baseline_name}", file=sys.stderr)
        elif isinstance(item, Target):
            verdict = "met" if item.met else "MISSED"
            print(f"target {verdict}: {item.description}", file=sys.stderr)
    # Pallets (issue 7): 1,000 labels as PDF and as ZPL, a 5,000-asset pallet built and sealed.
    bench_pallets.main(["--dir", str(args.dir / "pallets")] if args.dir is not None else [])
    # Sanitization (issue 5): 1,000 wipe reports in one drop; a 10,000-line certificate PDF.
    bench_sanitization.main(
        ["--dir", str(args.dir / "sanitization")] if args.dir is not None else []
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
