"""``python -m tests.benchmarks [--events N] [--batch N] [--single N] [--dir PATH]``

Prints one JSON line per figure on stdout: ``{"name", "value", "unit", "baseline", "ratio"}``
(``ratio`` = value / baseline). Baselines and targets are described on stderr. Targets are
reported, never asserted. Runs every benchmark module with its defaults: the ledger, then
devices, receiving, grading, sanitization, pallets and sync (sync needs PostgreSQL's server
binaries; without them it says so and the others still run). A module that fails is named on
stderr and the exit code is 1; the rest still run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.benchmarks import (
    bench_devices,
    bench_grading,
    bench_pallets,
    bench_receiving,
    bench_sanitization,
    bench_sync,
)
from tests.benchmarks.figure import Figure
from tests.benchmarks.ledger_benchmarks import Target, run


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
            item.print()
        elif isinstance(item, Target):
            verdict = "met" if item.met else "MISSED"
            print(f"target {verdict}: {item.description}", file=sys.stderr)
    failed: list[str] = []
    for name, module, takes_dir in (
        ("devices", bench_devices, False),  # issue 3: scanner and RFID paths over ptys
        ("receiving", bench_receiving, True),  # issue 4: import, scan-to-feedback, reconcile
        ("grading", bench_grading, True),  # issue 6: save path
        ("sanitization", bench_sanitization, True),  # issue 5: report drop, 10k certificate
        ("pallets", bench_pallets, True),  # issue 7: labels, 5,000-asset pallet
        ("sync", bench_sync, False),  # issue 8: 100k-event push to PostgreSQL
    ):
        module_args = ["--dir", str(args.dir / name)] if takes_dir and args.dir else []
        print(f"--- bench_{name}", file=sys.stderr, flush=True)
        try:
            code = module.main(module_args)
        except Exception as exc:  # report it, run the other benchmarks
            print(f"bench_{name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            code = 1
        if code:
            failed.append(name)
    if failed:
        print(f"benchmarks that did not finish: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
