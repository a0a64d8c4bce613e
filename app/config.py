"""Typed, versioned station settings: TOML in the user config directory (platformdirs).

Environment overrides (for support and tests): ``ITAD_STATION_CONFIG`` (the file) and
``ITAD_STATION_DATA_DIR`` (the data directory).

Versions: 1 had only ``[station]``; 2 adds ``[[devices]]`` (serial scanners and RFID readers).
A version-1 file reads as version 2 with no devices; a file from a newer version is refused
rather than half-understood. The station writes only the devices (:func:`save_devices`),
keeping every other value in the file as it was, atomically (temp file + ``os.replace``).
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from app.domain.devices import DEFAULT_BAUD, DeviceConfig, DeviceKind, Terminator
from app.domain.errors import InvalidInput, UserFacingError

SETTINGS_VERSION = 2
READABLE_VERSIONS = frozenset({1, 2})
APP_NAME = "itad-station"


class SettingsInvalid(UserFacingError):
    code = "settings.invalid"
    template = "Settings file {path}: {problem}."


@dataclass(frozen=True, slots=True)
class Settings:
    """Station settings. ``server_url`` is empty until the station is pointed at a server."""

    data_dir: Path
    station_name: str
    facility_id: str = "fac-local"
    server_url: str = ""
    devices: tuple[DeviceConfig, ...] = field(default=())
    # Pallet IDs: SSCC-18 from this GS1 company prefix; empty: the internal PAL- scheme.
    gs1_company_prefix: str = ""
    # This station's pallet code, unique among the stations sharing the GS1 prefix (0-99,
    # required with a prefix) or the facility (letters/digits; empty: derived from the station
    # key). It is part of every pallet ID, so two stations never number the same pallet:
    # see app.domain.pallets.PalletIdScheme.
    pallet_station_code: str = ""
    # Zebra label printer: "tcp://host:9100", "serial:///dev/ttyUSB0" (pyserial URL after
    # "serial:"), or empty (labels are saved as PDF/ZPL files only).
    label_printer: str = ""
    version: int = SETTINGS_VERSION

    def with_data_dir(self, data_dir: Path) -> Settings:
        return replace(self, data_dir=data_dir)

    def with_devices(self, devices: Sequence[DeviceConfig]) -> Settings:
        return replace(self, devices=tuple(devices))


def default_config_path() -> Path:
    override = os.environ.get("ITAD_STATION_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    override = os.environ.get("ITAD_STATION_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME))


def load_settings(path: Path | None = None) -> Settings:
    """Read settings from ``path`` (default: the user config file); defaults when absent."""
    path = path or default_config_path()
    defaults = Settings(data_dir=default_data_dir(), station_name=socket.gethostname() or "station")
    if not path.exists():
        return defaults
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsInvalid(path=str(path), problem=f"not valid TOML ({exc})") from exc
    unknown_top = sorted(set(data) - {"version", "station", "devices"})
    if unknown_top:
        raise SettingsInvalid(
            path=str(path), problem=f"unknown section(s) {', '.join(unknown_top)}"
        )
    version = data.get("version", SETTINGS_VERSION)
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or version not in READABLE_VERSIONS
    ):
        newest = max(READABLE_VERSIONS)
        problem = (
            f"version {version} was written by a newer station (this one reads up to {newest})"
            if isinstance(version, int) and version > newest
            else f"version {version!r} is not a settings version (expected 1 to {newest})"
        )
        raise SettingsInvalid(path=str(path), problem=problem)
    station = data.get("station", {})
    if not isinstance(station, dict):
        raise SettingsInvalid(path=str(path), problem="[station] must be a table")
    known = {
        "data_dir",
        "station_name",
        "facility_id",
        "server_url",
        "gs1_company_prefix",
        "pallet_station_code",
        "label_printer",
    }
    unknown = sorted(set(station) - known)
    if unknown:
        raise SettingsInvalid(path=str(path), problem=f"unknown setting(s) {', '.join(unknown)}")
    for key in known:
        if key in station and not isinstance(station[key], str):
            raise SettingsInvalid(path=str(path), problem=f"station.{key} must be text")
    return Settings(
        data_dir=Path(station["data_dir"]).expanduser()
        if "data_dir" in station
        else defaults.data_dir,
        station_name=station.get("station_name", defaults.station_name),
        facility_id=station.get("facility_id", defaults.facility_id),
        server_url=station.get("server_url", ""),
        gs1_company_prefix=station.get("gs1_company_prefix", ""),
        pallet_station_code=station.get("pallet_station_code", "").strip().upper(),
        label_printer=station.get("label_printer", ""),
        devices=_parse_devices(data.get("devices", []), path),
    )


_DEVICE_KEYS = {
    "name",
    "kind",
    "port",
    "baud",
    "terminator",
    "rssi_min_dbm",
    "region_code",
    "usb_vid",
    "usb_pid",
    "usb_serial",
}


def _parse_devices(raw: object, path: Path) -> tuple[DeviceConfig, ...]:
    if not isinstance(raw, list):
        raise SettingsInvalid(path=str(path), problem="devices must be an array of tables")
    devices: list[DeviceConfig] = []
    for number, entry in enumerate(raw, start=1):
        where = f"device {number}"
        if not isinstance(entry, dict):
            raise SettingsInvalid(path=str(path), problem=f"{where} must be a table")
        unknown = sorted(set(entry) - _DEVICE_KEYS)
        if unknown:
            raise SettingsInvalid(
                path=str(path), problem=f"{where}: unknown setting(s) {', '.join(unknown)}"
            )
        try:
            kind = DeviceKind(entry.get("kind"))
            terminator = Terminator(entry.get("terminator", Terminator.ANY_NEWLINE.value))
        except ValueError as exc:
            raise SettingsInvalid(path=str(path), problem=f"{where}: {exc}") from exc
        for key in ("name", "port", "usb_serial"):
            if key in entry and not isinstance(entry[key], str):
                raise SettingsInvalid(path=str(path), problem=f"{where}: {key} must be text")
        for key in ("baud", "rssi_min_dbm", "region_code", "usb_vid", "usb_pid"):
            if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], int)):
                raise SettingsInvalid(path=str(path), problem=f"{where}: {key} must be a number")
        try:
            device = DeviceConfig(
                name=entry.get("name", ""),
                kind=kind,
                port=entry.get("port", ""),
                baud=entry.get("baud", DEFAULT_BAUD[kind]),
                terminator=terminator,
                # TOML has no null: a missing threshold means "no RSSI gate".
                rssi_min_dbm=entry.get("rssi_min_dbm"),
                region_code=entry.get("region_code", 0x01),
                usb_vid=entry.get("usb_vid"),
                usb_pid=entry.get("usb_pid"),
                usb_serial=entry.get("usb_serial", ""),
            )
        except InvalidInput as exc:
            raise SettingsInvalid(
                path=str(path), problem=f"{where}: {exc.message.rstrip('.')}"
            ) from exc
        if any(d.name == device.name for d in devices):
            raise SettingsInvalid(
                path=str(path), problem=f"{where}: the name {device.name!r} is used twice"
            )
        devices.append(device)
    return tuple(devices)


def device_to_toml_table(device: DeviceConfig) -> dict[str, Any]:
    """The ``[[devices]]`` entry for ``device`` (optional values left out when unset)."""
    table: dict[str, Any] = {
        "name": device.name,
        "kind": device.kind.value,
        "port": device.port,
        "baud": device.baud,
    }
    table["terminator"] = device.terminator.value
    if device.rssi_min_dbm is not None:
        table["rssi_min_dbm"] = device.rssi_min_dbm
    table["region_code"] = device.region_code
    if device.usb_vid is not None:
        table["usb_vid"] = device.usb_vid
    if device.usb_pid is not None:
        table["usb_pid"] = device.usb_pid
    if device.usb_serial:
        table["usb_serial"] = device.usb_serial
    return table


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes (\" \\ \n \uXXXX) are all valid in TOML basic strings.
        return json.dumps(value, ensure_ascii=False)
    if _plain_list(value):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to the settings file")


def dump_toml(data: dict[str, Any]) -> str:
    """Write the settings subset of TOML: top-level values, tables of values, arrays of tables."""
    lines: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict | list) or _plain_list(v)}
    for key, value in scalars.items():
        lines.append(f"{key} = {_toml_value(value)}")
    for key, value in data.items():
        if key in scalars:
            continue
        if isinstance(value, dict):
            lines += ["", f"[{key}]"]
            lines += [f"{k} = {_toml_value(v)}" for k, v in value.items()]
        else:
            for table in value:
                lines += ["", f"[[{key}]]"]
                lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _plain_list(value: object) -> bool:
    return isinstance(value, list) and all(not isinstance(v, dict) for v in value)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save_devices(devices: Sequence[DeviceConfig], path: Path | None = None) -> None:
    """Store ``devices`` as the ``[[devices]]`` of the settings file, at the current version.

    Everything else in the file is kept as it is (a ``--data-dir`` given on the command line is
    never written back). The file is validated first: a broken file is refused, not overwritten.
    """
    path = path or default_config_path()
    data: dict[str, Any] = {}
    if path.exists():
        load_settings(path)  # refuse to rewrite a file this version does not understand
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    names = [d.name for d in devices]
    if len(set(names)) != len(names):
        raise InvalidInput(field="Devices", problem="two devices have the same name")
    data["version"] = SETTINGS_VERSION
    data["devices"] = [device_to_toml_table(d) for d in devices]
    ordered = {"version": data.pop("version"), **data}
    write_text_atomically(path, dump_toml(ordered))


@dataclass(frozen=True, slots=True)
class DeviceSettingsFile:
    """Saves the device list into one settings file (the services' ``DeviceSettingsStore``)."""

    path: Path

    def save_devices(self, configs: Sequence[DeviceConfig]) -> None:
        save_devices(configs, self.path)
