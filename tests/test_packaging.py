"""Packaging files stay consistent with the code they install."""

from __future__ import annotations

import configparser
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

from app.cli import build_parser
from app.cli_sync import ENV_ADMIN_TOKEN, ENV_DATABASE_URL
from app.devices.port_enumeration import KNOWN_VENDORS

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.itad_station.ItadStation"
PC_SC_ONLY = {0x072F}  # ACS readers speak PC/SC, not serial: no tty to grant


def test_udev_rule_covers_every_known_serial_vendor():
    rules = (LINUX / "60-itad-station.rules").read_text()
    vids = {int(v, 16) for v in re.findall(r'ATTRS\{idVendor\}=="([0-9a-f]{4})"', rules)}
    assert vids == set(KNOWN_VENDORS) - PC_SC_ONLY
    for line in rules.splitlines():
        if line.startswith("ATTRS{idVendor}"):
            assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line
            assert 'GROUP="dialout"' in line


def test_desktop_entry_launches_the_installed_command():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(LINUX / f"{APP_ID}.desktop")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Icon"] == APP_ID
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert section["Exec"].split()[0] in scripts
    assert section["Categories"].endswith(";")


def test_appstream_metadata_names_the_desktop_entry_and_licence():
    tree = ET.parse(LINUX / f"{APP_ID}.metainfo.xml")
    root = tree.getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("project_license") == "Apache-2.0"


def test_windows_installer_points_at_files_that_exist():
    script = (ROOT / "packaging" / "windows" / "itad-station.iss").read_text()
    licence = re.search(r"^LicenseFile=(.+)$", script, re.MULTILINE)
    assert licence is not None
    assert (ROOT / "packaging" / "windows" / licence.group(1).replace("\\", "/")).resolve() == (
        ROOT / "LICENSE"
    )
    assert "ITAD_STATION_DATA_DIR" in script  # the variable app/config.py reads
    assert 'Parameters: "self-test"' in script


def test_pyinstaller_spec_ships_resources_and_migrations():
    spec = (ROOT / "packaging" / "pyinstaller" / "itad-station.spec").read_text()
    assert '(str(ROOT / "resources"), "resources")' in spec
    assert '"app/storage/migrations"' in spec
    assert (ROOT / "app" / "storage" / "migrations" / "env.py").is_file()


def test_server_unit_uses_flags_and_variables_the_server_reads():
    unit = (ROOT / "packaging" / "server" / "itad-station-server.service").read_text()
    env = (ROOT / "packaging" / "server" / "itad-station-server.env").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    words = exec_start.removeprefix("ExecStart=").split()
    assert words[1] == "server"
    server_help = build_parser()._subparsers._group_actions[0].choices["server"].format_help()
    for flag in (w for w in words if w.startswith("--")):
        assert flag in server_help
    assigned = {
        line.split("=", 1)[0] for line in env.splitlines() if "=" in line and line[0] != "#"
    }
    for name in (ENV_DATABASE_URL, ENV_ADMIN_TOKEN):
        assert name in assigned
    for variable in re.findall(r"\$\{(\w+)\}", exec_start):
        assert variable in assigned
