"""What the UI may show about the station itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StationInfo:
    station_id: str
    station_name: str
    facility_id: str
    data_dir: Path
    config_path: Path
    server_url: str
    software_version: str
    public_key_hex: str
    demo: bool
