"""Impinj R2000 "0xA0" serial protocol (YR902 and other readers built on the R2000 chip).

Frame, both directions::

    A0 LEN ADDR CMD DATA... CHECK

LEN counts the bytes after itself, checksum included (frame = LEN + 2 bytes). CHECK is the two's
complement of the 8-bit sum of every preceding byte, head included, so a valid frame sums to 0
modulo 256.

Layers: :func:`r2000_checksum`, :func:`encode_frame` and :func:`decode_frame` are pure;
:class:`R2000Stream` is the pure incremental splitter; :func:`parse_inventory_reply` classifies
real-time inventory replies (0x89, 0x8A, 0x8B) into tag, round-finished and error results;
:class:`R2000Reader` is the synchronous reader over a port.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from drivers.errors import DeviceReportedError, ProtocolError, hex_bytes
from drivers.framed_reader import FramedPortReader
from drivers.gen2 import PcWord, TagRead
from drivers.transport import PortLike

HEAD = 0xA0
BROADCAST = 0xFF
MIN_FRAME = 5  # head, len, addr, cmd, check


class Command(IntEnum):
    """R2000 commands used by the station."""

    RESET = 0x70
    SET_BAUD = 0x71
    GET_FIRMWARE_VERSION = 0x72
    SET_WORK_ANTENNA = 0x74
    GET_WORK_ANTENNA = 0x75
    SET_OUTPUT_POWER = 0x76
    GET_OUTPUT_POWER = 0x77
    INVENTORY = 0x80
    REAL_TIME_INVENTORY = 0x89
    FAST_SWITCH_ANT_INVENTORY = 0x8A
    CUSTOMIZED_SESSION_TARGET_INVENTORY = 0x8B


INVENTORY_COMMANDS = frozenset(
    {
        Command.REAL_TIME_INVENTORY,
        Command.FAST_SWITCH_ANT_INVENTORY,
        Command.CUSTOMIZED_SESSION_TARGET_INVENTORY,
    }
)


class ErrorCode(IntEnum):
    """Error codes carried by one-byte error replies."""

    SUCCESS = 0x10
    FAIL = 0x11
    ANTENNA_MISSING = 0x22
    NO_TAG = 0x36
    ACCESS_FAILED = 0x37
    NO_RN16 = 0x50
    PLL_LOCK_FAIL = 0x52


#: Raw RSSI byte → dBm, the pyImpinj rule. Firmware-dependent: verify per reader model.
RSSI_OFFSET_DBM = 129


def r2000_checksum(data: bytes) -> int:
    """Two's complement of the 8-bit sum of ``data`` (every byte before the checksum)."""
    return (-sum(data)) & 0xFF


def encode_frame(address: int, command: int, data: bytes = b"") -> bytes:
    """Build a frame (either direction)."""
    if not 0 <= address <= 0xFF:
        raise ValueError(f"R2000 address must be 0-255, got {address}")
    if len(data) > 0xFF - 3:
        raise ValueError(f"R2000 frame data is at most 252 bytes, got {len(data)}")
    body = bytes((HEAD, len(data) + 3, address, command)) + data
    return body + bytes((r2000_checksum(body),))


@dataclass(frozen=True, slots=True)
class R2000Frame:
    """A decoded frame."""

    address: int
    command: int
    data: bytes
    raw: bytes


def decode_frame(frame: bytes) -> R2000Frame:
    """Decode one complete frame; raise :class:`ProtocolError` naming the bad byte if malformed."""
    if len(frame) < MIN_FRAME:
        raise ProtocolError(
            f"R2000 frame too short: {len(frame)} bytes, minimum {MIN_FRAME}: {hex_bytes(frame)}"
        )
    if frame[0] != HEAD:
        raise ProtocolError(f"R2000 frame byte 0 must be head 0xA0, got 0x{frame[0]:02X}")
    if frame[1] + 2 != len(frame):
        raise ProtocolError(
            f"R2000 Len byte 0x{frame[1]:02X} means {frame[1] + 2} bytes, got {len(frame)}: "
            f"{hex_bytes(frame)}"
        )
    expected = r2000_checksum(frame[:-1])
    if frame[-1] != expected:
        raise ProtocolError(
            f"R2000 checksum byte is 0x{frame[-1]:02X}, expected 0x{expected:02X} "
            f"(cmd 0x{frame[3]:02X}): {hex_bytes(frame)}"
        )
    return R2000Frame(address=frame[2], command=frame[3], data=bytes(frame[4:-1]), raw=bytes(frame))


class R2000Stream:
    """Incremental frame splitter; pure and never raising.

    :meth:`feed` returns frames and :class:`ProtocolError` values in stream order. After a bad
    checksum or an impossible Len the head byte is dropped and the parser resynchronises on the
    next 0xA0; garbage and failing frames met while resynchronising are skipped silently, so one
    corruption yields one error.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._resyncing = False

    @property
    def pending(self) -> bytes:
        return bytes(self._buf)

    def reset(self) -> None:
        self._buf.clear()
        self._resyncing = False

    def feed(self, data: bytes) -> list[R2000Frame | ProtocolError]:
        self._buf.extend(data)
        out: list[R2000Frame | ProtocolError] = []
        while self._buf:
            if self._buf[0] != HEAD:
                idx = self._buf.find(HEAD)
                skipped = bytes(self._buf if idx < 0 else self._buf[:idx])
                del self._buf[: len(skipped)]
                if not self._resyncing:
                    out.append(
                        ProtocolError(
                            f"R2000: discarded {len(skipped)} bytes before a 0xA0 head: "
                            f"{hex_bytes(skipped)}"
                        )
                    )
                continue
            if len(self._buf) < 2:
                break
            if self._buf[1] < MIN_FRAME - 2:
                self._report(out, ProtocolError(f"R2000 Len byte 0x{self._buf[1]:02X} is below 3"))
                self._drop_head()
                continue
            total = self._buf[1] + 2
            if len(self._buf) < total:
                break
            try:
                out.append(decode_frame(bytes(self._buf[:total])))
            except ProtocolError as exc:
                self._report(out, exc)
                self._drop_head()
                continue
            del self._buf[:total]
            self._resyncing = False
        return out

    def _report(self, out: list[R2000Frame | ProtocolError], error: ProtocolError) -> None:
        # While resynchronising, a failing frame is almost surely a false 0xA0 inside the
        # corrupted one: report only the first error after a good frame.
        if not self._resyncing:
            out.append(error)

    def _drop_head(self) -> None:
        # Only the head goes: the real next frame may start inside the rejected bytes.
        del self._buf[:1]
        self._resyncing = True


@dataclass(frozen=True, slots=True)
class InventoryTag:
    """A tag reported by a real-time inventory reply."""

    antenna: int
    frequency_index: int
    pc: int
    epc: bytes
    rssi_raw: int

    @property
    def rssi_dbm(self) -> int:
        """RSSI by the ``raw - 129`` rule, top bit masked.

        Newer firmware uses the top bit as a phase flag; without masking it such a byte would give
        0 dBm or more, which no tag at a bench produces.
        """
        return (self.rssi_raw & 0x7F) - RSSI_OFFSET_DBM

    def to_tag_read(self, *, received_at: float, reader_id: str = "") -> TagRead:
        """Normalise for the de-duplication pipeline."""
        return TagRead(
            epc_hex=self.epc.hex().upper(),
            pc=self.pc,
            antenna=self.antenna,
            rssi_dbm=self.rssi_dbm,
            received_at=received_at,
            reader_id=reader_id,
        )


@dataclass(frozen=True, slots=True)
class InventoryRoundEnd:
    """The summary frame that ends an inventory round."""

    antenna: int
    read_rate_per_s: int
    total_reads: int


@dataclass(frozen=True, slots=True)
class InventoryError:
    """A one-byte error reply."""

    code: int

    @property
    def name(self) -> str:
        try:
            return ErrorCode(self.code).name
        except ValueError:
            return f"UNKNOWN_0x{self.code:02X}"


InventoryReply = InventoryTag | InventoryRoundEnd | InventoryError


def parse_inventory_reply(frame: R2000Frame) -> InventoryReply:
    """Classify a real-time inventory reply by its data length.

    1 byte: error code. 7 bytes: round finished (antenna, read rate u16, total reads u32). Even
    length of at least 4: tag (FreqAnt, PC, EPC, RSSI), where the EPC length must match the PC
    word. Anything else raises :class:`ProtocolError`.
    """
    if frame.command not in INVENTORY_COMMANDS:
        raise ProtocolError(f"R2000: cmd 0x{frame.command:02X} is not an inventory reply")
    data = frame.data
    if len(data) == 1:
        return InventoryError(data[0])
    if len(data) == 7:
        return InventoryRoundEnd(
            antenna=data[0] + 1,
            read_rate_per_s=int.from_bytes(data[1:3], "big"),
            total_reads=int.from_bytes(data[3:7], "big"),
        )
    if len(data) < 4 or len(data) % 2:
        raise ProtocolError(
            f"R2000 inventory reply data length {len(data)} fits no known layout: "
            f"{hex_bytes(frame.raw)}"
        )
    pc = PcWord(int.from_bytes(data[1:3], "big"))
    epc = data[3:-1]
    if pc.epc_length_bytes != len(epc):
        raise ProtocolError(
            f"R2000 tag reply: PC word {pc.value:04X} announces a {pc.epc_length_bytes}-byte EPC, "
            f"frame carries {len(epc)} bytes"
        )
    return InventoryTag(
        antenna=(data[0] & 0x03) + 1,
        frequency_index=data[0] >> 2,
        pc=pc.value,
        epc=bytes(epc),
        rssi_raw=data[-1],
    )


class R2000Reader:
    """Synchronous R2000 driver over one open port (one owning thread)."""

    def __init__(
        self,
        port: PortLike,
        *,
        address: int = BROADCAST,
        reader_id: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._address = address
        self._reader_id = reader_id
        self._io: FramedPortReader[R2000Frame] = FramedPortReader(
            port, R2000Stream(), name=f"R2000 {reader_id}".strip(), clock=clock
        )

    def get_firmware_version(self, timeout_s: float = 1.0) -> bytes:
        """Send 0x72 (the protocol probe) and return the version bytes."""
        deadline = self._io.clock() + timeout_s
        self._io.write(encode_frame(self._address, Command.GET_FIRMWARE_VERSION))
        while True:
            frame = self._io.next_frame(deadline)
            if frame.command == Command.GET_FIRMWARE_VERSION:
                return frame.data

    def inventory_round(self, repeat: int = 1, timeout_s: float = 2.0) -> list[TagRead]:
        """Run one real-time inventory (0x89) and return every tag reported before round end.

        "No tag" (0x36) ends the round with an empty list. Any other error code raises
        :class:`DeviceReportedError` (e.g. 0x22 antenna missing); no round end in time raises
        :class:`DeviceTimeout`.
        """
        deadline = self._io.clock() + timeout_s
        self._io.write(encode_frame(self._address, Command.REAL_TIME_INVENTORY, bytes((repeat,))))
        reads: list[TagRead] = []
        while True:
            frame = self._io.next_frame(deadline)
            if frame.command != Command.REAL_TIME_INVENTORY:
                continue
            reply = parse_inventory_reply(frame)
            if isinstance(reply, InventoryTag):
                reads.append(
                    reply.to_tag_read(received_at=self._io.clock(), reader_id=self._reader_id)
                )
            elif isinstance(reply, InventoryRoundEnd) or reply.code == ErrorCode.NO_TAG:
                return reads
            else:
                raise DeviceReportedError(
                    f"R2000 inventory failed: error 0x{reply.code:02X} ({reply.name})", reply.code
                )
