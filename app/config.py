"""Typed, versioned station settings: TOML in the user config directory (platformdirs).

Environment overrides (for support and tests): ``ITAD_STATION_CONFIG`` (the file) and
``ITAD_STATION_DATA_DIR`` (the data directory).
"""

from __future__ import annotations

import os
import socket
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs

from app.domain.errors import UserFacingError

SETTINGS_VERSION = 1
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
    version: int = SETTINGS_VERSION

    def with_data_dir(self, data_dir: Path) -> Settings:
        return replace(self, data_dir=data_dir)


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
    station = data.get("station", {})
    known = {"data_dir", "station_name", "facility_id", "server_url"}
    unknown = sorted(set(station) - known)
    if unknown:
        raise SettingsInvalid(path=str(path), problem=f"unknown setting(s) {', '.join(unknown)}")
    version = data.get("version", SETTINGS_VERSION)
    if version != SETTINGS_VERSION:
        raise SettingsInvalid(
            path=str(path), problem=f"version {version} is not supported (expected 1)"
        )
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
    )
