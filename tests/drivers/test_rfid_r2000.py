"""R2000 0xA0 protocol: checksum, frame transcripts, inventory replies, pty round trip."""

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DeviceDisconnected, DeviceReportedError, DeviceTimeout, ProtocolError
from drivers.rfid_r2000 import (
    Command,
    ErrorCode,
    InventoryError,
    InventoryRoundEnd,
    InventoryTag,
    R2000Frame,
    R2000Reader,
    R2000Stream,
    decode_frame,
    encode_frame,
    parse_inventory_reply,
    r2000_checksum,
)
from drivers.simulators.pty_port import PtyDevice
from drivers.simulators.rfid_readers import FakeR2000Reader, R2000SimTag
from drivers.transport import SerialSettings, open_port

FRAMES_CSV = Path(__file__).resolve().parents[1] / "data" / "rfid" / "r2000_frames.csv"
with FRAMES_CSV.open(newline="", encoding="utf-8") as _handle:
    FRAMES = {row["meaning"]: bytes.fromhex(row["hex"]) for row in csv.DictReader(_handle)}

TAG = FRAMES["Tag antenna 1 PC 3000 EPC E2000017220A0123456789AB RSSI -19"]
ROUND_END = FRAMES["Round finished 50 tags/s 100 reads"]
ANTENNA_MISSING = FRAMES["Error antenna missing"]


@pytest.mark.parametrize("frame", list(FRAMES.values()), ids=list(FRAMES))
def test_every_vector_sums_to_zero_and_round_trips(frame: bytes) -> None:
    assert sum(frame) & 0xFF == 0
    decoded = decode_frame(frame)
    assert encode_frame(decoded.address, decoded.command, decoded.data) == frame


def test_encode_requests() -> None:
    assert encode_frame(0x01, Command.REAL_TIME_INVENTORY, b"\x01") == bytes.fromhex("A004018901D1")
    assert encode_frame(0xFF, Command.GET_FIRMWARE_VERSION) == bytes.fromhex("A003FF72EC")
    assert r2000_checksum(bytes.fromhex("A004018901")) == 0xD1


def test_tag_reply() -> None:
    reply = parse_inventory_reply(decode_frame(TAG))
    assert reply == InventoryTag(
        antenna=1,
        frequency_index=0,
        pc=0x3000,
        epc=bytes.fromhex("E2000017220A0123456789AB"),
        rssi_raw=0x6E,
    )
    assert reply.rssi_dbm == -19
    read = reply.to_tag_read(received_at=3.0, reader_id="r2k")
    assert (read.epc_hex, read.antenna, read.rssi_dbm) == ("E2000017220A0123456789AB", 1, -19)


def test_freq_ant_byte_and_phase_flag() -> None:
    frame = decode_frame(encode_frame(1, 0x89, bytes((0x1F,)) + TAG[5:-2] + b"\xee"))
    reply = parse_inventory_reply(frame)
    assert isinstance(reply, InventoryTag)
    assert (reply.antenna, reply.frequency_index, reply.rssi_dbm) == (4, 7, -19)


def test_round_end_and_error_replies() -> None:
    assert parse_inventory_reply(decode_frame(ROUND_END)) == InventoryRoundEnd(1, 50, 100)
    error = parse_inventory_reply(decode_frame(ANTENNA_MISSING))
    assert error == InventoryError(ErrorCode.ANTENNA_MISSING)
    assert error.name == "ANTENNA_MISSING"
    assert InventoryError(0x99).name == "UNKNOWN_0x99"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (TAG[:-1] + b"\xfd", r"checksum byte is 0xFD, expected 0xFC \(cmd 0x89\)"),
        (b"\xa1" + TAG[1:], r"byte 0 must be head 0xA0, got 0xA1"),
        (TAG[:-2], r"Len byte 0x13 means 21 bytes, got 19"),
        (b"\xa0\x02\x01\x89", r"too short: 4 bytes"),
    ],
)
def test_bad_frames(frame: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        decode_frame(frame)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (R2000Frame(1, 0x72, b"\x01", b""), r"cmd 0x72 is not an inventory reply"),
        (R2000Frame(1, 0x89, b"\x00\x30", b""), r"data length 2 fits no known layout"),
        (
            R2000Frame(1, 0x89, b"\x00\x30\x00" + bytes(10) + b"\x60", b""),
            r"PC word 3000 announces a 12-byte EPC, frame carries 10 bytes",
        ),
    ],
)
def test_bad_inventory_replies(frame: R2000Frame, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_inventory_reply(frame)


def test_stream_byte_by_byte_with_garbage_and_a_bad_checksum() -> None:
    stream = R2000Stream()
    out = []
    for byte in b"\x55\x66" + TAG[:-1] + b"\x00" + ROUND_END + ANTENNA_MISSING:
        out.extend(stream.feed(bytes([byte])))
    errors = [str(x) for x in out if isinstance(x, ProtocolError)]
    frames = [x for x in out if isinstance(x, R2000Frame)]
    assert errors[0] == "R2000: discarded 1 bytes before a 0xA0 head: 55"
    assert any("checksum byte is 0x00, expected 0xFC" in e for e in errors)
    assert [f.raw for f in frames][-2:] == [ROUND_END, ANTENNA_MISSING]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=30), max_size=12))
def test_fuzz_stream_never_raises(chunks: list[bytes]) -> None:
    stream = R2000Stream()
    for chunk in chunks:
        for item in stream.feed(chunk):
            assert isinstance(item, R2000Frame | ProtocolError)
    stream.reset()
    assert stream.feed(TAG) == [decode_frame(TAG)]


# --- pty round trips with the fake reader ----------------------------------------------------

SETTINGS = SerialSettings(baudrate=115200, read_timeout_s=0.005)
EPCS = [bytes.fromhex("E2000017220A0123456789AB"), bytes.fromhex("3074257BF7194E4000001A85")]


def _with_fake(fake: FakeR2000Reader):
    port = open_port(fake.device_path, SETTINGS)
    return port, R2000Reader(port, address=1, reader_id="bench-2")


def test_pty_probe_and_inventory_round() -> None:
    tags = [R2000SimTag(EPCS[0], antenna=1, rssi_raw=0x6E), R2000SimTag(EPCS[1], antenna=3)]
    with FakeR2000Reader(tags) as fake:
        port, reader = _with_fake(fake)
        try:
            assert reader.get_firmware_version() == FakeR2000Reader.FIRMWARE
            reads = reader.inventory_round()
            assert [(r.epc_hex, r.antenna, r.rssi_dbm, r.reader_id) for r in reads] == [
                (EPCS[0].hex().upper(), 1, -19, "bench-2"),
                (EPCS[1].hex().upper(), 3, -19, "bench-2"),
            ]
        finally:
            port.close()


def test_pty_no_tag_is_an_empty_round() -> None:
    with FakeR2000Reader([]) as fake:
        port, reader = _with_fake(fake)
        try:
            assert reader.inventory_round() == []
        finally:
            port.close()


def test_pty_antenna_missing_is_a_device_error() -> None:
    with FakeR2000Reader([], error_code=ErrorCode.ANTENNA_MISSING) as fake:
        port, reader = _with_fake(fake)
        try:
            with pytest.raises(DeviceReportedError, match=r"0x22 \(ANTENNA_MISSING\)") as info:
                reader.inventory_round()
            assert info.value.code == 0x22
        finally:
            port.close()


def test_pty_silent_device_times_out_then_unplug_disconnects() -> None:
    device = PtyDevice()  # a port with nothing answering
    port = open_port(device.device_path, SETTINGS)
    try:
        reader = R2000Reader(port)
        with pytest.raises(DeviceTimeout, match="no complete frame before the deadline"):
            reader.get_firmware_version(timeout_s=0.1)
        assert device.read(1.0) == bytes.fromhex("A003FF72EC")  # the probe went out
        device.write(TAG[:6])
        device.unplug()
        with pytest.raises(DeviceDisconnected):
            reader.get_firmware_version(timeout_s=2.0)
    finally:
        port.close()
        device.close()
