"""Fake UHF readers on pseudo-terminals: a Mercury module and an R2000 reader.

Each answers the commands the station drivers send, with frames built by the real encoders, so a
test or a demo exercises the exact bytes real hardware would produce. A background thread serves
the master end; :meth:`close` stops it. Use :meth:`inject` to push arbitrary bytes (garbage,
corrupted frames) into the stream, and :meth:`unplug` to simulate pulling the cable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from drivers.errors import ProtocolError
from drivers.rfid_mercury import (
    START_CONTINUOUS_READ,
    STOP_CONTINUOUS_READ,
    Opcode,
    SimulatedTag,
    Status,
    command_stream,
    encode_response,
    encode_tag_record,
)
from drivers.rfid_r2000 import Command, ErrorCode, R2000Stream, encode_frame
from drivers.simulators.pty_port import PtyDevice

_POLL_S = 0.005


class _PtyResponder:
    """Runs ``_on_bytes`` for everything the driver writes, and ``_on_tick`` between reads."""

    def __init__(self, name: str) -> None:
        self._pty = PtyDevice()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    @property
    def device_path(self) -> str:
        return self._pty.device_path

    def inject(self, data: bytes) -> None:
        """Write raw bytes to the driver now."""
        self._pty.write(data)

    def unplug(self) -> None:
        self._pty.unplug()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._pty.close()

    def __enter__(self) -> _PtyResponder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stop.is_set() and self._pty.plugged_in:
            data = self._pty.read(_POLL_S)
            try:
                if data:
                    self._on_bytes(data)
                self._on_tick(time.monotonic())
            except OSError:
                return  # unplugged while answering

    def _send(self, data: bytes) -> None:
        self._pty.write(data)

    def _on_bytes(self, data: bytes) -> None:
        raise NotImplementedError

    def _on_tick(self, now: float) -> None:
        """Called about every 5 ms; streaming simulators emit frames here."""


class FakeMercuryReader(_PtyResponder):
    """A Mercury module: bootloader until Boot Firmware, then region, continuous reading.

    While reading, every ``period_s`` it sends one tag-record frame per tag in ``tags`` and,
    every ``keepalive_every`` periods, a keep-alive (status 0x0400, no data).
    """

    VERSION = bytes.fromhex("11090800201702130109040000000010")

    def __init__(
        self,
        tags: Sequence[SimulatedTag],
        *,
        period_s: float = 0.02,
        keepalive_every: int = 3,
    ) -> None:
        self._tags = list(tags)
        self._period_s = period_s
        self._keepalive_every = keepalive_every
        self._commands = command_stream()
        self._booted = False
        self._streaming = False
        self._next_emit = 0.0
        self._emitted = 0
        super().__init__("fake-mercury")

    def set_tags(self, tags: Sequence[SimulatedTag]) -> None:
        """Change which tags are in the field (from any thread; takes effect on the next period)."""
        self._tags = list(tags)

    def _on_bytes(self, data: bytes) -> None:
        for item in self._commands.feed(data):
            if isinstance(item, ProtocolError):
                continue  # a real module ignores frames with a bad CRC
            self._answer(item.opcode, item.data)

    def _answer(self, opcode: int, data: bytes) -> None:
        if opcode == Opcode.GET_VERSION:
            self._send(encode_response(opcode, Status.OK, self.VERSION))
        elif opcode == Opcode.BOOT_FIRMWARE:
            self._booted = True
            self._send(encode_response(opcode, Status.OK))
        elif not self._booted:
            self._send(encode_response(opcode, Status.BOOTLOADER_COMMAND_UNAVAILABLE))
        elif opcode in (Opcode.SET_REGION, Opcode.SET_TAG_PROTOCOL, Opcode.SET_READ_TX_POWER):
            self._send(encode_response(opcode, Status.OK))
        elif opcode == Opcode.MULTI_PROTOCOL_TAG_OP and data == START_CONTINUOUS_READ:
            self._streaming = True
            self._next_emit = 0.0
            self._send(encode_response(opcode, Status.OK, data[:3]))
        elif opcode == Opcode.MULTI_PROTOCOL_TAG_OP and data == STOP_CONTINUOUS_READ:
            self._streaming = False
            self._send(encode_response(opcode, Status.OK, data))
        else:
            self._send(encode_response(opcode, Status.BOOTLOADER_COMMAND_UNAVAILABLE))

    def _on_tick(self, now: float) -> None:
        if not self._streaming or now < self._next_emit:
            return
        self._next_emit = now + self._period_s
        self._emitted += 1
        if self._keepalive_every and self._emitted % self._keepalive_every == 0:
            self._send(encode_response(Opcode.READ_TAG_ID_MULTIPLE, Status.KEEP_ALIVE))
        for tag in self._tags:
            self._send(encode_tag_record([tag]))


@dataclass(frozen=True, slots=True)
class R2000SimTag:
    """A tag as the fake R2000 reports it."""

    epc: bytes
    antenna: int = 1
    rssi_raw: int = 0x6E
    frequency_index: int = 0


class FakeR2000Reader(_PtyResponder):
    """An R2000 reader answering firmware-version and real-time inventory commands.

    Each inventory reports every tag once, then a round-finished frame; with no tags it answers
    error 0x36 (no tag); with ``error_code`` set it answers that error instead (e.g. 0x22).
    """

    FIRMWARE = b"\x01\x02"

    def __init__(self, tags: Sequence[R2000SimTag], *, error_code: int | None = None) -> None:
        self._tags = list(tags)
        self._error_code = error_code
        self._stream = R2000Stream()
        super().__init__("fake-r2000")

    def set_tags(self, tags: Sequence[R2000SimTag]) -> None:
        """Change which tags are in the field (from any thread; takes effect on the next round)."""
        self._tags = list(tags)

    def _on_bytes(self, data: bytes) -> None:
        for item in self._stream.feed(data):
            if isinstance(item, ProtocolError):
                continue
            if item.command == Command.GET_FIRMWARE_VERSION:
                self._send(encode_frame(item.address, item.command, self.FIRMWARE))
            elif item.command == Command.REAL_TIME_INVENTORY:
                self._inventory(item.address)

    def _inventory(self, address: int) -> None:
        cmd = Command.REAL_TIME_INVENTORY
        if self._error_code is not None:
            self._send(encode_frame(address, cmd, bytes((self._error_code,))))
            return
        if not self._tags:
            self._send(encode_frame(address, cmd, bytes((ErrorCode.NO_TAG,))))
            return
        for tag in self._tags:
            freq_ant = (tag.frequency_index << 2) | ((tag.antenna - 1) & 0x03)
            pc = ((len(tag.epc) // 2) << 11).to_bytes(2, "big")
            payload = bytes((freq_ant,)) + pc + tag.epc + bytes((tag.rssi_raw,))
            self._send(encode_frame(address, cmd, payload))
        total = len(self._tags).to_bytes(4, "big")
        self._send(encode_frame(address, cmd, b"\x00" + (50).to_bytes(2, "big") + total))
