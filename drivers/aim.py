"""AIM / ISO/IEC 15424 symbology identifiers (``]`` + letter + modifier).

A scanner configured to send the AIM identifier as a prefix tells the host which symbology it
decoded and, for GS1 symbols, that FNC1 was in the first position. That is the only reliable
signal that the data is a GS1 element string: a plain Code 128 serial number may well start
with "01".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from drivers.errors import ProtocolError


class Symbology(StrEnum):
    """The symbology families the station distinguishes (value = display name)."""

    CODE39 = "Code 39"
    CODE128 = "Code 128"
    GS1_128 = "GS1-128"
    EAN_UPC = "EAN/UPC"
    EAN13 = "EAN-13"
    EAN8 = "EAN-8"
    CODABAR = "Codabar"
    CODE93 = "Code 93"
    ITF = "ITF"
    ITF14 = "ITF-14"
    PDF417 = "PDF417"
    MSI = "MSI"
    QR = "QR Code"
    GS1_QR = "GS1 QR Code"
    DATAMATRIX = "Data Matrix"
    GS1_DATAMATRIX = "GS1 DataMatrix"
    GS1_DATABAR = "GS1 DataBar"
    AZTEC = "Aztec"
    DOTCODE = "DotCode"
    GS1_DOTCODE = "GS1 DotCode"
    OTHER = "other"
    NON_BARCODE = "non-barcode"
    UNKNOWN = "unknown"


#: Symbology family by AIM letter (ISO/IEC 15424; table from jodal/biip ``symbology.py``).
_FAMILY_BY_LETTER: dict[str, Symbology] = {
    "A": Symbology.CODE39,
    "C": Symbology.CODE128,
    "E": Symbology.EAN_UPC,
    "F": Symbology.CODABAR,
    "G": Symbology.CODE93,
    "I": Symbology.ITF,
    "J": Symbology.DOTCODE,
    "L": Symbology.PDF417,
    "M": Symbology.MSI,
    "Q": Symbology.QR,
    "d": Symbology.DATAMATRIX,
    "e": Symbology.GS1_DATABAR,
    "z": Symbology.AZTEC,
    "X": Symbology.OTHER,
    "Z": Symbology.NON_BARCODE,
}

#: Full identifiers that name a more specific symbology (GS1 General Specifications 5.1.2-2).
_SPECIFIC: dict[str, Symbology] = {
    "]C1": Symbology.GS1_128,
    "]E0": Symbology.EAN13,
    "]E3": Symbology.EAN13,
    "]E4": Symbology.EAN8,
    "]I1": Symbology.ITF14,
    "]d2": Symbology.GS1_DATAMATRIX,
    "]Q3": Symbology.GS1_QR,
    "]J1": Symbology.GS1_DOTCODE,
}

#: Identifiers whose data is a GS1 element string (FNC1 in first position). Only these run the
#: GS1 parser; EAN/UPC and ITF-14 carry a bare GTIN, not an element string.
GS1_ELEMENT_STRING_IDS: frozenset[str] = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})

AIM_ID_LENGTH = 3


@dataclass(frozen=True, slots=True)
class AimId:
    """A parsed AIM identifier such as ``]d2``."""

    text: str
    symbology: Symbology

    @property
    def is_gs1(self) -> bool:
        """True when the data following this identifier is a GS1 element string."""
        return self.text in GS1_ELEMENT_STRING_IDS


def is_aim_id(prefix: bytes) -> bool:
    """Return True if ``prefix`` (at least three bytes) starts with a known AIM identifier."""
    return (
        len(prefix) >= AIM_ID_LENGTH
        and prefix[0:1] == b"]"
        and chr(prefix[1]) in _FAMILY_BY_LETTER
        and 0x20 < prefix[2] < 0x7F
    )


def parse_aim_id(prefix: bytes) -> AimId:
    """Parse the first three bytes of ``prefix`` as an AIM identifier.

    Raises :class:`ProtocolError` naming the offending byte if they are not ``]``, a known
    symbology letter and a printable modifier.
    """
    if len(prefix) < AIM_ID_LENGTH:
        raise ProtocolError(
            f"AIM symbology identifier needs 3 bytes, got {len(prefix)}: {prefix!r}"
        )
    if prefix[0:1] != b"]":
        raise ProtocolError(
            f"AIM symbology identifier must start with ']' (0x5D), got byte 0x{prefix[0]:02X}"
        )
    letter = chr(prefix[1])
    if letter not in _FAMILY_BY_LETTER:
        raise ProtocolError(
            f"unknown AIM symbology letter {letter!r} (byte 0x{prefix[1]:02X}) at offset 1"
        )
    if not 0x20 < prefix[2] < 0x7F:
        raise ProtocolError(
            f"AIM modifier at offset 2 must be a printable character, got byte 0x{prefix[2]:02X}"
        )
    text = prefix[:AIM_ID_LENGTH].decode("ascii")
    return AimId(text=text, symbology=_SPECIFIC.get(text, _FAMILY_BY_LETTER[letter]))
