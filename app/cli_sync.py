"""The sync and server subcommands of ``itad-station`` (wired into ``app.cli``).

* ``server``: run the central server under uvicorn (migrates first).
* ``server-admin``: create enrolment codes, revoke stations, load reference data, publish
  manifests.
* ``enrol``: register this station with a server using a one-time code.
* ``sync``: run sync cycles now until nothing moves, and print the status.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from app.config import Settings, load_settings

EXIT_OK = 0
EXIT_USER_ERROR = 2
DEFAULT_PORT = 8470
ENV_DATABASE_URL = "ITAD_SERVER_DATABASE_URL"
ENV_ADMIN_TOKEN = "ITAD_SERVER_ADMIN_TOKEN"  # noqa: S105 - the variable's name


def _database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get(ENV_DATABASE_URL, ""),
        help="postgresql://user:pass@host/db (or sqlite:///file for a quick local run); "
        f"default ${ENV_DATABASE_URL}",
    )


def add_sync_commands(
    sub: argparse._SubParsersAction, add_data_dir: Callable[[argparse.ArgumentParser], None]
) -> None:
    server = sub.add_parser("server", help="run the central server (FastAPI on PostgreSQL)")
    _database_url(server)
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    server.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"({DEFAULT_PORT})")
    server.add_argument("--workers", type=int, default=1, help="server processes (1)")
    server.add_argument(
        "--admin-token",
        default=os.environ.get(ENV_ADMIN_TOKEN, ""),
        help=f"bearer token for /v1/admin and the facility pages; default ${ENV_ADMIN_TOKEN}",
    )
    server.add_argument(
        "--checkpoint-key",
        default=os.environ.get("ITAD_SERVER_CHECKPOINT_KEY", ""),
        help="file with the Ed25519 key that signs checkpoints of the event log (created if "
        "missing; keep it off the database host's backups); default $ITAD_SERVER_CHECKPOINT_KEY, "
        "else the server user's data directory",
    )

    admin = sub.add_parser("server-admin", help="administer the central server's database")
    _database_url(admin)
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    code = admin_sub.add_parser("create-code", help="print a one-time enrolment code")
    code.add_argument("--facility", required=True, help="facility the station will belong to")
    revoke = admin_sub.add_parser("revoke", help="revoke a station (its pushes are refused)")
    revoke.add_argument("station_id")
    ref = admin_sub.add_parser(
        "load-reference",
        help='load reference data from JSON: {"facility_id": "...", "<kind>": {"<id>": {...}}}',
    )
    ref.add_argument("file", type=Path)
    upload = admin_sub.add_parser(
        "upload-manifest",
        help="publish a customer manifest (CSV/XLSX) to a facility's stations",
    )
    upload.add_argument("--facility", required=True, help="facility whose stations receive it")
    upload.add_argument("--customer", required=True, help="customer id")
    upload.add_argument("--customer-name", default="", help="customer name (default: the id)")
    upload.add_argument("--job", required=True, help="receiving job id")
    upload.add_argument("file", type=Path)

    enrol = sub.add_parser("enrol", help="enrol this station with a server (one-time code)")
    enrol.add_argument("--server", required=True, help="server address, e.g. http://host:8470")
    enrol.add_argument("--code", required=True, help="the one-time enrolment code")
    add_data_dir(enrol)

    sync = sub.add_parser("sync", help="sync now until nothing moves, then print the status")
    sync.add_argument("--server", default="", help="server address (default: as enrolled)")
    add_data_dir(sync)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if getattr(args, "data_dir", None):
        settings = settings.with_data_dir(args.data_dir)
    if getattr(args, "server", ""):
        settings = Settings(
            data_dir=settings.data_dir,
            station_name=settings.station_name,
            facility_id=settings.facility_id,
            server_url=args.server,
            devices=settings.devices,
        )
    return settings


def _need_url(args: argparse.Namespace) -> str | None:
    if not args.database_url:
        print(f"itad-station: give --database-url or set {ENV_DATABASE_URL}", file=sys.stderr)
        return None
    return str(args.database_url)


def _server(args: argparse.Namespace) -> int:
    from app.server.run import serve  # noqa: PLC0415 - server dependencies only here

    url = _need_url(args)
    if url is None:
        return EXIT_USER_ERROR
    serve(
        url,
        host=args.host,
        port=args.port,
        workers=args.workers,
        admin_token=args.admin_token,
        checkpoint_key=args.checkpoint_key,
    )
    return EXIT_OK


def _server_admin(args: argparse.Namespace) -> int:
    from app.server import run  # noqa: PLC0415

    url = _need_url(args)
    if url is None:
        return EXIT_USER_ERROR
    if args.admin_command == "create-code":
        print(run.create_code(url, args.facility))
    elif args.admin_command == "revoke":
        if not run.revoke(url, args.station_id):
            print(f"itad-station: no station {args.station_id}", file=sys.stderr)
            return EXIT_USER_ERROR
        print(f"Revoked {args.station_id}")
    elif args.admin_command == "upload-manifest":
        from app.domain.errors import UserFacingError  # noqa: PLC0415

        try:
            done = run.upload_manifest(
                url,
                args.file,
                facility_id=args.facility,
                customer_id=args.customer,
                job_id=args.job,
                customer_name=args.customer_name,
            )
        except (UserFacingError, OSError) as exc:
            message = exc.message if isinstance(exc, UserFacingError) else str(exc)
            print(f"itad-station: {message}", file=sys.stderr)
            return EXIT_USER_ERROR
        print(
            f"Published manifest {done.manifest_id} ({done.line_count} lines) for job "
            f"{done.job_id} to facility {done.facility_id}"
        )
    else:
        try:
            loaded = run.load_reference(url, args.file)
        except UserFacingError as exc:
            print(f"itad-station: {exc.message}", file=sys.stderr)
            return EXIT_USER_ERROR
        print(f"Loaded {loaded} reference rows")
    return EXIT_OK


def _enrol(args: argparse.Namespace) -> int:
    from app.bootstrap import open_station  # noqa: PLC0415

    station = open_station(_settings(args))
    try:
        assert station.sync_worker is not None
        enrolment = station.sync_worker.enrol(args.server, args.code)
    finally:
        station.close()
    print(
        f"Enrolled station {enrolment.station_id} in facility {enrolment.facility_id} "
        f"at {enrolment.server_url}"
    )
    return EXIT_OK


def _sync(args: argparse.Namespace) -> int:
    from app.bootstrap import open_station  # noqa: PLC0415
    from app.services.sync import describe  # noqa: PLC0415

    station = open_station(_settings(args))
    try:
        worker = station.sync_worker
        assert worker is not None
        status = worker.status()
        for _ in range(100):
            before = status.pending_count
            worker.run_cycle()
            status = worker.status()
            if status.last_error or status.halted_reason or status.pending_count in (0, before):
                break
        view = describe(status, status.last_attempt_ms or 0)
    finally:
        station.close()
    print(view.headline)
    for label, value in view.details:
        print(f"  {label}: {value}")
    if view.problem:
        print(f"  Problem: {view.problem}")
    return EXIT_OK if not view.problem else EXIT_USER_ERROR


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "server": _server,
    "server-admin": _server_admin,
    "enrol": _enrol,
    "sync": _sync,
}
