"""Demo: drives registered on some demo assets and a sample nwipe log imported, so the
Sanitization page shows matched results, a failure routed to destruction and a review item."""

from __future__ import annotations

from pathlib import Path

from app.domain.sanitization import MediaKind
from app.services.demo_data import DEMO_OPERATORS
from app.services.operators import OperatorService
from app.services.sanitization import SanitizationService

#: (host serial, drive serial, kind, model): the two HP EliteBooks' drives pass in the sample
#: log, the first ThinkPad's fails (routed to destruction), the desktop's is not wiped yet.
DEMO_DRIVES = (
    ("5CG1234ABC", "S4EWNX0R900001", MediaKind.SSD, "SAMSUNG MZ7LH256HAJD"),
    ("5CG1234ABD", "S4EWNX0R900002", MediaKind.SSD, "SAMSUNG MZ7LH256HAJD"),
    ("PF3XK9QZ", "ZDE1A2B3", MediaKind.HDD, "ST500LM030-2E717D"),
    ("MXL9876XYZ", "WD-WX11A1234567", MediaKind.HDD, "WDC WD5000AAKX"),
)
DEMO_WIPE_LOG = "nwipe_log_20261120-101500.txt"


def seed_demo_sanitization(
    service: SanitizationService, operators: OperatorService, samples_dir: Path | None
) -> None:
    """Register the demo drives and import the sample log. Leaves nobody signed in."""
    tech = DEMO_OPERATORS[2]
    operators.sign_in_with_badge(tech.badge, tech.pin)
    try:
        for host, serial, kind, model in DEMO_DRIVES:
            service.register_medium(host, serial, kind=kind, model=model)
        log = samples_dir / DEMO_WIPE_LOG if samples_dir is not None else None
        if log is not None and log.is_file():
            service.record_import(service.read_files([log]), station_tz="UTC")
    finally:
        operators.sign_out(reason="demo set-up")
