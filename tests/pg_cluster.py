"""A throwaway PostgreSQL cluster for tests and benchmarks (no Docker, no system service).

Started from the server binaries (``/usr/lib/postgresql/<v>/bin``) in a temporary directory,
listening on a Unix socket only. As root, ``initdb`` and ``postgres`` refuse to run, so they run
as the ``postgres`` user (``runuser``) with the directory handed over to it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg


def find_pg_bin() -> Path | None:
    env = os.environ.get("ITAD_PG_BIN")
    candidates = [Path(env)] if env else []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        candidates += sorted(
            (p / "bin" for p in root.iterdir()), key=lambda p: p.parent.name, reverse=True
        )
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


@dataclass
class PgCluster:
    bin_dir: Path
    base: Path
    port: int = 5432

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    def url(self, dbname: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@/{dbname}?host={self.socket_dir}&port={self.port}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
        )

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self, *, durable: bool = False) -> None:
        self.socket_dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories={self.socket_dir}",
            f"-p {self.port}",
            "-c max_connections=200",
        ]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-l",
            str(self.base / "log"),
            "-o",
            " ".join(options),
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, template: str | None = None) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.connect() as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{suffix}")
        return name


def start_cluster(*, durable: bool = False) -> PgCluster:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL server binaries not found (/usr/lib/postgresql)")
    base = Path(tempfile.mkdtemp(prefix="itad-pg-"))
    os.chmod(base, 0o755)
    cluster = PgCluster(bin_dir=bin_dir, base=base)
    cluster.start(durable=durable)
    return cluster


_lock = threading.Lock()
_shared: PgCluster | None = None


def shared_cluster() -> PgCluster:
    """One cluster per test process, stopped at exit."""
    global _shared  # noqa: PLW0603 - process-wide test resource
    with _lock:
        if _shared is None:
            _shared = start_cluster()
            atexit.register(_shared.stop)
        return _shared
