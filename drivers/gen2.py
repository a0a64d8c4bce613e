"""EPC Gen2 (ISO 18000-63) facts shared by every UHF reader protocol, and the normalised read.

Whatever the reader, each inventory reply carries a PC word, the EPC and often the tag's own
CRC-16 over PC + EPC. Drivers turn their protocol's tag record into a :class:`TagRead`, the one
shape the de-duplication pipeline and the station consume.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import ProtocolError


def gen2_crc16(data: bytes) -> int:
    """CRC-16 of the Gen2 air interface (catalogue name CRC-16/GENIBUS).

    Polynomial 0x1021, init 0xFFFF, not reflected, final XOR 0xFFFF, computed over PC + EPC.
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc ^ 0xFFFF


@dataclass(frozen=True, slots=True)
class PcWord:
    """The Protocol Control word that precedes the EPC."""

    value: int

    @property
    def epc_length_bytes(self) -> int:
        """EPC length announced by bits 15-11 (in 16-bit words), in bytes."""
        return ((self.value >> 11) & 0x1F) * 2

    @property
    def user_memory(self) -> bool:
        """UMI: the tag has user memory."""
        return bool(self.value & 0x0400)

    @property
    def is_gs1_epc(self) -> bool:
        """Toggle bit T (bit 8) is 0: the EPC is a GS1 encoding that :mod:`drivers.epc` decodes."""
        return not self.value & 0x0100


def check_tag_crc(pc_and_epc: bytes, crc: int, context: str) -> None:
    """Raise :class:`ProtocolError` if ``crc`` is not the Gen2 CRC of ``pc_and_epc``.

    ``context`` names the frame (for example "Mercury tag record 1") in the message.
    """
    expected = gen2_crc16(pc_and_epc)
    if crc != expected:
        raise ProtocolError(
            f"{context}: Gen2 tag CRC is {crc:04X}, expected {expected:04X} over PC+EPC "
            f"{pc_and_epc.hex().upper()}"
        )


@dataclass(frozen=True, slots=True)
class TagRead:
    """One tag observation, normalised across reader protocols.

    ``epc_hex``: upper-case hex of the EPC (no PC, no CRC); store it even when the EPC decodes.
    ``antenna``: 1-based port number (Mercury TX port, R2000 antenna 1-4). ``rssi_dbm`` may be
    None when the protocol does not report it. ``received_at``: host monotonic seconds when the
    frame was parsed (injected clock). ``device_timestamp_ms``: the reader's own timestamp where
    it sends one (Mercury: ms since the read cycle or keep-alive), not comparable across cycles.
    """

    epc_hex: str
    pc: int
    antenna: int | None
    rssi_dbm: int | None
    received_at: float
    reader_id: str = ""
    read_count: int = 1
    frequency_khz: int | None = None
    phase: int | None = None
    device_timestamp_ms: int | None = None
