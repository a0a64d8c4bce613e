"""Mercury protocol: CRC, frame transcripts, stream resync, tag records, and a pty round trip."""

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import DeviceDisconnected, DeviceReportedError, DeviceTimeout, ProtocolError
from drivers.gen2 import PcWord, gen2_crc16
from drivers.rfid_mercury import (
    MercuryFrame,
    MercuryReader,
    Opcode,
    SimulatedTag,
    Status,
    command_stream,
    decode_command,
    decode_response,
    encode_command,
    encode_response,
    encode_tag_record,
    mercury_crc,
    parse_tag_records,
    response_stream,
)
from drivers.simulators.rfid_readers import FakeMercuryReader
from drivers.transport import SerialSettings, open_port

FRAMES_CSV = Path(__file__).resolve().parents[1] / "data" / "rfid" / "mercury_frames.csv"
with FRAMES_CSV.open(newline="", encoding="utf-8") as _handle:
    FRAMES = list(csv.DictReader(_handle))
HOST_FRAMES = [bytes.fromhex(r["hex"]) for r in FRAMES if r["direction"] == "host"]
TAG_RECORD = bytes.fromhex(next(r["hex"] for r in FRAMES if r["direction"] == "reader"))


# --- Gen2 CRC and PC word (section 3.1) ------------------------------------------------------


@pytest.mark.parametrize(
    ("pc_epc", "crc"),
    [("3000000000000000000000001545", 0xE94A), ("340030751FEB705C5904E3D50D70", 0x3A76)],
)
def test_gen2_crc_vectors(pc_epc: str, crc: int) -> None:
    assert gen2_crc16(bytes.fromhex(pc_epc)) == crc


def test_pc_word() -> None:
    assert PcWord(0x3000).epc_length_bytes == 12
    assert PcWord(0x3400).user_memory
    assert PcWord(0x3000).is_gs1_epc
    assert not PcWord(0x3100).is_gs1_epc


# --- CRC -------------------------------------------------------------------------------------


def test_crc_check_value_and_worked_example() -> None:
    assert mercury_crc(b"123456789") == 0xA69D
    assert mercury_crc(bytes.fromhex("0003")) == 0x1D0C


def test_crc_is_not_ccitt_false() -> None:
    # The doc's cross-check: CCITT-FALSE gives F891 on the Write Tag Data body, Mercury 589D.
    body = bytes.fromhex("0A2403E800000000000300EE")
    assert mercury_crc(body) == 0x589D


def _bitwise_reference_crc(data: bytes) -> int:
    # Step by step as section 3.2 states it, to pin the table-driven implementation.
    reg = 0xFFFF
    for byte in data:
        for i in range(7, -1, -1):
            top = reg >> 15
            reg = ((reg << 1) | ((byte >> i) & 1)) & 0xFFFF
            if top:
                reg ^= 0x1021
    return reg


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_table_crc_equals_the_bitwise_definition(data: bytes) -> None:
    assert mercury_crc(data) == _bitwise_reference_crc(data)


# --- frame transcripts -----------------------------------------------------------------------


@pytest.mark.parametrize("frame", HOST_FRAMES, ids=[r["meaning"] for r in FRAMES[:-1]])
def test_host_frame_vectors_round_trip(frame: bytes) -> None:
    command = decode_command(frame)
    assert encode_command(command.opcode, command.data) == frame


def test_encode_known_commands() -> None:
    assert encode_command(Opcode.GET_VERSION) == bytes.fromhex("FF00031D0C")
    assert encode_command(Opcode.SET_REGION, b"\x02") == bytes.fromhex("FF0197024BBF")


def test_tag_record_vector_parses_to_the_documented_fields() -> None:
    frame = decode_response(TAG_RECORD)
    assert (frame.opcode, frame.status, len(frame.data)) == (0x22, 0, 0x28)
    (read,) = parse_tag_records(frame, received_at=12.5, reader_id="dock-1")
    assert read.epc_hex == "000000000000000000001545"
    assert read.pc == 0x3000
    assert read.rssi_dbm == -60
    assert read.antenna == 1
    assert read.frequency_khz == 923200
    assert read.device_timestamp_ms == 295
    assert read.phase == 0
    assert read.read_count == 1
    assert (read.received_at, read.reader_id) == (12.5, "dock-1")


def test_encode_tag_record_reproduces_the_vector() -> None:
    tag = SimulatedTag(bytes.fromhex("000000000000000000001545"), timestamp_ms=295)
    assert encode_tag_record([tag]) == TAG_RECORD


def test_multi_tag_record_and_embedded_data_flags() -> None:
    tags = [SimulatedTag(bytes([i]) * 12, rssi_dbm=-40 - i, antenna=i + 1) for i in range(3)]
    reads = parse_tag_records(decode_response(encode_tag_record(tags)), received_at=0.0)
    assert [(r.epc_hex[:2], r.rssi_dbm, r.antenna) for r in reads] == [
        ("00", -40, 1),
        ("01", -41, 2),
        ("02", -42, 3),
    ]
    # Only RSSI + DATA (12 bits of embedded data → 2 bytes) selected: fields move accordingly.
    pc_epc = bytes.fromhex("3000") + bytes(12)
    data = (
        b"\x10\x00\x1b\x00\x82\x01"
        + b"\xc4"
        + b"\x00\x0c\xab\xc0"
        + b"\x00\x80"
        + pc_epc
        + gen2_crc16(pc_epc).to_bytes(2, "big")
    )
    (read,) = parse_tag_records(decode_response(encode_response(0x22, 0, data)), received_at=0.0)
    assert (read.rssi_dbm, read.antenna, read.frequency_khz) == (-60, None, None)


# --- errors with clear messages --------------------------------------------------------------


def _corrupt(frame: bytes, index: int, value: int) -> bytes:
    data = bytearray(frame)
    data[index] = value
    return bytes(data)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_corrupt(TAG_RECORD, -1, 0x1E), r"CRC is 561E, expected 561D \(opcode 0x22\)"),
        (_corrupt(TAG_RECORD, 0, 0xFE), r"byte 0 must be header 0xFF, got 0xFE"),
        (TAG_RECORD[:-3], r"LEN byte 0x28 means 47 bytes, got 44"),
        (b"\xff\x00", r"too short: 2 bytes, minimum 7"),
    ],
)
def test_bad_response_frames(frame: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        decode_response(frame)


def _record_with(data: bytes) -> MercuryFrame:
    return decode_response(encode_response(0x22, 0, data))


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (decode_response(encode_response(0x03, 0)), r"opcode 0x03 is not a tag record"),
        (decode_response(encode_response(0x22, 0x0504)), r"status 0x0504"),
        (_record_with(b"\x00\x00\x1b\x00\x00\x00"), r"option byte 0x00 lacks the metadata bit"),
        (_record_with(b"\x10\x00\x1b\x02\x00\x01"), r"unsupported bits 0x0200"),
        (_record_with(b"\x10\x00\x1b\x00\x02\x01\xc4"), r"field EPC length needs 2 bytes"),
        (_record_with(b"\x10\x00\x1b\x00\x00\x00\xaa"), r"1 unexpected trailing bytes"),
        (_record_with(b"\x10\x00\x1b\x00\x00\x01\x00\x28" + bytes(5)), r"not PC \+ whole words"),
    ],
)
def test_bad_tag_records(frame: MercuryFrame, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_tag_records(frame, received_at=0.0)


def test_bad_gen2_tag_crc_in_record() -> None:
    bad = bytearray(decode_response(TAG_RECORD).data)
    bad[-1] ^= 0xFF
    with pytest.raises(ProtocolError, match=r"Gen2 tag CRC is E9B5, expected E94A"):
        parse_tag_records(_record_with(bytes(bad)), received_at=0.0)


# --- stream splitting ------------------------------------------------------------------------


def test_stream_splits_frames_delivered_byte_by_byte() -> None:
    keep_alive = encode_response(0x22, Status.KEEP_ALIVE)
    stream = response_stream()
    out = []
    for byte in TAG_RECORD + keep_alive:
        out.extend(stream.feed(bytes([byte])))
    assert [(f.opcode, f.status) for f in out] == [(0x22, 0), (0x22, 0x0400)]
    assert stream.pending == b""


def test_stream_reports_garbage_then_resyncs_after_bad_crc() -> None:
    good = encode_response(0x03, 0, b"\x01\x02")
    bad = _corrupt(TAG_RECORD, 20, 0x99)
    out = response_stream().feed(b"\x00\x41" + bad + good)
    errors = [str(x) for x in out if isinstance(x, ProtocolError)]
    frames = [x for x in out if not isinstance(x, ProtocolError)]
    assert errors[0] == "Mercury: discarded 2 bytes before a 0xFF header: 00 41"
    assert "CRC is" in errors[1]
    assert len(errors) == 2  # false headers inside the corrupted frame are not reported again
    assert [f.raw for f in frames] == [good]


def test_command_stream_decodes_host_frames() -> None:
    out = command_stream().feed(b"".join(HOST_FRAMES))
    assert [c.opcode for c in out] == [0x03, 0x04, 0x97, 0x97, 0x24, 0x2F, 0x2F]  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=30), max_size=12))
def test_fuzz_stream_never_raises_and_good_frames_survive(chunks: list[bytes]) -> None:
    stream = response_stream()
    good = encode_response(0x03, 0, b"OK")
    for chunk in chunks:
        for item in stream.feed(chunk):
            assert isinstance(item, MercuryFrame | ProtocolError)
    stream.reset()
    assert stream.feed(good)[-1] == decode_response(good)


# --- reader over a pty with the fake module --------------------------------------------------

SETTINGS = SerialSettings(baudrate=115200, read_timeout_s=0.005)
EPC = bytes.fromhex("3074257BF7194E4000001A85")


@pytest.fixture
def fake_module():
    fake = FakeMercuryReader([SimulatedTag(EPC, rssi_dbm=-52, antenna=2)], period_s=0.01)
    port = open_port(fake.device_path, SETTINGS)
    yield fake, MercuryReader(port, reader_id="m6e")
    port.close()
    fake.close()


def test_pty_handshake_and_continuous_read(fake_module) -> None:
    _, reader = fake_module
    assert reader.get_version() == FakeMercuryReader.VERSION
    with pytest.raises(DeviceReportedError, match="status 0x0101") as info:
        reader.set_region(0x08)  # still in the bootloader
    assert info.value.code == 0x0101
    reader.boot_firmware()
    reader.set_region(0x08)
    reader.start_reading()
    reads = [r for _ in range(5) for r in reader.read_tags(timeout_s=2.0)]  # keep-alives skipped
    assert {(r.epc_hex, r.rssi_dbm, r.antenna, r.reader_id) for r in reads} == {
        (EPC.hex().upper(), -52, 2, "m6e")
    }
    reader.stop_reading()


def test_pty_corrupted_frame_raises_then_reading_continues(fake_module) -> None:
    fake, reader = fake_module
    reader.boot_firmware()
    fake.inject(_corrupt(TAG_RECORD, 12, 0x00))
    with pytest.raises(ProtocolError, match="CRC is"):
        reader.read_tags(timeout_s=2.0)
    fake.inject(TAG_RECORD)
    assert reader.read_tags(timeout_s=2.0)[0].epc_hex == "000000000000000000001545"


def test_pty_throttling_status_is_reported(fake_module) -> None:
    fake, reader = fake_module
    fake.inject(encode_response(0x22, Status.TEMPERATURE_THROTTLING))
    with pytest.raises(DeviceReportedError, match="0x0504") as info:
        reader.read_tags(timeout_s=2.0)
    assert info.value.code == Status.TEMPERATURE_THROTTLING


def test_pty_timeout_and_unplug(fake_module) -> None:
    fake, reader = fake_module
    fake.inject(TAG_RECORD[:10])
    with pytest.raises(DeviceTimeout, match="10 bytes of a partial frame buffered"):
        reader.read_tags(timeout_s=0.1)
    fake.unplug()
    with pytest.raises(DeviceDisconnected):
        reader.read_tags(timeout_s=2.0)
