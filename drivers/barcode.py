"""Line-framed serial barcode scanners (USB-CDC or RS-232).

Three layers, each usable on its own:

* :class:`BarcodeFramer`: pure, incremental. Bytes plus the monotonic time they arrived go in;
  :class:`RawFrame` objects come out. Frames end on the configured suffix (by default any of CR,
  LF, CR LF) or on inter-character silence. It never raises, so it can be fuzzed.
* :func:`decode_frame`: pure. One frame becomes a :class:`Scan`: prefix and AIM identifier are
  stripped and, for GS1 symbols only, the element string is parsed. Raises
  :class:`~drivers.errors.ProtocolError` for frames that break the configuration.
* :class:`BarcodeScanner`: a synchronous reader over an open pyserial port with a deadline.

Bytes are framed first and decoded to text afterwards (latin-1), so binary payloads never raise
decode errors.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import serial

from drivers.aim import AimId, Symbology, is_aim_id, parse_aim_id
from drivers.errors import DeviceDisconnected, DeviceTimeout, ProtocolError, hex_bytes
from drivers.gs1 import Gs1Element, parse_element_string
from drivers.transport import PortLike

CR = 0x0D
LF = 0x0A


class AimMode(Enum):
    """Whether frames carry an AIM symbology identifier prefix."""

    #: Never look for one: the data is taken verbatim.
    OFF = "off"
    #: Strip it when the frame starts with a known identifier (``]`` + known letter + modifier).
    AUTO = "auto"
    #: Every frame must start with one; a frame without it raises ProtocolError.
    REQUIRED = "required"


@dataclass(frozen=True, slots=True)
class BarcodeConfig:
    """How the scanner is configured to frame its output.

    ``suffix`` empty means "any of CR, LF or CR LF ends a frame" (empty lines are dropped). A
    non-empty ``suffix`` (for example ETX, or CR LF exactly) is then the only terminator, which
    lets multi-line 2D payloads through. ``prefix`` is a configured header that must start every
    frame (for example STX); it is stripped. ``inter_char_timeout_s``: silence after at least one
    byte that ends a frame; ``None`` disables silence framing. Silence is judged on the line,
    not on the reader: bytes already waiting in the port when the reader gets to them continue
    the frame, so a starved reader never splits a scan. The price, for a scanner configured to
    send no terminator at all: two scans that both arrive while the reader is starved come out
    as one joined value (which then matches nothing). ``require_suffix``: a frame ended
    by silence rather than the suffix is reported as a partial frame (ProtocolError) instead of a
    scan; use it when the scanner is known to always send a suffix.
    """

    prefix: bytes = b""
    suffix: bytes = b""
    inter_char_timeout_s: float | None = 0.08
    aim_mode: AimMode = AimMode.AUTO
    require_suffix: bool = False
    max_frame_bytes: int = 8192

    def __post_init__(self) -> None:
        if self.inter_char_timeout_s is not None and self.inter_char_timeout_s <= 0:
            raise ValueError("inter_char_timeout_s must be positive or None")
        if self.max_frame_bytes < 1:
            raise ValueError("max_frame_bytes must be at least 1")


class FrameEnd(Enum):
    """Why the framer closed a frame."""

    TERMINATOR = "terminator"
    SILENCE = "silence"
    OVERFLOW = "overflow"


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One framed chunk of scanner output, terminator removed.

    ``completed_at`` is the monotonic time (seconds) of the byte or silence that closed it.
    """

    data: bytes
    completed_at: float
    ended_by: FrameEnd


class BarcodeFramer:
    """Incremental frame splitter for one scanner's byte stream.

    Pure: the caller passes the monotonic time with every call, no clock is read and nothing
    sleeps. Not thread-safe; owned by the thread that reads the port.
    """

    def __init__(self, config: BarcodeConfig) -> None:
        self._config = config
        self._buf = bytearray()
        self._last_byte_at = 0.0

    @property
    def pending(self) -> bytes:
        """Bytes of the frame in progress (not yet terminated)."""
        return bytes(self._buf)

    def reset(self) -> None:
        """Drop the frame in progress, e.g. after a disconnect."""
        self._buf.clear()

    def silence_deadline(self) -> float | None:
        """Monotonic time at which the frame in progress ends by silence, or None if none."""
        if not self._buf or self._config.inter_char_timeout_s is None:
            return None
        return self._last_byte_at + self._config.inter_char_timeout_s

    def poll(self, now: float) -> list[RawFrame]:
        """Close the frame in progress if the line has been silent long enough at ``now``."""
        deadline = self.silence_deadline()
        if deadline is None or now < deadline:
            return []
        frame = RawFrame(bytes(self._buf), deadline, FrameEnd.SILENCE)
        self._buf.clear()
        return [frame]

    def feed(self, data: bytes, now: float, *, continuing: bool = False) -> list[RawFrame]:
        """Add ``data`` that arrived at monotonic time ``now``; return the frames it completes.

        The whole chunk is treated as arriving at ``now`` (a read returns a burst). A frame in
        progress that was already silent for the inter-character timeout before ``now`` is closed
        first, unless ``continuing``: the bytes were already waiting when the reader came to
        them, so their arrival time is unknown and they extend the frame in progress. Empty
        frames are dropped.
        """
        frames = [] if continuing else self.poll(now)
        if not data:
            return frames
        suffix = self._config.suffix
        for byte in data:
            if not suffix and byte in (CR, LF):
                # CR, LF and CR LF all end a line; the LF of CR LF closes an empty line, dropped.
                if self._buf:
                    frames.append(RawFrame(bytes(self._buf), now, FrameEnd.TERMINATOR))
                    self._buf.clear()
                continue
            self._buf.append(byte)
            if suffix and self._buf.endswith(suffix):
                del self._buf[-len(suffix) :]
                if self._buf:
                    frames.append(RawFrame(bytes(self._buf), now, FrameEnd.TERMINATOR))
                    self._buf.clear()
            elif len(self._buf) >= self._config.max_frame_bytes:
                frames.append(RawFrame(bytes(self._buf), now, FrameEnd.OVERFLOW))
                self._buf.clear()
        self._last_byte_at = now
        return frames


@dataclass(frozen=True, slots=True)
class Scan:
    """One decoded barcode read.

    ``raw`` is the frame exactly as received (without the terminator); ``value_bytes`` is the
    symbol data after the prefix and AIM identifier were removed, and ``value`` is the same data
    decoded as latin-1 (one character per byte, GS kept as ``"\\x1d"``). ``gs1`` holds the parsed
    element string only when the AIM identifier marks a GS1 symbol; otherwise it is empty.
    ``received_at`` is the monotonic time the frame completed; ``source`` names the port.
    """

    value: str
    value_bytes: bytes
    symbology: Symbology
    aim_id: str | None
    gs1: tuple[Gs1Element, ...]
    raw: bytes
    received_at: float
    source: str = ""

    @property
    def is_gs1(self) -> bool:
        """True if the scan was parsed as a GS1 element string."""
        return bool(self.gs1)

    def gs1_value(self, ai: str) -> str | None:
        """Return the data of Application Identifier ``ai``, or None if the scan has no such AI."""
        for element in self.gs1:
            if element.ai == ai:
                return element.value
        return None

    def gs1_dict(self) -> dict[str, str]:
        """Return a new ``{ai: value}`` dict of the GS1 elements."""
        return {element.ai: element.value for element in self.gs1}


def decode_frame(frame: RawFrame, config: BarcodeConfig, source: str = "") -> Scan:
    """Turn one frame into a :class:`Scan`.

    Raises :class:`ProtocolError` when the frame overflowed, ended by silence although a suffix
    is required, lacks the configured prefix or a required AIM identifier, is empty after the
    prefix, or is a GS1 symbol whose element string is malformed (:class:`~drivers.gs1.Gs1Error`).
    """
    raw = frame.data
    if frame.ended_by is FrameEnd.OVERFLOW:
        raise ProtocolError(
            f"frame exceeded {config.max_frame_bytes} bytes without a terminator; "
            f"starts with {hex_bytes(raw, 16)}"
        )
    if frame.ended_by is FrameEnd.SILENCE and config.require_suffix:
        expected = hex_bytes(config.suffix) if config.suffix else "CR/LF"
        raise ProtocolError(
            f"partial frame: {len(raw)} bytes ended by silence without the suffix {expected}: "
            f"{hex_bytes(raw, 16)}"
        )
    body = raw
    if config.prefix:
        if not body.startswith(config.prefix):
            offset = next(
                (i for i, (a, b) in enumerate(zip(body, config.prefix, strict=False)) if a != b),
                len(body),
            )
            got = f"byte 0x{body[offset]:02X}" if offset < len(body) else "end of frame"
            raise ProtocolError(
                f"frame does not start with the configured prefix {hex_bytes(config.prefix)}: "
                f"{got} at offset {offset} (frame {hex_bytes(raw, 16)})"
            )
        body = body[len(config.prefix) :]
    aim: AimId | None = None
    if config.aim_mode is AimMode.REQUIRED or (config.aim_mode is AimMode.AUTO and is_aim_id(body)):
        aim = parse_aim_id(body)
        body = body[len(aim.text) :]
    if not body:
        raise ProtocolError(f"frame carries no symbol data after prefix/AIM id: {hex_bytes(raw)}")
    value = body.decode("latin-1")
    gs1: tuple[Gs1Element, ...] = ()
    if aim is not None and aim.is_gs1:
        gs1 = parse_element_string(value)
    return Scan(
        value=value,
        value_bytes=body,
        symbology=aim.symbology if aim is not None else Symbology.UNKNOWN,
        aim_id=aim.text if aim is not None else None,
        gs1=gs1,
        raw=raw,
        received_at=frame.completed_at,
        source=source,
    )


class BarcodeScanner:
    """Synchronous scanner reader over one open port.

    Owned by exactly one thread (the port worker); not thread-safe. The port's own read timeout
    is the poll slice (see :class:`~drivers.transport.SerialSettings`); this class enforces the
    caller's deadline on top of it. ``clock`` must be monotonic seconds; tests may inject one.
    """

    def __init__(
        self,
        port: PortLike,
        config: BarcodeConfig,
        *,
        source: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._port = port
        self._config = config
        self._source = source
        self._clock = clock
        self._framer = BarcodeFramer(config)
        self._frames: deque[RawFrame] = deque()

    def read_scan(self, timeout_s: float) -> Scan:
        """Return the next scan, waiting at most ``timeout_s`` seconds.

        Raises :class:`DeviceTimeout` when no frame completes in time (a partial frame stays
        buffered for the next call), :class:`ProtocolError` for a frame that cannot be decoded
        (that frame is consumed, later frames are kept), and :class:`DeviceDisconnected` when the
        port fails (the partial frame is discarded).
        """
        deadline = self._clock() + timeout_s
        while True:
            if self._frames:
                return decode_frame(self._frames.popleft(), self._config, self._source)
            late = self._read_chunk(wait=False)
            if late:
                # Bytes already waiting in the OS buffer continue the frame in progress even
                # if this thread comes to them after the inter-character timeout: a worker
                # starved of the CPU or the GIL (a large import, a garbage collection) must not
                # split a scan by a "silence" it caused itself. Only silence with nothing
                # waiting ends a frame.
                self._frames.extend(self._framer.feed(late, self._clock(), continuing=True))
                continue
            now = self._clock()
            self._frames.extend(self._framer.poll(now))
            if self._frames:
                continue
            if now >= deadline:
                partial = self._framer.pending
                detail = f"; {len(partial)} bytes of a partial frame buffered" if partial else ""
                raise DeviceTimeout(f"no barcode frame within {timeout_s:.3f} s{detail}")
            data = self._read_chunk(wait=True)
            self._frames.extend(self._framer.feed(data, self._clock()))

    def _read_chunk(self, *, wait: bool) -> bytes:
        """What the port has already received; with ``wait``, at least one byte if one comes
        within the port's read timeout. b"" when nothing is there. A failing port discards
        the partial frame and raises :class:`DeviceDisconnected`."""
        try:
            waiting = self._port.in_waiting
            if not (waiting or wait):
                return b""
            return self._port.read(max(1, waiting))
        except (serial.SerialException, OSError) as exc:
            self._framer.reset()
            self._frames.clear()
            raise DeviceDisconnected(f"scanner port {self._source or '?'} failed: {exc}") from exc
