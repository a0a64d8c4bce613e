"""The deadline-bound read loop shared by the binary-framed reader drivers (Mercury, R2000).

A protocol supplies a pure incremental :class:`FrameStream` (bytes in, frames or
:class:`~drivers.errors.ProtocolError` values out, in stream order); :class:`FramedPortReader`
pulls bytes from a pyserial port into it until a frame is available or the deadline passes.
Errors found in the stream are raised one at a time, in order, so frames after a corrupted one
are not lost: the next call returns them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import serial

from drivers.errors import DeviceDisconnected, DeviceTimeout, ProtocolError
from drivers.transport import PortLike

FrameT = TypeVar("FrameT")
FrameT_co = TypeVar("FrameT_co", covariant=True)


class FrameStream(Protocol[FrameT_co]):
    """A pure incremental frame parser."""

    @property
    def pending(self) -> bytes:
        """Bytes buffered towards the next frame."""
        ...

    def feed(self, data: bytes) -> list[FrameT_co | ProtocolError]:
        """Add bytes; return completed frames and stream errors in stream order."""
        ...

    def reset(self) -> None:
        """Discard buffered bytes."""
        ...


class FramedPortReader(Generic[FrameT]):
    """Reads frames of one protocol from one port; owned by a single thread.

    The port's read timeout is the poll slice; ``clock`` (monotonic seconds) enforces deadlines.
    """

    def __init__(
        self,
        port: PortLike,
        stream: FrameStream[FrameT],
        *,
        name: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.port = port
        self.clock = clock
        self._stream = stream
        self._name = name
        self._ready: deque[FrameT | ProtocolError] = deque()

    def write(self, data: bytes) -> None:
        """Write ``data`` to the port; a failing port raises :class:`DeviceDisconnected`."""
        try:
            self.port.write(data)
        except (serial.SerialException, OSError) as exc:
            self._drop_partial()
            raise DeviceDisconnected(f"{self._name}: write failed: {exc}") from exc

    def next_frame(self, deadline: float) -> FrameT:
        """Return the next frame, waiting until the monotonic ``deadline``.

        Raises the next queued :class:`ProtocolError` if the stream produced one first,
        :class:`DeviceTimeout` at the deadline (naming any partial frame, which stays buffered),
        and :class:`DeviceDisconnected` if the port fails (buffered bytes are discarded).
        """
        while not self._ready:
            if self.clock() >= deadline:
                partial = self._stream.pending
                detail = f"; {len(partial)} bytes of a partial frame buffered" if partial else ""
                raise DeviceTimeout(f"{self._name}: no complete frame before the deadline{detail}")
            try:
                data = self.port.read(max(1, self.port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                self._drop_partial()
                raise DeviceDisconnected(f"{self._name}: read failed: {exc}") from exc
            if data:
                self._ready.extend(self._stream.feed(data))
        item = self._ready.popleft()
        if isinstance(item, ProtocolError):
            raise item
        return item

    def _drop_partial(self) -> None:
        self._stream.reset()
        self._ready.clear()
