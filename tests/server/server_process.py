"""A real central server in its own process for tests and benchmarks: a free loopback port, the
server started under uvicorn, a wait until ``/healthz`` answers, and a stop that never hangs.

One copy of what the two-process test, the demo end-to-end test and the sync benchmark all need.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.server.app import ENV_DATABASE_URL
from app.server.merkle_log import ENV_CHECKPOINT_KEY

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, checkpoint_key: Path) -> dict[str, str]:
    """This process's environment plus what ``app_from_env`` reads: the database and the key that
    signs Merkle checkpoints (several processes sharing one key keep one log)."""
    return dict(
        os.environ, **{ENV_DATABASE_URL: database_url, ENV_CHECKPOINT_KEY: str(checkpoint_key)}
    )


def wait_healthy(port: int, proc: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """Return once ``GET /healthz`` on ``port`` answers 200. Raises ``RuntimeError`` naming the
    port if ``proc`` exits first or ``timeout_s`` passes (the process is killed then)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            raise RuntimeError(f"server process for port {port} exited with code {code}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    proc.wait(5)
    raise RuntimeError(f"server on port {port} did not answer /healthz within {timeout_s:g} s")


def spawn_uvicorn(database_url: str, port: int, checkpoint_key: Path) -> subprocess.Popen:
    """One uvicorn process serving ``app.server.app:app_from_env`` on 127.0.0.1:``port``, returned
    at once (several can start side by side): ``wait_healthy`` before use, ``stop`` after."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.server.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=server_env(database_url, checkpoint_key),
    )


def stop(proc: subprocess.Popen, timeout_s: float = 20.0) -> None:
    """Terminate ``proc``; kill it if it has not exited within ``timeout_s``."""
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
