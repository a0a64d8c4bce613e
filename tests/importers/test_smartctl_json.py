"""``smartctl -j`` drive identity from real outputs (scrutiny, smartctl_exporter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.sanitization import MediaKind
from app.importers.report_errors import ReportUnreadable
from app.importers.smartctl_json import parse_smartctl_json

DATA = Path(__file__).parents[1] / "data" / "smartctl"


def parse(name: str):
    return parse_smartctl_json((DATA / name).read_bytes(), name)


def test_nvme_identity():
    drive = parse("scrutiny__smart-nvme.json")
    assert drive.serial == "BTNH93710FS91P0B"
    assert drive.model == "INTEL SSDPEKNW010T8"
    assert drive.kind is MediaKind.NVME and drive.interface == "NVMe"
    assert drive.capacity_bytes == 1024209543168
    assert drive.power_on_hours == 2401


def test_sata_hdd_identity_with_wwn():
    drive = parse("scrutiny__smart-ata.json")
    assert (drive.serial, drive.kind, drive.interface) == ("9RK1XXXX", MediaKind.HDD, "SATA")
    assert drive.wwn == "5000cca264eb01d7"
    assert drive.capacity_bytes == 14000519643136 and drive.power_on_hours == 1730


def test_sata_ssd_and_sas_identities():
    ssd = parse("smartctl_exporter__sat-KINGSTON_SA400M8120G.json")
    assert ssd.kind is MediaKind.SSD and ssd.model == "KINGSTON SA400M8120G"
    sas = parse("smartctl_exporter__HITACHI_H109060SESUN600G_10.json")
    assert (sas.interface, sas.model) == ("SAS", "HITACHI H109060SESUN600G")
    scsi = parse("scrutiny__smart-scsi.json")
    assert scsi.serial == "Z1Z5DWJK0000XXXXXXXX" and scsi.power_on_hours == 43549


def test_health_bits_in_exit_status_do_not_hide_the_identity():
    assert parse("scrutiny__smart-megaraid0.json").model == "WD4000FYYX"  # exit status 4


def test_a_device_that_could_not_be_opened_is_refused():
    with pytest.raises(ReportUnreadable, match="could not read the device"):
        parse("scrutiny__smart-fail.json")


def test_a_scan_list_is_not_a_drive():
    with pytest.raises(ReportUnreadable, match="--scan"):
        parse("scrutiny__smartctl_scan_simple.json")


def test_broken_json_names_the_line():
    with pytest.raises(ReportUnreadable) as caught:
        parse_smartctl_json(b'{\n "smartctl": {\n  "version": [7,1]\n', "cut.json")
    assert caught.value.message.startswith("cut.json, line ")
