"""A fake Zebra printer: a TCP server on 127.0.0.1 that takes raw ZPL like port 9100 does and
keeps each connection's bytes (the demo's label printer; tests check what arrived).

``online = False`` makes it refuse connections (the socket is closed), like a printer that is
switched off; setting it back to True listens again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class ZplPrinterSimulator:
    """Any thread may read ``received`` (a copy) and toggle :meth:`set_online`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._lock = threading.Condition()
        self._received: list[bytes] = []
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port = port
        self.set_online(True)

    @property
    def url(self) -> str:
        return f"tcp://{self._host}:{self.port}"

    @property
    def received(self) -> list[bytes]:
        with self._lock:
            return list(self._received)

    def wait_for_jobs(self, count: int, timeout_s: float) -> list[bytes]:
        """Block until ``count`` jobs arrived (or the deadline); return what arrived."""
        with self._lock:
            self._lock.wait_for(lambda: len(self._received) >= count, timeout=timeout_s)
            return list(self._received)

    def set_online(self, online: bool) -> None:
        if online and self._server is None:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((self._host, self.port))
            server.listen(4)
            self.port = server.getsockname()[1]
            self._server = server
            self._thread = threading.Thread(
                target=self._serve, args=(server,), name="zpl-printer-sim", daemon=True
            )
            self._thread.start()
        elif not online and self._server is not None:
            server, self._server = self._server, None
            # shutdown() wakes the accept(); on a socket that never connected it may fail.
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
            if self._thread is not None:
                self._thread.join(timeout=5)

    def close(self) -> None:
        self.set_online(False)

    def _serve(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return  # closed: offline
            with conn:
                conn.settimeout(5)
                chunks = []
                try:
                    while chunk := conn.recv(65536):
                        chunks.append(chunk)
                except OSError:
                    continue  # a broken job is not kept, as a printer would not print it
            with self._lock:
                self._received.append(b"".join(chunks))
                self._lock.notify_all()
