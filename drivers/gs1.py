"""GS1 check digits and element strings (Application Identifiers).

Pure functions. The element-string parser is only run on data whose AIM identifier says it is a
GS1 symbol (see :mod:`drivers.aim`); FNC1 field separators arrive as GS (0x1D).

The AI table covers the AIs an ITAD warehouse meets (logistics, product, asset and location
keys); an AI outside it cannot be skipped safely because its length is unknown, so it raises
:class:`Gs1Error` naming the offset.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import ProtocolError

#: FNC1 as transmitted by scanners in the middle of a GS1 element string.
GS = "\x1d"


class Gs1Error(ProtocolError):
    """A GS1 element string or key is malformed; the message names the AI and offset."""


def gs1_check_digit(digits: str) -> int:
    """Return the GS1 mod-10 check digit for ``digits`` (the key without its check digit).

    Weights 3, 1, 3, 1, ... are applied from the right; the check digit is
    ``(10 - sum mod 10) mod 10``. Valid for GTIN-8/12/13/14, GLN, SSCC, GRAI and GSRN.
    """
    if not digits.isdigit() or not digits.isascii():
        raise Gs1Error(f"GS1 key must be digits only, got {digits!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def has_valid_check_digit(key: str) -> bool:
    """Return True if the last digit of the all-digit ``key`` is its GS1 check digit."""
    if len(key) < 2 or not key.isdigit() or not key.isascii():
        return False
    return gs1_check_digit(key[:-1]) == int(key[-1])


@dataclass(frozen=True, slots=True)
class AiSpec:
    """How one Application Identifier's data field is encoded.

    ``length`` is the exact length for fixed fields and the maximum for variable ones.
    ``check_digit_length``: when set, the first that-many characters of the value form a GS1 key
    whose last digit is a mod-10 check digit (GTIN, SSCC, GLN, the GTIN part of a GRAI).
    """

    ai: str
    title: str
    numeric: bool
    fixed: bool
    length: int
    check_digit_length: int | None = None


def _spec(
    ai: str, title: str, fmt: str, check_digit_length: int | None = None
) -> tuple[str, AiSpec]:
    # ``fmt`` follows the GS1 notation without the AI part: "N14", "X..20", "N..8".
    numeric = fmt.startswith("N")
    fixed = ".." not in fmt
    length = int(fmt.lstrip("NX."))
    return ai, AiSpec(ai, title, numeric, fixed, length, check_digit_length)


_AIS: dict[str, AiSpec] = dict(
    [
        _spec("00", "SSCC", "N18", 18),
        _spec("01", "GTIN", "N14", 14),
        _spec("02", "CONTENT", "N14", 14),
        _spec("10", "BATCH/LOT", "X..20"),
        _spec("11", "PROD DATE", "N6"),
        _spec("12", "DUE DATE", "N6"),
        _spec("13", "PACK DATE", "N6"),
        _spec("15", "BEST BEFORE or BEST BY", "N6"),
        _spec("16", "SELL BY", "N6"),
        _spec("17", "USE BY or EXPIRY", "N6"),
        _spec("20", "VARIANT", "N2"),
        _spec("21", "SERIAL", "X..20"),
        _spec("22", "CPV", "X..20"),
        _spec("235", "TPX", "X..28"),
        _spec("240", "ADDITIONAL ID", "X..30"),
        _spec("241", "CUST. PART No.", "X..30"),
        _spec("242", "MTO VARIANT", "N..6"),
        _spec("243", "PCN", "X..20"),
        _spec("250", "SECONDARY SERIAL", "X..30"),
        _spec("251", "REF. TO SOURCE", "X..30"),
        _spec("253", "GDTI", "X..30", 13),
        _spec("254", "GLN EXTENSION COMPONENT", "X..20"),
        _spec("255", "GCN", "N..25", 13),
        _spec("30", "VAR. COUNT", "N..8"),
        _spec("37", "COUNT", "N..8"),
        _spec("400", "ORDER NUMBER", "X..30"),
        _spec("401", "GINC", "X..30"),
        _spec("402", "GSIN", "N17", 17),
        _spec("403", "ROUTE", "X..30"),
        _spec("410", "SHIP TO LOC", "N13", 13),
        _spec("411", "BILL TO", "N13", 13),
        _spec("412", "PURCHASE FROM", "N13", 13),
        _spec("413", "SHIP FOR LOC", "N13", 13),
        _spec("414", "LOC No.", "N13", 13),
        _spec("415", "PAY TO", "N13", 13),
        _spec("416", "PROD/SERV LOC", "N13", 13),
        _spec("417", "PARTY", "N13", 13),
        _spec("420", "SHIP TO POST", "X..20"),
        _spec("421", "SHIP TO POST", "X..12"),
        _spec("422", "ORIGIN", "N3"),
        _spec("7001", "NSN", "N13"),
        _spec("7002", "MEAT CUT", "X..30"),
        _spec("7003", "EXPIRY TIME", "N10"),
        _spec("8001", "DIMENSIONS", "N14"),
        _spec("8002", "CMT No.", "X..20"),
        # The GRAI is N14 (leading 0 + company prefix + asset type + check digit) followed by an
        # optional serial of up to 16 characters, hence X..30 with a 14-digit checked key.
        _spec("8003", "GRAI", "X..30", 14),
        _spec("8004", "GIAI", "X..30"),
        _spec("8006", "ITIP", "N18", 14),
        _spec("8007", "IBAN", "X..34"),
        _spec("8008", "PROD TIME", "N..12"),
        _spec("8010", "CPID", "X..30"),
        _spec("8011", "CPID SERIAL", "N..12"),
        _spec("8012", "VERSION", "X..20"),
        _spec("8013", "GMN", "X..25"),
        _spec("8017", "GSRN - PROVIDER", "N18", 18),
        _spec("8018", "GSRN - RECIPIENT", "N18", 18),
        _spec("8020", "REF No.", "X..25"),
        _spec("8200", "PRODUCT URL", "X..70"),
        _spec("90", "INTERNAL", "X..30"),
    ]
    + [_spec(f"9{n}", "INTERNAL", "X..90") for n in range(1, 10)]
)

#: Measure AIs 310n-369n: three digits plus a decimal-point position, N6 data.
_MEASURE_PREFIXES = frozenset(str(n) for n in range(310, 370))


def ai_spec(ai: str) -> AiSpec | None:
    """Return the spec for ``ai``, or None if it is not in the table."""
    if len(ai) == 4 and ai[:3] in _MEASURE_PREFIXES and ai[3].isdigit():
        return AiSpec(ai, "MEASURE", numeric=True, fixed=True, length=6)
    return _AIS.get(ai)


@dataclass(frozen=True, slots=True)
class Gs1Element:
    """One Application Identifier and its data field, e.g. AI ``01`` with ``80614141123458``."""

    ai: str
    value: str
    title: str


def _match_ai(data: str, pos: int) -> AiSpec:
    # AIs are prefix-free within the table, so trying 2, 3 and 4 digits finds the only candidate.
    for width in (2, 3, 4):
        candidate = data[pos : pos + width]
        if len(candidate) < width:
            break
        spec = ai_spec(candidate)
        if spec is not None:
            return spec
    raise Gs1Error(f"unknown GS1 Application Identifier at offset {pos}: {data[pos : pos + 4]!r}")


def parse_element_string(data: str) -> tuple[Gs1Element, ...]:
    """Split a GS1 element string into its AIs (the AIM identifier already removed).

    ``data`` uses GS (0x1D) as the FNC1 separator. A leading GS (FNC1 in first position as sent
    by some scanners) and a GS after a fixed-length field are tolerated. Raises :class:`Gs1Error`
    for an unknown AI, a truncated fixed field, a variable field longer than its maximum (usually
    a missing GS), non-digits in a numeric field, or a wrong check digit.
    """
    elements: list[Gs1Element] = []
    pos = 1 if data.startswith(GS) else 0
    if pos >= len(data):
        raise Gs1Error("GS1 element string is empty")
    while pos < len(data):
        if data[pos] == GS:
            # Tolerated: a separator after a fixed-length field. Two in a row is an empty field.
            if pos + 1 < len(data) and data[pos + 1] == GS:
                raise Gs1Error(f"empty field between two GS separators at offset {pos}")
            pos += 1
            continue
        spec = _match_ai(data, pos)
        start = pos + len(spec.ai)
        if spec.fixed:
            end = start + spec.length
            value = data[start:end]
            if len(value) != spec.length or GS in value:
                raise Gs1Error(
                    f"AI ({spec.ai}) {spec.title} needs exactly {spec.length} characters at "
                    f"offset {start}, got {value.split(GS)[0]!r}"
                )
        else:
            sep = data.find(GS, start)
            end = len(data) if sep == -1 else sep
            value = data[start:end]
            if not value:
                raise Gs1Error(f"AI ({spec.ai}) {spec.title} at offset {pos} has no data")
            if len(value) > spec.length:
                raise Gs1Error(
                    f"AI ({spec.ai}) {spec.title} at offset {pos} is {len(value)} characters, "
                    f"maximum {spec.length}; a GS (FNC1) separator is probably missing"
                )
        if spec.numeric and not (value.isdigit() and value.isascii()):
            raise Gs1Error(
                f"AI ({spec.ai}) {spec.title} at offset {start} must be digits, got {value!r}"
            )
        _check_key(spec, value, start)
        elements.append(Gs1Element(spec.ai, value, spec.title))
        pos = end
    return tuple(elements)


def _check_key(spec: AiSpec, value: str, offset: int) -> None:
    if spec.check_digit_length is None:
        return
    key = value[: spec.check_digit_length]
    if len(key) < spec.check_digit_length or not (key.isdigit() and key.isascii()):
        raise Gs1Error(
            f"AI ({spec.ai}) {spec.title} at offset {offset} must start with a "
            f"{spec.check_digit_length}-digit key, got {value!r}"
        )
    expected = gs1_check_digit(key[:-1])
    if int(key[-1]) != expected:
        raise Gs1Error(
            f"AI ({spec.ai}) {spec.title} {key} has check digit {key[-1]}, expected {expected}"
        )


def format_element_string(elements: tuple[Gs1Element, ...]) -> str:
    """Return the human-readable form, e.g. ``(01)80614141123458(21)6789``."""
    return "".join(f"({e.ai}){e.value}" for e in elements)
