"""Barcode framing, AIM identifiers and scan decoding: pure byte transcripts, no I/O."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.aim import AimId, Symbology, is_aim_id, parse_aim_id
from drivers.barcode import (
    AimMode,
    BarcodeConfig,
    BarcodeFramer,
    FrameEnd,
    RawFrame,
    decode_frame,
)
from drivers.errors import ProtocolError
from drivers.gs1 import Gs1Error

DEFAULT = BarcodeConfig()


def frames_of(chunks: list[tuple[bytes, float]], config: BarcodeConfig = DEFAULT) -> list[RawFrame]:
    framer = BarcodeFramer(config)
    out: list[RawFrame] = []
    for data, now in chunks:
        out.extend(framer.feed(data, now))
    return out


def scan_of(data: bytes, config: BarcodeConfig = DEFAULT, ended_by: FrameEnd = FrameEnd.TERMINATOR):
    return decode_frame(RawFrame(data, 1.0, ended_by), config, source="test")


# --- framing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("terminator", [b"\r", b"\n", b"\r\n"])
def test_cr_lf_and_crlf_each_end_a_frame(terminator: bytes) -> None:
    frames = frames_of([(b"ABC" + terminator + b"DEF" + terminator, 0.0)])
    assert [f.data for f in frames] == [b"ABC", b"DEF"]
    assert all(f.ended_by is FrameEnd.TERMINATOR for f in frames)


def test_crlf_split_across_reads_is_one_terminator_and_empty_lines_are_dropped() -> None:
    frames = frames_of([(b"ABC\r", 0.0), (b"\nDEF\r\n\r\n\n", 0.01)])
    assert [f.data for f in frames] == [b"ABC", b"DEF"]


def test_frame_split_over_many_reads_is_reassembled() -> None:
    chunks = [(bytes([b]), i * 0.001) for i, b in enumerate(b"]C0ABC-123\r\n")]
    frames = frames_of(chunks)
    assert [f.data for f in frames] == [b"]C0ABC-123"]
    assert frames[0].completed_at == pytest.approx(0.010)


def test_two_frames_in_one_read() -> None:
    assert [f.data for f in frames_of([(b"ONE\r\nTWO\r\n", 0.0)])] == [b"ONE", b"TWO"]


def test_silence_ends_a_frame_without_suffix() -> None:
    framer = BarcodeFramer(BarcodeConfig(inter_char_timeout_s=0.05))
    assert framer.feed(b"12345", 1.00) == []
    assert framer.silence_deadline() == pytest.approx(1.05)
    assert framer.poll(1.049) == []
    (frame,) = framer.poll(1.05)
    assert frame == RawFrame(b"12345", 1.05, FrameEnd.SILENCE)
    assert framer.pending == b""


def test_silence_before_new_bytes_splits_the_bursts() -> None:
    frames = frames_of([(b"AAA", 0.0), (b"BBB\r", 0.5)], BarcodeConfig(inter_char_timeout_s=0.1))
    assert [(f.data, f.ended_by) for f in frames] == [
        (b"AAA", FrameEnd.SILENCE),
        (b"BBB", FrameEnd.TERMINATOR),
    ]


def test_bytes_within_the_timeout_stay_in_one_frame() -> None:
    frames = frames_of([(b"AAA", 0.0), (b"BBB", 0.05), (b"\r", 0.09)])
    assert [f.data for f in frames] == [b"AAABBB"]


def test_silence_framing_can_be_disabled() -> None:
    framer = BarcodeFramer(BarcodeConfig(inter_char_timeout_s=None))
    framer.feed(b"AAA", 0.0)
    assert framer.poll(100.0) == []
    assert framer.silence_deadline() is None


def test_configured_suffix_lets_multiline_2d_data_through() -> None:
    config = BarcodeConfig(prefix=b"\x02", suffix=b"\x03")
    frames = frames_of([(b"\x02LINE1\r\nLINE2\x1d\x1e\x04\x03", 0.0)], config)
    assert [f.data for f in frames] == [b"\x02LINE1\r\nLINE2\x1d\x1e\x04"]
    scan = decode_frame(frames[0], config)
    assert scan.value == "LINE1\r\nLINE2\x1d\x1e\x04"


def test_multibyte_suffix_split_across_reads() -> None:
    config = BarcodeConfig(suffix=b"\r\n")
    frames = frames_of([(b"A\rB\r", 0.0), (b"\n", 0.01)], config)
    assert [f.data for f in frames] == [b"A\rB"]


def test_overflow_is_reported_as_a_frame_and_decoding_it_raises() -> None:
    config = BarcodeConfig(max_frame_bytes=8)
    frames = frames_of([(b"0123456789AB\r", 0.0)], config)
    assert [(f.data, f.ended_by) for f in frames] == [
        (b"01234567", FrameEnd.OVERFLOW),
        (b"89AB", FrameEnd.TERMINATOR),
    ]
    with pytest.raises(ProtocolError, match="exceeded 8 bytes without a terminator"):
        decode_frame(frames[0], config)


def test_reset_discards_the_partial_frame() -> None:
    framer = BarcodeFramer(DEFAULT)
    framer.feed(b"PARTIAL", 0.0)
    framer.reset()
    assert framer.feed(b"X\r", 0.01)[0].data == b"X"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=20), st.sampled_from([b"", b"\r\n", b"\x03"]))
def test_fuzz_framer_never_raises_and_loses_no_payload_bytes(
    chunks: list[bytes], suffix: bytes
) -> None:
    # Overflow only in the CR/LF case: there it cannot cut a terminator in two.
    config = BarcodeConfig(suffix=suffix, max_frame_bytes=10_000 if suffix else 16)
    framer = BarcodeFramer(config)
    frames: list[RawFrame] = []
    for i, chunk in enumerate(chunks):
        frames.extend(framer.feed(chunk, i * 0.01))
    frames.extend(framer.poll(1e9))
    stream = b"".join(chunks)
    emitted = b"".join(f.data for f in frames)
    if suffix:
        assert emitted == stream.replace(suffix, b"")
    else:
        assert emitted == stream.replace(b"\r", b"").replace(b"\n", b"")
    assert all(f.data for f in frames)
    for frame in frames:
        try:
            decode_frame(frame, config)
        except ProtocolError as exc:
            assert str(exc)


# --- AIM identifiers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aim", "symbology", "gs1"),
    [
        ("]C1", Symbology.GS1_128, True),
        ("]C0", Symbology.CODE128, False),
        ("]d2", Symbology.GS1_DATAMATRIX, True),
        ("]d1", Symbology.DATAMATRIX, False),
        ("]Q3", Symbology.GS1_QR, True),
        ("]Q1", Symbology.QR, False),
        ("]e0", Symbology.GS1_DATABAR, True),
        ("]J1", Symbology.GS1_DOTCODE, True),
        ("]E0", Symbology.EAN13, False),
        ("]E4", Symbology.EAN8, False),
        ("]I1", Symbology.ITF14, False),
        ("]A0", Symbology.CODE39, False),
        ("]F0", Symbology.CODABAR, False),
        ("]G0", Symbology.CODE93, False),
        ("]L2", Symbology.PDF417, False),
        ("]z0", Symbology.AZTEC, False),
        ("]M0", Symbology.MSI, False),
        ("]X0", Symbology.OTHER, False),
    ],
)
def test_aim_identifiers(aim: str, symbology: Symbology, gs1: bool) -> None:
    parsed = parse_aim_id(aim.encode() + b"DATA")
    assert parsed == AimId(aim, symbology)
    assert parsed.is_gs1 is gs1
    assert is_aim_id(aim.encode())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"]C", r"needs 3 bytes"),
        (b"XC1", r"must start with '\]' \(0x5D\), got byte 0x58"),
        (b"]K1", r"unknown AIM symbology letter 'K' \(byte 0x4B\) at offset 1"),
        (b"]C\x1d", r"modifier at offset 2 .* got byte 0x1D"),
    ],
)
def test_bad_aim_identifiers_name_the_byte(data: bytes, message: str) -> None:
    assert not is_aim_id(data)
    with pytest.raises(ProtocolError, match=message):
        parse_aim_id(data)


# --- decoding frames into scans --------------------------------------------------------------


def test_doc_decoder_string_1_gs1_128() -> None:
    scan = scan_of(b"]C1010703206980498815210526100329")
    assert scan.aim_id == "]C1"
    assert scan.symbology is Symbology.GS1_128
    assert scan.gs1_dict() == {"01": "07032069804988", "15": "210526", "10": "0329"}
    assert scan.value == "010703206980498815210526100329"
    assert scan.raw == b"]C1010703206980498815210526100329"
    assert scan.source == "test"
    assert scan.received_at == 1.0


def test_doc_decoder_string_2_gs1_datamatrix_with_gs() -> None:
    scan = scan_of(b"]d20180614141123458216789\x1d10LOT42")
    assert scan.symbology is Symbology.GS1_DATAMATRIX
    assert scan.gs1_value("01") == "80614141123458"
    assert scan.gs1_value("21") == "6789"
    assert scan.gs1_value("10") == "LOT42"
    assert scan.gs1_value("00") is None
    assert scan.value_bytes == b"0180614141123458216789\x1d10LOT42"


def test_doc_decoder_string_3_giai() -> None:
    scan = scan_of(b"]d28004061414112345400")
    assert scan.gs1_dict() == {"8004": "061414112345400"}


def test_doc_decoder_string_4_plain_code128_is_not_parsed_as_gs1() -> None:
    scan = scan_of(b"]C0ABC-123")
    assert (scan.value, scan.symbology, scan.aim_id, scan.gs1) == (
        "ABC-123",
        Symbology.CODE128,
        "]C0",
        (),
    )
    assert not scan.is_gs1


def test_plain_code128_starting_with_01_is_not_read_as_ai_01() -> None:
    scan = scan_of(b"]C00107032069804988")
    assert scan.gs1 == ()
    assert scan.value == "0107032069804988"


def test_gs1_qr_code() -> None:
    scan = scan_of(b"]Q30180614141123458")
    assert scan.symbology is Symbology.GS1_QR
    assert scan.gs1_dict() == {"01": "80614141123458"}


def test_gs1_symbol_with_bad_check_digit_raises() -> None:
    with pytest.raises(Gs1Error, match="check digit 7, expected 8"):
        scan_of(b"]C10180614141123457")


def test_no_aim_id_gives_unknown_symbology_and_verbatim_value() -> None:
    scan = scan_of(b"SN-000123")
    assert (scan.value, scan.symbology, scan.aim_id) == ("SN-000123", Symbology.UNKNOWN, None)


def test_aim_mode_off_keeps_a_leading_bracket() -> None:
    scan = scan_of(b"]C1XYZ", BarcodeConfig(aim_mode=AimMode.OFF))
    assert scan.value == "]C1XYZ"
    assert scan.aim_id is None


def test_aim_mode_required_rejects_a_frame_without_it() -> None:
    with pytest.raises(ProtocolError, match=r"must start with '\]'"):
        scan_of(b"SN-000123", BarcodeConfig(aim_mode=AimMode.REQUIRED))


def test_binary_payload_decodes_as_latin1_without_error() -> None:
    scan = scan_of(b"]d1\xff\xfe\x00\x80")
    assert scan.value == "\xff\xfe\x00\x80"
    assert scan.value_bytes == b"\xff\xfe\x00\x80"


def test_configured_prefix_is_stripped_before_the_aim_id() -> None:
    config = BarcodeConfig(prefix=b"\x02", suffix=b"\x03")
    scan = scan_of(b"\x02]C0ABC", config)
    assert (scan.value, scan.aim_id) == ("ABC", "]C0")


def test_missing_prefix_names_the_offending_byte() -> None:
    config = BarcodeConfig(prefix=b"\x02")
    with pytest.raises(ProtocolError, match=r"prefix 02: byte 0x41 at offset 0"):
        scan_of(b"ABC", config)


def test_garbage_before_prefix_raises_protocol_error() -> None:
    config = BarcodeConfig(prefix=b"\x02\x02")
    with pytest.raises(ProtocolError, match=r"prefix 02 02: byte 0x7E at offset 1"):
        scan_of(b"\x02~\x02ABC", config)


def test_frame_that_is_only_a_prefix_and_aim_id_raises() -> None:
    with pytest.raises(ProtocolError, match="no symbol data"):
        scan_of(b"]C0")


def test_partial_frame_raises_when_suffix_is_required() -> None:
    config = BarcodeConfig(require_suffix=True)
    with pytest.raises(ProtocolError, match=r"partial frame: 4 bytes ended by silence .* CR/LF"):
        scan_of(b"]C0A", config, ended_by=FrameEnd.SILENCE)


def test_silence_framed_scan_is_accepted_by_default() -> None:
    assert scan_of(b"12345", ended_by=FrameEnd.SILENCE).value == "12345"


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="inter_char_timeout_s"):
        BarcodeConfig(inter_char_timeout_s=0)
    with pytest.raises(ValueError, match="max_frame_bytes"):
        BarcodeConfig(max_frame_bytes=0)
