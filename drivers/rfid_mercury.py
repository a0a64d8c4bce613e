"""ThingMagic / JADAK Mercury serial protocol (M6E, M6E Nano, M7E, Micro, Sargas).

Frames (all multi-byte integers big-endian)::

    host → module:  FF LEN OPCODE DATA[LEN] CRC_HI CRC_LO                  (LEN + 5 bytes)
    module → host:  FF LEN OPCODE STATUS_HI STATUS_LO DATA[LEN] CRC_HI CRC_LO   (LEN + 7 bytes)

The CRC covers everything after the FF header. It is ThingMagic's "mutated" CCITT CRC, not
CRC-16/CCITT-FALSE: see :func:`mercury_crc`.

Layers: :func:`mercury_crc`, :func:`encode_command` / :func:`encode_response` and
:func:`decode_response` / :func:`decode_command` are pure; :class:`MercuryStream` is the pure
incremental splitter with resynchronisation; :func:`parse_tag_records` turns a streamed 0x22
record into :class:`~drivers.gen2.TagRead` values by the metadata flags it carries;
:class:`MercuryReader` is the synchronous reader over a port.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import Generic, TypeVar

from drivers.errors import DeviceReportedError, ProtocolError, hex_bytes
from drivers.framed_reader import FramedPortReader
from drivers.gen2 import TagRead, check_tag_crc, gen2_crc16
from drivers.transport import PortLike

FrameT = TypeVar("FrameT")

HEADER = 0xFF
COMMAND_OVERHEAD = 5
RESPONSE_OVERHEAD = 7


class Opcode(IntEnum):
    """Mercury opcodes used by the station (SDK ``serial_reader_imp.h``)."""

    GET_VERSION = 0x03
    BOOT_FIRMWARE = 0x04
    SET_BAUD = 0x06
    READ_TAG_ID_SINGLE = 0x21
    READ_TAG_ID_MULTIPLE = 0x22
    WRITE_TAG_DATA = 0x24
    READ_TAG_DATA = 0x28
    CLEAR_TAG_BUFFER = 0x2A
    MULTI_PROTOCOL_TAG_OP = 0x2F
    GET_READ_TX_POWER = 0x62
    SET_ANTENNA_PORT = 0x91
    SET_READ_TX_POWER = 0x92
    SET_TAG_PROTOCOL = 0x93
    SET_REGION = 0x97


class Status(IntEnum):
    """Status words with a meaning the driver acts on."""

    OK = 0x0000
    BOOTLOADER_COMMAND_UNAVAILABLE = 0x0101
    KEEP_ALIVE = 0x0400
    TEMPERATURE_THROTTLING = 0x0504
    HIGH_RETURN_LOSS = 0x0505


class Metadata(IntFlag):
    """Tag-record metadata flags (``tm_reader.h``); fields appear in this bit order."""

    READ_COUNT = 0x0001
    RSSI = 0x0002
    ANTENNA_ID = 0x0004
    FREQUENCY = 0x0008
    TIMESTAMP = 0x0010
    PHASE = 0x0020
    PROTOCOL = 0x0040
    DATA = 0x0080
    GPIO = 0x0100


#: Sizes in bytes of the fixed-size metadata fields; DATA is variable (bit length + data).
_METADATA_SIZES: dict[Metadata, int] = {
    Metadata.READ_COUNT: 1,
    Metadata.RSSI: 1,
    Metadata.ANTENNA_ID: 1,
    Metadata.FREQUENCY: 3,
    Metadata.TIMESTAMP: 4,
    Metadata.PHASE: 2,
    Metadata.PROTOCOL: 1,
    Metadata.GPIO: 1,
}
_KNOWN_METADATA = 0x01FF

#: 0x2F payload that starts continuous reading with all metadata (SparkFun ``startReading``).
START_CONTINUOUS_READ = bytes.fromhex("00000122000005072210001B03E801FF")
#: 0x2F payload that stops continuous reading.
STOP_CONTINUOUS_READ = bytes.fromhex("000002")

_CRC_TABLE = (
    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50A5, 0x60C6, 0x70E7,
    0x8108, 0x9129, 0xA14A, 0xB16B, 0xC18C, 0xD1AD, 0xE1CE, 0xF1EF,
)  # fmt: skip


def mercury_crc(data: bytes) -> int:
    """ThingMagic's CRC over ``data`` (the frame without its FF header and CRC).

    Register starts at 0xFFFF; each message bit (MSB first) is shifted *into* bit 0 and the
    register is XORed with 0x1021 when the bit shifted out of bit 15 was 1; no augmentation, no
    final XOR. Computed nibble-wise with the equivalent 16-entry table. Check value:
    ``mercury_crc(b"123456789") == 0xA69D``.
    """
    crc = 0xFFFF
    for byte in data:
        for nibble in (byte >> 4, byte & 0x0F):
            crc = (((crc << 4) | nibble) & 0xFFFF) ^ _CRC_TABLE[crc >> 12]
    return crc


def encode_command(opcode: int, data: bytes = b"") -> bytes:
    """Build a host → module frame."""
    if len(data) > 0xFF:
        raise ValueError(f"Mercury command data is at most 255 bytes, got {len(data)}")
    body = bytes((len(data), opcode)) + data
    return bytes((HEADER,)) + body + mercury_crc(body).to_bytes(2, "big")


def encode_response(opcode: int, status: int, data: bytes = b"") -> bytes:
    """Build a module → host frame (used by the simulator and tests)."""
    if len(data) > 0xFF:
        raise ValueError(f"Mercury response data is at most 255 bytes, got {len(data)}")
    body = bytes((len(data), opcode)) + status.to_bytes(2, "big") + data
    return bytes((HEADER,)) + body + mercury_crc(body).to_bytes(2, "big")


@dataclass(frozen=True, slots=True)
class MercuryFrame:
    """A decoded module → host frame."""

    opcode: int
    status: int
    data: bytes
    raw: bytes


@dataclass(frozen=True, slots=True)
class MercuryCommand:
    """A decoded host → module frame."""

    opcode: int
    data: bytes
    raw: bytes


def _check_frame(frame: bytes, overhead: int, kind: str) -> None:
    if len(frame) < overhead:
        raise ProtocolError(
            f"Mercury {kind} too short: {len(frame)} bytes, minimum {overhead}: {hex_bytes(frame)}"
        )
    if frame[0] != HEADER:
        raise ProtocolError(f"Mercury {kind} byte 0 must be header 0xFF, got 0x{frame[0]:02X}")
    expected_len = frame[1] + overhead
    if len(frame) != expected_len:
        raise ProtocolError(
            f"Mercury {kind} LEN byte 0x{frame[1]:02X} means {expected_len} bytes, "
            f"got {len(frame)}: {hex_bytes(frame)}"
        )
    got = int.from_bytes(frame[-2:], "big")
    want = mercury_crc(frame[1:-2])
    if got != want:
        raise ProtocolError(
            f"Mercury {kind} CRC is {got:04X}, expected {want:04X} (opcode 0x{frame[2]:02X}): "
            f"{hex_bytes(frame)}"
        )


def decode_response(frame: bytes) -> MercuryFrame:
    """Decode one complete module → host frame; raise :class:`ProtocolError` if malformed."""
    _check_frame(frame, RESPONSE_OVERHEAD, "response")
    return MercuryFrame(
        opcode=frame[2],
        status=int.from_bytes(frame[3:5], "big"),
        data=bytes(frame[5:-2]),
        raw=bytes(frame),
    )


def decode_command(frame: bytes) -> MercuryCommand:
    """Decode one complete host → module frame; raise :class:`ProtocolError` if malformed."""
    _check_frame(frame, COMMAND_OVERHEAD, "command")
    return MercuryCommand(opcode=frame[2], data=bytes(frame[3:-2]), raw=bytes(frame))


class MercuryStream(Generic[FrameT]):
    """Incremental splitter for one direction of a Mercury byte stream.

    Pure and never raising: :meth:`feed` returns decoded frames and :class:`ProtocolError`
    values in stream order. After a bad CRC the header byte is dropped and the parser
    resynchronises on the next 0xFF; garbage and failing frames met while resynchronising are
    skipped silently, so one corruption yields one error. Build one with
    :func:`response_stream` (host side) or :func:`command_stream` (simulator side).
    """

    def __init__(self, decode: Callable[[bytes], FrameT], overhead: int) -> None:
        self._decode = decode
        self._overhead = overhead
        self._buf = bytearray()
        self._resyncing = False

    @property
    def pending(self) -> bytes:
        return bytes(self._buf)

    def reset(self) -> None:
        self._buf.clear()
        self._resyncing = False

    def feed(self, data: bytes) -> list[FrameT | ProtocolError]:
        self._buf.extend(data)
        out: list[FrameT | ProtocolError] = []
        while self._buf:
            if self._buf[0] != HEADER:
                idx = self._buf.find(HEADER)
                skipped = bytes(self._buf if idx < 0 else self._buf[:idx])
                del self._buf[: len(skipped)]
                if not self._resyncing:
                    out.append(
                        ProtocolError(
                            f"Mercury: discarded {len(skipped)} bytes before a 0xFF header: "
                            f"{hex_bytes(skipped)}"
                        )
                    )
                continue
            if len(self._buf) < 2:
                break
            total = self._buf[1] + self._overhead
            if len(self._buf) < total:
                break
            frame = bytes(self._buf[:total])
            try:
                out.append(self._decode(frame))
            except ProtocolError as exc:
                # While resynchronising, a failing frame is almost surely a false 0xFF inside
                # the corrupted one: report only the first error after a good frame.
                if not self._resyncing:
                    out.append(exc)
                # Only the header is dropped: the real next frame may start inside this one.
                del self._buf[:1]
                self._resyncing = True
                continue
            del self._buf[:total]
            self._resyncing = False
        return out


def response_stream() -> MercuryStream[MercuryFrame]:
    """A stream parser for module → host frames."""
    return MercuryStream(decode_response, RESPONSE_OVERHEAD)


def command_stream() -> MercuryStream[MercuryCommand]:
    """A stream parser for host → module frames (used by the simulator)."""
    return MercuryStream(decode_command, COMMAND_OVERHEAD)


class _Cursor:
    """Reads fields from a tag record, naming the field when bytes run out."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int, field: str) -> bytes:
        if self.pos + size > len(self.data):
            raise ProtocolError(
                f"Mercury tag record truncated: field {field} needs {size} bytes at data offset "
                f"{self.pos}, only {len(self.data) - self.pos} left"
            )
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def uint(self, size: int, field: str) -> int:
        return int.from_bytes(self.take(size, field), "big")


def parse_tag_records(
    frame: MercuryFrame, *, received_at: float, reader_id: str = ""
) -> list[TagRead]:
    """Parse a streamed Read-Tag-ID-Multiple (0x22) frame into tag reads.

    Data layout: option (0x10 = metadata present), search flags (2), metadata flags (2), tag
    count (1), then per tag the metadata fields in flag order, EPC length in bits including PC
    and tag CRC (2), PC (2), EPC, tag CRC (2). Fields are located by the echoed flags, never by
    fixed offsets. Raises :class:`ProtocolError` for another opcode, a non-OK status, unknown
    metadata flags, a truncated record, trailing bytes, or a wrong Gen2 tag CRC.
    """
    if frame.opcode != Opcode.READ_TAG_ID_MULTIPLE:
        raise ProtocolError(f"Mercury: opcode 0x{frame.opcode:02X} is not a tag record (0x22)")
    if frame.status != Status.OK:
        raise ProtocolError(f"Mercury: tag record frame has status 0x{frame.status:04X}, not OK")
    cur = _Cursor(frame.data)
    option = cur.uint(1, "option")
    if not option & 0x10:
        raise ProtocolError(
            f"Mercury: tag record option byte 0x{option:02X} lacks the metadata bit 0x10"
        )
    cur.take(2, "search flags")
    flags = cur.uint(2, "metadata flags")
    if flags & ~_KNOWN_METADATA:
        raise ProtocolError(
            f"Mercury: metadata flags 0x{flags:04X} include unsupported bits "
            f"0x{flags & ~_KNOWN_METADATA:04X}; their field sizes are unknown"
        )
    count = cur.uint(1, "tag count")
    reads = [_parse_one(cur, Metadata(flags), i + 1, received_at, reader_id) for i in range(count)]
    if cur.pos != len(cur.data):
        raise ProtocolError(
            f"Mercury: {len(cur.data) - cur.pos} unexpected trailing bytes after {count} tag "
            f"record(s): {hex_bytes(cur.data[cur.pos :])}"
        )
    return reads


def _parse_one(
    cur: _Cursor, flags: Metadata, index: int, received_at: float, reader_id: str
) -> TagRead:
    values: dict[Metadata, int] = {}
    for flag in Metadata:
        if not flags & flag:
            continue
        if flag is Metadata.DATA:
            nbits = cur.uint(2, "embedded data length")
            cur.take((nbits + 7) // 8, "embedded data")
            continue
        values[flag] = cur.uint(_METADATA_SIZES[flag], flag.name or "metadata")
    epc_bits = cur.uint(2, "EPC length")
    if epc_bits % 16 or epc_bits < 32:
        raise ProtocolError(
            f"Mercury tag record {index}: EPC length {epc_bits} bits is not PC + whole words + CRC"
        )
    pc_epc = cur.take(epc_bits // 8 - 2, "PC + EPC")
    tag_crc = cur.uint(2, "tag CRC")
    check_tag_crc(pc_epc, tag_crc, f"Mercury tag record {index}")
    rssi = values.get(Metadata.RSSI)
    antenna = values.get(Metadata.ANTENNA_ID)
    return TagRead(
        epc_hex=pc_epc[2:].hex().upper(),
        pc=int.from_bytes(pc_epc[:2], "big"),
        # High nibble is the TX port, the one that decides where the tag is.
        antenna=antenna >> 4 if antenna is not None else None,
        rssi_dbm=rssi - 256 if rssi is not None and rssi >= 0x80 else rssi,
        received_at=received_at,
        reader_id=reader_id,
        read_count=values.get(Metadata.READ_COUNT, 1),
        frequency_khz=values.get(Metadata.FREQUENCY),
        phase=values.get(Metadata.PHASE),
        device_timestamp_ms=values.get(Metadata.TIMESTAMP),
    )


class MercuryReader:
    """Synchronous Mercury module driver over one open port (one owning thread).

    Frames that arrive while waiting for a command's answer (streamed tag records, keep-alives)
    are kept for :meth:`read_tags`, so stopping a running read loses no tags.
    """

    def __init__(
        self, port: PortLike, *, reader_id: str = "", clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._reader_id = reader_id
        self._io: FramedPortReader[MercuryFrame] = FramedPortReader(
            port,
            response_stream(),
            name=f"Mercury {reader_id}".strip(),
            clock=clock,
        )
        self._backlog: list[MercuryFrame] = []

    def transact(self, opcode: int, data: bytes = b"", timeout_s: float = 1.0) -> MercuryFrame:
        """Send one command and return its answer (the next frame echoing ``opcode``).

        Raises :class:`DeviceReportedError` (code = status word) when the answer's status is
        not OK, :class:`DeviceTimeout` when no answer arrives in ``timeout_s``.
        """
        deadline = self._io.clock() + timeout_s
        self._io.write(encode_command(opcode, data))
        while True:
            frame = self._io.next_frame(deadline)
            if frame.opcode != opcode:
                self._backlog.append(frame)
                continue
            if frame.status != Status.OK:
                raise DeviceReportedError(
                    f"Mercury opcode 0x{opcode:02X} failed with status 0x{frame.status:04X}",
                    frame.status,
                )
            return frame

    def get_version(self, timeout_s: float = 1.0) -> bytes:
        """Return the raw version data (the protocol probe)."""
        return self.transact(Opcode.GET_VERSION, timeout_s=timeout_s).data

    def boot_firmware(self, timeout_s: float = 2.0) -> None:
        """Leave the bootloader; tag commands fail with status 0x0101 until this is done."""
        self.transact(Opcode.BOOT_FIRMWARE, timeout_s=timeout_s)

    def set_region(self, region_code: int, timeout_s: float = 1.0) -> None:
        """Set the RF region (codes differ by module: Nano/M7E 0x01 NA, 0x08 EU)."""
        self.transact(Opcode.SET_REGION, bytes((region_code,)), timeout_s=timeout_s)

    def start_reading(self, timeout_s: float = 1.0) -> None:
        """Start continuous reading with all metadata; records then arrive as 0x22 frames."""
        self.transact(Opcode.MULTI_PROTOCOL_TAG_OP, START_CONTINUOUS_READ, timeout_s)

    def stop_reading(self, timeout_s: float = 1.0) -> None:
        """Stop continuous reading."""
        self.transact(Opcode.MULTI_PROTOCOL_TAG_OP, STOP_CONTINUOUS_READ, timeout_s)

    def read_tags(self, timeout_s: float) -> list[TagRead]:
        """Return the reads of the next streamed tag-record frame.

        Keep-alive frames (status 0x0400) are skipped. Any other non-OK status (temperature
        throttling 0x0504, high return loss 0x0505, ...) raises :class:`DeviceReportedError`;
        malformed frames raise :class:`ProtocolError`; no record in time raises
        :class:`DeviceTimeout`.
        """
        deadline = self._io.clock() + timeout_s
        while True:
            frame = self._backlog.pop(0) if self._backlog else self._io.next_frame(deadline)
            if frame.status == Status.KEEP_ALIVE:
                continue
            if frame.status != Status.OK:
                raise DeviceReportedError(
                    f"Mercury reported status 0x{frame.status:04X} while reading "
                    f"(opcode 0x{frame.opcode:02X})",
                    frame.status,
                )
            if frame.opcode != Opcode.READ_TAG_ID_MULTIPLE:
                continue
            return parse_tag_records(frame, received_at=self._io.clock(), reader_id=self._reader_id)


@dataclass(frozen=True, slots=True)
class SimulatedTag:
    """One tag as a simulator reports it in a streamed record (all metadata, flags 0x01FF)."""

    epc: bytes
    rssi_dbm: int = -60
    antenna: int = 1
    read_count: int = 1
    frequency_khz: int = 923200
    timestamp_ms: int = 0
    phase: int = 0


def encode_tag_record(tags: list[SimulatedTag]) -> bytes:
    """Build a complete streamed 0x22 frame carrying ``tags`` with metadata flags 0x01FF.

    The inverse of :func:`parse_tag_records`; used by the simulator and by tests.
    """
    data = bytearray(b"\x10\x00\x1b\x01\xff")
    data.append(len(tags))
    for tag in tags:
        if len(tag.epc) % 2:
            raise ValueError("an EPC is a whole number of 16-bit words")
        pc = (len(tag.epc) // 2) << 11
        pc_epc = pc.to_bytes(2, "big") + tag.epc
        data.append(tag.read_count)
        data.append(tag.rssi_dbm & 0xFF)
        data.append((tag.antenna << 4) | tag.antenna)
        data += tag.frequency_khz.to_bytes(3, "big")
        data += tag.timestamp_ms.to_bytes(4, "big")
        data += tag.phase.to_bytes(2, "big")
        data.append(0x05)  # protocol: Gen2
        data += b"\x00\x00"  # no embedded data
        data.append(0x0F)  # GPIO
        data += ((len(pc_epc) + 2) * 8).to_bytes(2, "big")
        data += pc_epc + gen2_crc16(pc_epc).to_bytes(2, "big")
    return encode_response(Opcode.READ_TAG_ID_MULTIPLE, Status.OK, bytes(data))
