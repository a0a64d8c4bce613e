"""Command line: ``itad-station [SUBCOMMAND]``. No subcommand starts the station GUI.

Subcommands print one clear sentence on a user-facing error and exit non-zero; they never show
a library's traceback for a condition an operator can cause (a locked or corrupt database...).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from app import __version__
from app.cli_sync import HANDLERS as SYNC_HANDLERS
from app.cli_sync import add_sync_commands
from app.config import Settings, load_settings
from app.domain.errors import UserFacingError
from app.domain.roles import Role
from app.ledger.keys import KeyFileError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_LEDGER_BROKEN = 1
EXIT_USER_ERROR = 2


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="station data directory (default: the per-user data dir, see README)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="itad-station",
        description="ITAD Intake Station. With no subcommand, starts the station window.",
    )
    parser.add_argument("--version", action="version", version=f"itad-station {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start with sample data in a throwaway data directory (no hardware, no server)",
    )
    _add_data_dir(parser)
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    gui = sub.add_parser("gui", help="start the station window (the default)")
    gui.add_argument("--demo", action="store_true", help="sample data, throwaway data dir")
    _add_data_dir(gui)

    verify = sub.add_parser(
        "verify-ledger",
        help="check the ledger's hash chain and signatures; exit 1 naming the first bad event",
    )
    _add_data_dir(verify)

    shot = sub.add_parser("screenshot", help="render the main window offscreen to a PNG")
    shot.add_argument("--page", required=True, help="page name, e.g. custody-log or receiving")
    shot.add_argument("--out", required=True, type=Path, help="PNG file to write")
    shot.add_argument("--demo", action="store_true", help="use the demo's sample data")
    shot.add_argument("--size", default="1280x800", help="window size WIDTHxHEIGHT")
    _add_data_dir(shot)

    add_op = sub.add_parser(
        "add-operator",
        help="enrol an operator (the first one must be an admin); asks for the PIN",
    )
    add_op.add_argument("--name", required=True)
    add_op.add_argument("--badge", required=True)
    add_op.add_argument("--role", required=True, choices=[r.value for r in Role])
    add_op.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN(s) from stdin (for scripts)"
    )
    add_op.add_argument(
        "--as-badge", help="badge of the admin doing this (not needed for the first operator)"
    )
    _add_data_dir(add_op)

    backup = sub.add_parser(
        "backup",
        help="copy the station database (online, safe while running) and key to a new folder",
    )
    backup.add_argument("--out", required=True, type=Path, help="new folder for the copy")
    _add_data_dir(backup)

    rubric = sub.add_parser(
        "publish-rubric",
        help="publish a new version of a grading rubric (TOML, see resources/rubrics) as an admin",
    )
    rubric.add_argument("file", type=Path, help="the rubric file")
    rubric.add_argument("--as-badge", required=True, help="badge of the admin doing this")
    rubric.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    _add_data_dir(rubric)

    sub.add_parser("pages", help="list the page names the window has")
    sub.add_parser(
        "self-test",
        help="check this installation: resources, serial, PDF, a throwaway ledger, the window",
    )

    simulate = sub.add_parser(
        "simulate",
        help="run a fake scanner or RFID reader on a pseudo-terminal until Ctrl-C",
        description="Start a simulated device speaking the real protocol on a pseudo-terminal "
        "and print its path; point a device in the station (or any serial tool) at it.",
    )
    simulate.add_argument("kind", choices=["barcode", "mercury", "r2000"])
    simulate.add_argument(
        "--script",
        type=Path,
        help="text file: one scan value (barcode) or EPC in hex (readers) per line",
    )
    simulate.add_argument(
        "--garbage", action="store_true", help="mix line noise and bad checksums into the stream"
    )
    simulate.add_argument(
        "--interval",
        type=float,
        default=2.0,
        help="seconds between scans, or how long each group of tags stays in the field (2.0)",
    )
    add_sync_commands(sub, _add_data_dir)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if getattr(args, "data_dir", None):
        settings = settings.with_data_dir(args.data_dir)
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    # The console is for problems: alembic and Qt narrate a lot at INFO.
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except UserFacingError as exc:
        print(f"itad-station: {exc.message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyFileError as exc:
        print(f"itad-station: station key problem: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR


def _dispatch(args: argparse.Namespace) -> int:
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "pages": _pages,
        "verify-ledger": lambda a: _verify_ledger(_settings(a)),
        "add-operator": _add_operator,
        "simulate": _simulate,
        "self-test": _self_test,
        "backup": _backup,
        "publish-rubric": _publish_rubric,
        "screenshot": _screenshot,
        "gui": _gui,
        **SYNC_HANDLERS,
    }
    return handlers[args.command or "gui"](args)


def _backup(args: argparse.Namespace) -> int:
    from app.bootstrap import backup_station, verify_ledger_read_only  # noqa: PLC0415

    settings = _settings(args)
    if args.out.exists():
        print(f"itad-station: {args.out} already exists; name a new folder", file=sys.stderr)
        return EXIT_USER_ERROR
    out = backup_station(settings.data_dir, args.out)
    report = verify_ledger_read_only(out)
    print(f"Backed up {settings.data_dir} to {out}: {report.summary()}")
    return EXIT_OK if report.ok else EXIT_LEDGER_BROKEN


def _publish_rubric(args: argparse.Namespace) -> int:
    from app.bootstrap import open_station  # noqa: PLC0415

    pin = sys.stdin.read().strip() if args.pin_stdin else getpass.getpass("Your PIN: ")
    station = open_station(_settings(args))
    try:
        if station.grading is None:
            print("itad-station: grading is not available at this station", file=sys.stderr)
            return EXIT_USER_ERROR
        station.operators.sign_in_with_badge(args.as_badge, pin)
        try:
            rubric = station.grading.publish_rubric(args.file)
        finally:
            station.operators.sign_out(reason="command line session ended")
    finally:
        station.close()
    print(f"Published rubric {rubric.rubric_id} version {rubric.version} from {args.file.name}")
    return EXIT_OK


def _pages(_args: argparse.Namespace) -> int:
    from app.ui.page_names import PAGE_NAMES  # noqa: PLC0415 - Qt-free list, lazy on purpose

    print("\n".join(PAGE_NAMES))
    return EXIT_OK


# The GUI commands import Qt (through bootstrap) lazily, so the others work without it.


def _self_test(_args: argparse.Namespace) -> int:
    from app import bootstrap  # noqa: PLC0415

    return bootstrap.self_test()


def _screenshot(args: argparse.Namespace) -> int:
    from app import bootstrap  # noqa: PLC0415

    width, _, height = args.size.partition("x")
    return bootstrap.screenshot(
        _settings(args),
        page=args.page,
        out=args.out,
        demo=args.demo,
        size=(int(width), int(height)),
    )


def _gui(args: argparse.Namespace) -> int:
    from app import bootstrap  # noqa: PLC0415

    return bootstrap.run_gui(_settings(args), demo=args.demo)


def _verify_ledger(settings: Settings) -> int:
    from app.bootstrap import verify_ledger_read_only  # noqa: PLC0415

    report = verify_ledger_read_only(settings.data_dir)
    print(report.summary())
    return EXIT_OK if report.ok else EXIT_LEDGER_BROKEN


def _add_operator(args: argparse.Namespace) -> int:
    from app.bootstrap import open_station  # noqa: PLC0415

    if args.pin_stdin:
        pins = sys.stdin.read().split()
        new_pin = pins[0] if pins else ""
        actor_pin = pins[1] if len(pins) > 1 else ""
    else:
        new_pin = getpass.getpass(f"PIN for {args.name}: ")
        actor_pin = getpass.getpass(f"Your PIN ({args.as_badge}): ") if args.as_badge else ""
    station = open_station(_settings(args))
    try:
        if args.as_badge:
            station.operators.sign_in_with_badge(args.as_badge, actor_pin)
        operator = station.operators.enrol(
            display_name=args.name, badge=args.badge, role=Role(args.role), pin=new_pin
        )
        station.operators.sign_out(reason="command line session ended")
    finally:
        station.close()
    print(f"Enrolled {operator.display_name} ({operator.role.value}), badge {operator.badge}")
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    import threading  # noqa: PLC0415

    from app.devices.simulation import read_script, start_simulator  # noqa: PLC0415
    from app.domain.devices import DeviceKind  # noqa: PLC0415

    if args.interval <= 0:
        print("itad-station: --interval must be positive", file=sys.stderr)
        return EXIT_USER_ERROR
    kind = DeviceKind(args.kind)
    values = read_script(args.script, kind) if args.script else ()
    devices = start_simulator(kind, values=values, interval_s=args.interval, garbage=args.garbage)
    config = devices.configs[0]
    print(f"{kind.title} simulated on {config.port}", flush=True)
    print(
        f"Add it on the Devices page (kind {kind.value}, port {config.port}, "
        f"{config.baud} baud). Ctrl-C stops it.",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        devices.close()
    return EXIT_OK
