"""The device set-up use case, the demo simulators' EPCs and scripts, and the simulate CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.devices.simulation import DEMO_EPCS, giai96_hex, read_script
from app.domain.devices import DeviceConfig, DeviceKind, DeviceStatus, PortCandidate
from app.domain.errors import DuplicateRecord, InvalidInput, PermissionDenied
from app.domain.roles import Operator, Permission, Role
from app.services.device_setup import DeviceSetupService
from drivers.barcode import BarcodeConfig, BarcodeScanner
from drivers.epc import decode_epc
from drivers.transport import SerialSettings, open_port

A = DeviceConfig(name="A", kind=DeviceKind.BARCODE, port="COM1")
B = DeviceConfig(name="B", kind=DeviceKind.R2000, port="COM2", baud=115200)


class FakeControl:
    def __init__(self) -> None:
        self.running: tuple[DeviceConfig, ...] = (A,)

    def configs(self) -> tuple[DeviceConfig, ...]:
        return self.running

    def statuses(self) -> dict[str, DeviceStatus]:
        return {}

    def available_ports(self) -> list[PortCandidate]:
        return []

    def configure(self, configs: Sequence[DeviceConfig]) -> None:
        self.running = tuple(configs)


class FakeStore:
    def __init__(self) -> None:
        self.saved: list[tuple[DeviceConfig, ...]] = []

    def save_devices(self, configs: Sequence[DeviceConfig]) -> None:
        self.saved.append(tuple(configs))


class FakeGate:
    def __init__(self, role: Role) -> None:
        self.current = Operator("op-1", "Sam Supervisor", "B-2", role, "x")

    def require(self, permission: Permission) -> Operator:
        if not self.current.may(permission):
            raise PermissionDenied(
                operator=self.current.display_name,
                role=self.current.role.value,
                action=permission.value,
                needed="admin",
            )
        return self.current


def test_an_admin_adds_replaces_and_removes_devices_saved_before_applied() -> None:
    control, store = FakeControl(), FakeStore()
    setup = DeviceSetupService(control, store, FakeGate(Role.ADMIN))
    assert setup.may_configure()
    setup.add_or_replace(B)
    assert control.running == (A, B) == store.saved[-1]
    renamed = DeviceConfig(name="A2", kind=DeviceKind.BARCODE, port="COM9")
    setup.add_or_replace(renamed, replacing="A")
    assert control.running == (renamed, B)
    setup.remove("B")
    assert control.running == (renamed,) == store.saved[-1]
    with pytest.raises(DuplicateRecord):
        setup.add_or_replace(DeviceConfig(name="A2", kind=DeviceKind.BARCODE, port="COM3"))


def test_a_supervisor_may_not_change_devices() -> None:
    control, store = FakeControl(), FakeStore()
    setup = DeviceSetupService(control, store, FakeGate(Role.SUPERVISOR))
    assert not setup.may_configure()
    with pytest.raises(PermissionDenied, match="may not change settings; ask an admin"):
        setup.add_or_replace(B)
    assert store.saved == [] and control.running == (A,)


def test_demo_epcs_are_valid_giai_96() -> None:
    assert decode_epc(DEMO_EPCS[0]).pure_identity_uri == "urn:epc:id:giai:0614141.4201"
    assert decode_epc(giai96_hex("0614141", 12345)).pure_identity_uri.endswith(".12345")


def test_read_script(tmp_path: Path) -> None:
    script = tmp_path / "scans.txt"
    script.write_text("# demo\nABC-1\n\n  5CG1234ABC \n", encoding="utf-8")
    assert read_script(script, DeviceKind.BARCODE) == ["ABC-1", "5CG1234ABC"]
    script.write_text("3414 257B F400 0000 0000 1069\nnot-hex\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="line 2"):
        read_script(script, DeviceKind.MERCURY)


def test_simulate_command_prints_the_pty_and_scans_until_interrupted(tmp_path: Path) -> None:
    script = tmp_path / "scans.txt"
    script.write_text("SIM-0001\n", encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "simulate",
            "barcode",
            "--script",
            str(script),
            "--interval",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Barcode scanner (serial) simulated on /dev/pts/")
        path = first.rsplit(" ", 1)[1].strip()
        port = open_port(path, SerialSettings(read_timeout_s=0.01))
        try:
            scan = BarcodeScanner(port, BarcodeConfig()).read_scan(5.0)
        finally:
            port.close()
        assert (scan.value, scan.aim_id) == ("SIM-0001", "]C0")
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert out.strip().endswith("stopped")
    assert os.path.exists(path) or True  # the pty is released; nothing to assert about the name
