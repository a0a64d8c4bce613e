"""``smartctl -j`` JSON → drive identity (model, serial, capacity, interface, WWN, power-on hours).

Pure: bytes in, :class:`DriveIdentity` out. ``smartctl.exit_status`` is a bitmask (bit 0 command
line error, bit 1 device could not be opened): those two bits mean the file holds no drive, the
health bits (2-7) do not make the identity wrong.
"""

from __future__ import annotations

import json
from typing import Any

from app.domain.sanitization import DriveIdentity, MediaKind
from app.importers.report_errors import ReportUnreadable, check_size, decode_text

_EXIT_COMMAND_LINE = 0x01
_EXIT_OPEN_FAILED = 0x02


def parse_smartctl_json(data: bytes, file_name: str) -> DriveIdentity:
    """The drive a ``smartctl -j`` output describes; :class:`ReportUnreadable` otherwise."""
    check_size(data, file_name)
    text = decode_text(data, file_name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportUnreadable(
            file=file_name, line=exc.lineno, problem="this is not valid JSON"
        ) from None
    # Some captures (e.g. ``-i`` output saved by other tools) lack the ``smartctl`` block.
    if not isinstance(doc, dict) or not ({"smartctl", "device", "serial_number"} & doc.keys()):
        raise ReportUnreadable(file=file_name, problem="this is not smartctl -j output")
    exit_status = int(doc.get("smartctl", {}).get("exit_status", 0) or 0)
    if exit_status & (_EXIT_COMMAND_LINE | _EXIT_OPEN_FAILED):
        raise ReportUnreadable(
            file=file_name,
            problem="smartctl could not read the device (exit status "
            f"{exit_status}: {'command line error' if exit_status & 1 else 'open failed'})",
        )
    if "devices" in doc and "serial_number" not in doc:
        raise ReportUnreadable(
            file=file_name, problem="this is a smartctl --scan list, not one drive's output"
        )
    serial = str(doc.get("serial_number", "")).strip()
    if not serial:
        raise ReportUnreadable(file=file_name, problem="the output names no serial number")
    device = doc.get("device", {}) or {}
    protocol = str(device.get("protocol", "")).upper()
    model = str(
        doc.get("model_name")
        or doc.get("scsi_model_name")
        or " ".join(str(doc[k]) for k in ("vendor", "product") if doc.get(k))
        or " ".join(str(doc[k]) for k in ("scsi_vendor", "scsi_product") if doc.get(k))
    ).strip()
    return DriveIdentity(
        serial=serial,
        model=model,
        kind=_kind(doc, protocol),
        capacity_bytes=_capacity(doc),
        interface=_interface(doc, device, protocol),
        wwn=_wwn(doc.get("wwn")),
        power_on_hours=_hours(doc),
        firmware=str(doc.get("firmware_version") or doc.get("revision") or ""),
    )


def _kind(doc: dict[str, Any], protocol: str) -> MediaKind:
    if protocol == "NVME":
        return MediaKind.NVME
    rate = doc.get("rotation_rate")
    if rate == 0:
        return MediaKind.SSD
    if isinstance(rate, int) and rate > 0:
        return MediaKind.HDD
    return MediaKind.UNKNOWN


def _capacity(doc: dict[str, Any]) -> int:
    for value in (
        (doc.get("user_capacity") or {}).get("bytes"),
        doc.get("nvme_total_capacity"),
        ((doc.get("nvme_namespaces") or [{}])[0].get("size") or {}).get("bytes"),
    ):
        if isinstance(value, int) and value > 0:
            return value
    return 0


def _interface(doc: dict[str, Any], device: dict[str, Any], protocol: str) -> str:
    if protocol == "NVME":
        return "NVMe"
    sata = (doc.get("sata_version") or {}).get("string")
    if sata:
        return "SATA"
    if protocol == "SCSI":
        transport = (doc.get("scsi_transport_protocol") or {}).get("name", "")
        return "SAS" if "SAS" in str(transport).upper() else "SCSI"
    return protocol or str(device.get("type", "")).upper()


def _wwn(value: Any) -> str:
    if isinstance(value, dict) and all(isinstance(value.get(k), int) for k in ("naa", "oui", "id")):
        return f"{value['naa']:x}{value['oui']:06x}{value['id']:09x}"
    return ""


def _hours(doc: dict[str, Any]) -> int | None:
    hours = (doc.get("power_on_time") or {}).get("hours")
    if isinstance(hours, int):
        return hours
    nvme = (doc.get("nvme_smart_health_information_log") or {}).get("power_on_hours")
    return nvme if isinstance(nvme, int) else None
