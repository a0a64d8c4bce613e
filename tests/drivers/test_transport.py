"""Opening ports by URL, and the drivers package's dependency rule."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.errors import DeviceDisconnected
from drivers.simulators.pty_port import PtyDevice
from drivers.transport import SETTINGS_115200_8N1, SerialSettings, open_port


def test_loop_url_applies_the_settings() -> None:
    settings = SerialSettings(baudrate=38400, parity="E", stopbits=2, bytesize=7)
    port = open_port("loop://", settings)
    try:
        assert (port.baudrate, port.parity, port.stopbits, port.bytesize) == (38400, "E", 2, 7)
        port.write(b"ping")
        assert port.read(4) == b"ping"
    finally:
        port.close()


def test_pty_device_path_opens_with_115200_8n1() -> None:
    device = PtyDevice()
    try:
        port = open_port(device.device_path, SETTINGS_115200_8N1)
        try:
            device.write(b"\r\n\x00\xff")  # raw mode: no CR/LF translation, all 8 bits
            assert port.read(4) == b"\r\n\x00\xff"
            port.write(b"OUT")
            assert device.read(1.0) == b"OUT"
        finally:
            port.close()
    finally:
        device.close()


@pytest.mark.parametrize(
    "url", ["/dev/does-not-exist-itad", "socket://127.0.0.1:1", "nosuchscheme://x"]
)
def test_unopenable_ports_raise_device_disconnected(url: str) -> None:
    with pytest.raises(DeviceDisconnected, match="could not open port"):
        open_port(url, SerialSettings())


def test_settings_are_validated_and_frozen() -> None:
    with pytest.raises(ValueError, match="baudrate"):
        SerialSettings(baudrate=0)
    with pytest.raises(ValueError, match="read_timeout_s"):
        SerialSettings(read_timeout_s=0)
    with pytest.raises(AttributeError):
        SETTINGS_115200_8N1.baudrate = 9600  # type: ignore[misc]


def test_drivers_import_neither_app_nor_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, drivers, drivers.simulators\n"
        "for pkg in (drivers, drivers.simulators):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'app' or n.startswith(('app.', 'PySide6')))\n"
        "print(','.join(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert result.stdout.strip() == ""
