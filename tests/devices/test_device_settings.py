"""Device settings in the TOML file: versions, validation, atomic save that keeps the rest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from app.config import SETTINGS_VERSION, SettingsInvalid, load_settings, save_devices
from app.domain.devices import DeviceConfig, DeviceKind, Terminator
from app.domain.errors import InvalidInput

SCANNER = DeviceConfig(
    name="Bench 3 scanner",
    kind=DeviceKind.BARCODE,
    port="/dev/serial/by-id/usb-Honeywell_1900-if00",
    terminator=Terminator.CR,
    usb_vid=0x0C2E,
    usb_pid=0x0B61,
    usb_serial='19 123"456',
)
READER = DeviceConfig(
    name="Dock reader",
    kind=DeviceKind.MERCURY,
    port="socket://10.0.0.7:5000",
    baud=115200,
    rssi_min_dbm=-62,
    region_code=0x08,
)
UNGATED = DeviceConfig(
    name="Tunnel", kind=DeviceKind.R2000, port="COM4", baud=115200, rssi_min_dbm=None
)


def test_version_1_file_reads_with_no_devices(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('version = 1\n[station]\nstation_name = "Bench 3"\n', encoding="utf-8")
    settings = load_settings(path)
    assert (settings.station_name, settings.devices) == ("Bench 3", ())


def test_save_devices_round_trips_and_keeps_the_station_section(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'version = 1\n[station]\nstation_name = "Bench 3"\nserver_url = "https://hq"\n',
        encoding="utf-8",
    )
    save_devices([SCANNER, READER, UNGATED], path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["version"] == SETTINGS_VERSION == 2
    assert raw["station"] == {"station_name": "Bench 3", "server_url": "https://hq"}
    assert "data_dir" not in raw["station"]  # a default or --data-dir is never written back
    settings = load_settings(path)
    assert settings.devices == (SCANNER, READER, UNGATED)
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temp file left


def test_save_devices_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    save_devices([READER], path)
    assert load_settings(path).devices == (READER,)
    save_devices([], path)
    assert load_settings(path).devices == ()


def test_a_broken_file_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("version = 9\n", encoding="utf-8")
    with pytest.raises(SettingsInvalid, match="written by a newer station"):
        save_devices([READER], path)
    assert path.read_text(encoding="utf-8") == "version = 9\n"


@pytest.mark.parametrize(
    ("devices_toml", "problem"),
    [
        ('[[devices]]\nname = "x"\nkind = "laser"\nport = "COM1"\n', "'laser' is not a valid"),
        ('[[devices]]\nname = ""\nkind = "barcode"\nport = "COM1"\n', "Device name: is empty"),
        ('[[devices]]\nname = "x"\nkind = "barcode"\nport = "COM1"\nbaud = "fast"\n', "baud"),
        ('[[devices]]\nname = "x"\nkind = "barcode"\nport = "COM1"\ncolour = 1\n', "colour"),
        (
            '[[devices]]\nname = "x"\nkind = "barcode"\nport = "A"\n'
            '[[devices]]\nname = "x"\nkind = "barcode"\nport = "B"\n',
            "used twice",
        ),
        ('[[devices]]\nname = "x"\nkind = "r2000"\nport = "A"\nrssi_min_dbm = 5\n', "-120..0"),
    ],
)
def test_invalid_device_entries_name_the_device_and_the_problem(
    tmp_path: Path, devices_toml: str, problem: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("version = 2\n" + devices_toml, encoding="utf-8")
    with pytest.raises(SettingsInvalid, match=r"device [12]") as info:
        load_settings(path)
    assert problem in info.value.message


def test_unknown_sections_and_versions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("version = 2\n[printers]\nx = 1\n", encoding="utf-8")
    with pytest.raises(SettingsInvalid, match="unknown section"):
        load_settings(path)
    path.write_text('version = "two"\n', encoding="utf-8")
    with pytest.raises(SettingsInvalid, match="not a settings version"):
        load_settings(path)


def test_device_config_validates() -> None:
    with pytest.raises(InvalidInput, match="Baud rate of s"):
        DeviceConfig(name="s", kind=DeviceKind.BARCODE, port="COM1", baud=7)
    with pytest.raises(InvalidInput, match="Port of s"):
        DeviceConfig(name="s", kind=DeviceKind.BARCODE, port=" ")
