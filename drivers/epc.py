"""EPC Tag Data Standard (TDS) binary decoding to tag URIs and pure-identity URIs.

Pure functions, no I/O. :func:`decode_epc` takes the EPC bank contents as hex (PC word and tag
CRC removed) and returns an :class:`Epc`. Decoded schemes: SGTIN-96/198, SSCC-96, SGLN-96/195,
GRAI-96/170, GIAI-96/202, GID-96, GSRN-96, GSRNP-96, GDTI-96/174, SGCN-96, CPI-96/var,
ITIP-110/212, USDOD-96 and ADI-var, i.e. every scheme in the project's vector file. Any other
header raises :class:`UnsupportedEpcScheme` naming the header byte; callers keep the raw hex and
show "unknown / non-GS1 EPC" (chip-vendor EPCs starting E2 are the usual case).

Contract: always store the hex next to the decoded URI, so nothing is lost if a decode is wrong.

Layout of the partitioned schemes (TDS section 14): header (8 bits) | filter (3) | partition (3) |
company prefix (M bits, L digits) | second field (N bits, K digits) | remainder. Partition tables
follow nedap/retail-epcpy ``PARTITION_TABLE_P*`` and the GS1 TDS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drivers.errors import ProtocolError
from drivers.gs1 import Gs1Element, gs1_check_digit


class EpcError(ProtocolError):
    """The EPC binary is malformed for its scheme (bad partition, field out of range, too short)."""


class UnsupportedEpcScheme(EpcError):
    """The header byte names no scheme this decoder supports. ``header`` holds that byte."""

    def __init__(self, header: int) -> None:
        super().__init__(
            f"EPC header byte 0x{header:02X} is not a supported EPC Tag Data Standard scheme; "
            "keep the raw hex (chip-vendor EPCs such as E2... are not GS1 encodings)"
        )
        self.header = header


# (company prefix bits, digits, second field bits, digits) by partition value 0..6.
PartitionTable = tuple[tuple[int, int, int, int], ...]

SGTIN_PARTITIONS: PartitionTable = (
    (40, 12, 4, 1),
    (37, 11, 7, 2),
    (34, 10, 10, 3),
    (30, 9, 14, 4),
    (27, 8, 17, 5),
    (24, 7, 20, 6),
    (20, 6, 24, 7),
)
SSCC_PARTITIONS: PartitionTable = (
    (40, 12, 18, 5),
    (37, 11, 21, 6),
    (34, 10, 24, 7),
    (30, 9, 28, 8),
    (27, 8, 31, 9),
    (24, 7, 34, 10),
    (20, 6, 38, 11),
)
GRAI_PARTITIONS: PartitionTable = (
    (40, 12, 4, 0),
    (37, 11, 7, 1),
    (34, 10, 10, 2),
    (30, 9, 14, 3),
    (27, 8, 17, 4),
    (24, 7, 20, 5),
    (20, 6, 24, 6),
)
# SGLN, GDTI and SGCN share this table (second field 41 bits in total with the prefix).
SGLN_PARTITIONS: PartitionTable = (
    (40, 12, 1, 0),
    (37, 11, 4, 1),
    (34, 10, 7, 2),
    (30, 9, 11, 3),
    (27, 8, 14, 4),
    (24, 7, 17, 5),
    (20, 6, 21, 6),
)
# Second field: asset reference bits / maximum characters.
GIAI96_PARTITIONS: PartitionTable = (
    (40, 12, 42, 13),
    (37, 11, 45, 14),
    (34, 10, 48, 15),
    (30, 9, 52, 16),
    (27, 8, 55, 17),
    (24, 7, 58, 18),
    (20, 6, 62, 19),
)
GIAI202_PARTITIONS: PartitionTable = (
    (40, 12, 148, 18),
    (37, 11, 151, 19),
    (34, 10, 154, 20),
    (30, 9, 158, 21),
    (27, 8, 161, 22),
    (24, 7, 164, 23),
    (20, 6, 168, 24),
)
CPI96_PARTITIONS: PartitionTable = (
    (40, 12, 11, 3),
    (37, 11, 14, 4),
    (34, 10, 17, 5),
    (30, 9, 21, 6),
    (27, 8, 24, 7),
    (24, 7, 27, 8),
    (20, 6, 31, 9),
)

# Characters that TDS requires to be %-escaped in URIs (Table A-1), plus '#' from the 6-bit
# ADI character set.
_URI_ESCAPES = {c: f"%{ord(c):02X}" for c in '"%&/<>?#'}


def uri_escape(text: str) -> str:
    """Escape ``text`` for an EPC URI component as TDS requires."""
    return "".join(_URI_ESCAPES.get(c, c) for c in text)


class _Bits:
    """Reads unsigned big-endian bit fields from the EPC binary, left to right."""

    def __init__(self, data: bytes, scheme: str) -> None:
        self._value = int.from_bytes(data, "big")
        self._size = len(data) * 8
        self._pos = 0
        self._scheme = scheme

    @property
    def position(self) -> int:
        return self._pos

    def take(self, nbits: int, name: str) -> int:
        if self._pos + nbits > self._size:
            raise EpcError(
                f"{self._scheme}: EPC is {self._size} bits, too short for field {name} "
                f"(bits {self._pos}-{self._pos + nbits - 1})"
            )
        shift = self._size - self._pos - nbits
        self._pos += nbits
        return (self._value >> shift) & ((1 << nbits) - 1)

    def string7(self, nbits: int, name: str) -> str:
        """A TDS 7-bit string field of ``nbits``: ends at the first all-zero character."""
        chars: list[str] = []
        start = self._pos
        for _ in range(nbits // 7):
            code = self.take(7, name)
            if code == 0:
                break
            if not 0x21 <= code <= 0x7E:
                raise EpcError(
                    f"{self._scheme}: field {name} has invalid 7-bit character 0x{code:02X} "
                    f"at bit {self._pos - 7}"
                )
            chars.append(chr(code))
        # The field has a fixed width whatever its content; skip the unused tail.
        self._pos = start + nbits
        return "".join(chars)

    def string6(self, max_chars: int, name: str) -> str:
        """A 6-bit (ISO/IEC 15962 style) string terminated by six zero bits."""
        chars: list[str] = []
        for _ in range(max_chars + 1):
            code = self.take(6, name)
            if code == 0:
                return "".join(chars)
            chars.append(_char6(code))
        raise EpcError(f"{self._scheme}: field {name} has no terminator within {max_chars} chars")

    def fixed6(self, nchars: int, name: str) -> str:
        """A fixed-width 6-bit string of exactly ``nchars`` characters (no terminator)."""
        return "".join(_char6(self.take(6, name)) for _ in range(nchars))


def _char6(code: int) -> str:
    # 6-bit code = ASCII & 0x3F: 1..31 are letters and symbols 0x41..0x5F, 32..63 are
    # 0x20..0x3F (space, digits, punctuation). 0 is the terminator, never a character.
    return chr(code + 0x40 if code < 0x20 else code)


@dataclass(frozen=True, slots=True)
class Epc:
    """A decoded EPC.

    ``scheme`` is the binary scheme name as it appears in tag URIs (``sgtin-96``); ``filter`` is
    None for GID-96, which has none; ``fields`` are the pure-identity components, unescaped and
    already zero-padded as the URI requires (an empty component for K = 0).
    """

    hex: str
    scheme: str
    filter: int | None
    fields: tuple[str, ...]

    @property
    def identity_type(self) -> str:
        """The pure-identity type, e.g. ``sgtin`` for both ``sgtin-96`` and ``sgtin-198``."""
        return self.scheme.rsplit("-", 1)[0]

    @property
    def pure_identity_uri(self) -> str:
        """``urn:epc:id:<type>:<fields>``: the form to store and display."""
        return f"urn:epc:id:{self.identity_type}:" + ".".join(map(uri_escape, self.fields))

    @property
    def tag_uri(self) -> str:
        """``urn:epc:tag:<scheme>:<filter>.<fields>``: adds the binary scheme and filter."""
        parts = [uri_escape(f) for f in self.fields]
        if self.filter is not None:
            parts.insert(0, str(self.filter))
        return f"urn:epc:tag:{self.scheme}:" + ".".join(parts)

    def gs1_elements(self) -> tuple[Gs1Element, ...]:
        """The GS1 keys this EPC encodes, as AI elements (empty for schemes without a mapping).

        SGTIN → (01) GTIN-14 + (21) serial; SSCC → (00); GRAI → (8003); GIAI → (8004).
        """
        kind = self.identity_type
        if kind == "sgtin":
            cp, item, serial = self.fields
            gtin = _with_check(item[0] + cp + item[1:])
            return (Gs1Element("01", gtin, "GTIN"), Gs1Element("21", serial, "SERIAL"))
        if kind == "sscc":
            cp, ref = self.fields
            return (Gs1Element("00", _with_check(ref[0] + cp + ref[1:]), "SSCC"),)
        if kind == "grai":
            cp, asset_type, serial = self.fields
            return (Gs1Element("8003", _with_check("0" + cp + asset_type) + serial, "GRAI"),)
        if kind == "giai":
            cp, ref = self.fields
            return (Gs1Element("8004", cp + ref, "GIAI"),)
        return ()


def _with_check(digits: str) -> str:
    return digits + str(gs1_check_digit(digits))


def _partition(bits: _Bits, table: PartitionTable, scheme: str) -> tuple[int, int, int, int]:
    p = bits.take(3, "partition")
    if p >= len(table):
        raise EpcError(f"{scheme}: partition value {p} is invalid (0-6 allowed)")
    return table[p]


def _digits(value: int, ndigits: int, scheme: str, name: str) -> str:
    """Zero-pad ``value`` to ``ndigits``; reject values that need more digits (TDS rule)."""
    if ndigits == 0:
        if value != 0:
            raise EpcError(f"{scheme}: field {name} must be 0 when it has no digits, got {value}")
        return ""
    if value >= 10**ndigits:
        raise EpcError(f"{scheme}: field {name} value {value} exceeds {ndigits} digits")
    return str(value).zfill(ndigits)


def _max_digits(value: int, ndigits: int, scheme: str, name: str) -> str:
    """An integer field written without leading zeros, at most ``ndigits`` long."""
    text = str(value)
    if len(text) > ndigits:
        raise EpcError(f"{scheme}: field {name} value {value} exceeds {ndigits} digits")
    return text


def _prefix_and_ref(bits: _Bits, table: PartitionTable, scheme: str, ref: str) -> tuple[str, str]:
    m, l_digits, n, k = _partition(bits, table, scheme)
    cp = _digits(bits.take(m, "company prefix"), l_digits, scheme, "company prefix")
    return cp, _digits(bits.take(n, ref), k, scheme, ref)


def _company_prefix(bits: _Bits, table: PartitionTable, scheme: str) -> tuple[str, int, int]:
    m, l_digits, n, k = _partition(bits, table, scheme)
    cp = _digits(bits.take(m, "company prefix"), l_digits, scheme, "company prefix")
    return cp, n, k


Decoder = Callable[[_Bits, str], tuple[int | None, tuple[str, ...]]]


def _sgtin(serial_kind: str) -> Decoder:
    def decode(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
        f = bits.take(3, "filter")
        cp, item = _prefix_and_ref(bits, SGTIN_PARTITIONS, scheme, "item reference")
        if serial_kind == "int":
            serial = str(bits.take(38, "serial"))
        else:
            serial = bits.string7(140, "serial")
        return f, (cp, item, serial)

    return decode


def _sscc_like(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    # SSCC-96, GSRN-96 and GSRNP-96: prefix + reference, then 24 reserved bits.
    f = bits.take(3, "filter")
    cp, ref = _prefix_and_ref(bits, SSCC_PARTITIONS, scheme, "reference")
    bits.take(24, "reserved")
    return f, (cp, ref)


def _prefix_ref_serial(
    table: PartitionTable, ref_name: str, serial: Callable[[_Bits], str]
) -> Decoder:
    def decode(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
        f = bits.take(3, "filter")
        cp, ref = _prefix_and_ref(bits, table, scheme, ref_name)
        return f, (cp, ref, serial(bits))

    return decode


def _int_field(nbits: int) -> Callable[[_Bits], str]:
    return lambda bits: str(bits.take(nbits, "serial"))


def _str7_field(nbits: int) -> Callable[[_Bits], str]:
    return lambda bits: bits.string7(nbits, "serial")


def _sgcn_serial(bits: _Bits) -> str:
    # SGCN serials are numeric strings that may have leading zeros: TDS encodes them as the
    # integer of "1" + digits, so the leading "1" is stripped here.
    text = str(bits.take(41, "serial"))
    if not text.startswith("1"):
        raise EpcError(f"sgcn-96: serial component {text} lacks the leading '1' digit")
    return text[1:]


def _giai96(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    f = bits.take(3, "filter")
    cp, n, max_chars = _company_prefix(bits, GIAI96_PARTITIONS, scheme)
    ref = _max_digits(bits.take(n, "asset reference"), max_chars, scheme, "asset reference")
    return f, (cp, ref)


def _giai202(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    f = bits.take(3, "filter")
    cp, n, _ = _company_prefix(bits, GIAI202_PARTITIONS, scheme)
    return f, (cp, bits.string7(n, "asset reference"))


def _gid96(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    manager = bits.take(28, "general manager number")
    object_class = bits.take(24, "object class")
    serial = bits.take(36, "serial")
    return None, (str(manager), str(object_class), str(serial))


def _cpi96(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    f = bits.take(3, "filter")
    cp, n, k = _company_prefix(bits, CPI96_PARTITIONS, scheme)
    part = _max_digits(bits.take(n, "part reference"), k, scheme, "part reference")
    return f, (cp, part, str(bits.take(31, "serial")))


def _cpi_var(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    f = bits.take(3, "filter")
    # CPI-var uses the usual company-prefix widths; the part reference is a 6-bit string of at
    # most 30 - L characters, then a 40-bit serial.
    cp, _, _ = _company_prefix(bits, SGTIN_PARTITIONS, scheme)
    part = bits.string6(30 - len(cp), "part reference")
    return f, (cp, part, str(bits.take(40, "serial")))


def _itip(serial: Callable[[_Bits], str]) -> Decoder:
    def decode(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
        f = bits.take(3, "filter")
        cp, item = _prefix_and_ref(bits, SGTIN_PARTITIONS, scheme, "item reference")
        piece = _digits(bits.take(7, "piece"), 2, scheme, "piece")
        total = _digits(bits.take(7, "total"), 2, scheme, "total")
        return f, (cp, item, piece, total, serial(bits))

    return decode


def _usdod96(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    f = bits.take(4, "filter")
    raw = bits.take(48, "CAGE/DoDAAC").to_bytes(6, "big")
    # A five-character CAGE code is stored with a leading space.
    cage = raw.decode("ascii", errors="replace").lstrip(" ")
    return f, (cage, str(bits.take(36, "serial")))


def _adi_var(bits: _Bits, scheme: str) -> tuple[int | None, tuple[str, ...]]:
    f = bits.take(6, "filter")
    # Fixed 36 bits; a five-character CAGE code is stored with a leading space.
    cage = bits.fixed6(6, "CAGE/DoDAAC")
    part = bits.string6(32, "part number")
    serial = bits.string6(30, "serial")
    return f, (cage.lstrip(" "), part, serial)


# header → (scheme name, minimum bit length, decoder)
_SCHEMES: dict[int, tuple[str, int, Decoder]] = {
    0x2C: ("gdti-96", 96, _prefix_ref_serial(SGLN_PARTITIONS, "document type", _int_field(41))),
    0x2D: ("gsrn-96", 96, _sscc_like),
    0x2E: ("gsrnp-96", 96, _sscc_like),
    0x2F: ("usdod-96", 96, _usdod96),
    0x30: ("sgtin-96", 96, _sgtin("int")),
    0x31: ("sscc-96", 96, _sscc_like),
    0x32: ("sgln-96", 96, _prefix_ref_serial(SGLN_PARTITIONS, "location ref", _int_field(41))),
    0x33: ("grai-96", 96, _prefix_ref_serial(GRAI_PARTITIONS, "asset type", _int_field(38))),
    0x34: ("giai-96", 96, _giai96),
    0x35: ("gid-96", 96, _gid96),
    0x36: ("sgtin-198", 198, _sgtin("str7")),
    0x37: ("grai-170", 170, _prefix_ref_serial(GRAI_PARTITIONS, "asset type", _str7_field(112))),
    0x38: ("giai-202", 202, _giai202),
    0x39: ("sgln-195", 195, _prefix_ref_serial(SGLN_PARTITIONS, "location ref", _str7_field(140))),
    0x3B: ("adi-var", 8, _adi_var),
    0x3C: ("cpi-96", 96, _cpi96),
    0x3D: ("cpi-var", 8, _cpi_var),
    0x3E: ("gdti-174", 174, _prefix_ref_serial(SGLN_PARTITIONS, "document type", _str7_field(119))),
    0x3F: ("sgcn-96", 96, _prefix_ref_serial(SGLN_PARTITIONS, "document type", _sgcn_serial)),
    0x40: ("itip-110", 110, _itip(_int_field(38))),
    0x41: ("itip-212", 212, _itip(_str7_field(140))),
}

SUPPORTED_HEADERS: frozenset[int] = frozenset(_SCHEMES)


def decode_epc(epc_hex: str) -> Epc:
    """Decode the EPC binary given as hex (case-insensitive, no PC word or CRC).

    Bits beyond the scheme's length (word padding, larger EPC banks) are ignored. Raises
    :class:`UnsupportedEpcScheme` for an unknown header and :class:`EpcError` for a malformed
    binary (non-hex input, too short, partition 7, a field value with too many digits).
    """
    text = epc_hex.strip().upper()
    try:
        data = bytes.fromhex(text)
    except ValueError as exc:
        raise EpcError(f"EPC {epc_hex!r} is not hexadecimal") from exc
    if not data:
        raise EpcError("EPC is empty")
    header = data[0]
    entry = _SCHEMES.get(header)
    if entry is None:
        raise UnsupportedEpcScheme(header)
    scheme, min_bits, decoder = entry
    if len(data) * 8 < min_bits:
        raise EpcError(f"{scheme}: EPC is {len(data) * 8} bits, the scheme needs {min_bits}")
    bits = _Bits(data, scheme)
    bits.take(8, "header")
    filter_value, fields = decoder(bits, scheme)
    return Epc(hex=text, scheme=scheme, filter=filter_value, fields=fields)
