"""nwipe / ShredOS logs: the real 0.33 fixture, and logs composed from the message templates of
later versions (multi-drive, failed, aborted, truncated, firmware sanitize, verify-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.sanitization import MediaKind, Technique, Verification, WipeResult
from app.importers.nwipe_log import parse_nwipe_log
from app.importers.report_errors import ReportUnreadable

DATA = Path(__file__).parents[1] / "data" / "nwipe"


def test_the_real_033_loopback_log():
    data = (DATA / "nwipe-0.33_zero_loopback.log").read_bytes()
    report = parse_nwipe_log(data, "nwipe-0.33_zero_loopback.log")
    assert report.tool == "nwipe" and report.tool_version == "0.33"
    assert report.problems == ()
    (drive,) = report.drives
    assert drive.device == "/dev/loop0"
    assert drive.drive.serial == ""  # a loop device has none: never matched automatically
    assert drive.drive.model == "Loopback device"
    assert drive.drive.capacity_bytes == 67108864
    assert drive.result is WipeResult.PASSED
    assert drive.technique is Technique.OVERWRITE
    assert drive.tool_method_label == "Fill With Zeros"
    assert drive.pattern == "Fill With Zeros, 1R+B+VL"
    assert drive.verification is Verification.FULL_READBACK
    assert (drive.started, drive.ended) == ("2026-11-21T04:34:29", "2026-11-21T04:34:32")
    assert report.ignored_lines > 0  # environment warnings are tolerated


def log(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


HEAD = (
    "[2026/05/13 01:00:00]  notice: Found /dev/sda,  ATA-SSD, Samsung SSD 860, 500 GB, "
    "S/N=S3YZNB0KB00864E",
    "[2026/05/13 01:00:00]  notice: Found /dev/sdb,  ATA, WDC WD140EDFZ, 14 TB, S/N=9RK1AAAA",
    "[2026/05/13 01:00:00]    info: system-serial-number = 5CG1234ABC",
    "[2026/05/13 01:00:00]  notice:   banner   = nwipe 0.42",
    "[2026/05/13 01:00:01]  notice: Invoking method 'DoD 5220.22-M' on /dev/sda",
    "[2026/05/13 01:00:01]  notice: Invoking method 'DoD 5220.22-M' on /dev/sdb",
)
ERRORS_TABLE = (
    "",
    "******************************** Error Summary *********************************",
    "!   Device | Pass Errors | Verifications Errors | Fdatasync I\\O Errors",
    "--------------------------------------------------------------------------------",
    "       sda |           0 |                    0 |                    0",
    "!      sdb |           3 |                    0 |                    0",
    "********************************************************************************",
)


def status_table(sda: str, sdb: str) -> tuple[str, ...]:
    return (
        "",
        "********************************* Drive Status *********************************",
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number",
        "--------------------------------------------------------------------------------",
        f"       sda |{sda}| 400 MB/s | 01:00:00 | Samsung SSD 860/S3YZNB0KB00864E",
        f"!      sdb |{sdb}| 180 MB/s | 09:00:00 | WDC WD140EDFZ/9RK1AAAA",
        "--------------------------------------------------------------------------------",
        "[2026/05/13 10:00:00] Total Throughput  580 MB/s, DoD 5220.22-M, 1R+NB+VA",
        "********************************************************************************",
        "",
    )


def test_multi_drive_042_log_with_one_failure():
    data = log(
        *HEAD,
        *ERRORS_TABLE,
        *status_table(" Erased ", "-FAILED-"),
        "[2026/05/13 10:00:00]   error: Nwipe exited with errors, check the log & summary "
        "table for individual drive status.",
    )
    report = parse_nwipe_log(data, "nwipe_log_20260513-010000.txt")
    assert report.tool_version == "0.42"
    sda, sdb = report.drives
    assert (sda.drive.serial, sda.drive.kind, sda.result) == (
        "S3YZNB0KB00864E",
        MediaKind.SSD,
        WipeResult.PASSED,
    )
    assert sda.tool_method_label == "DoD 5220.22-M"  # kept verbatim; the outcome is derived
    assert sda.host_serial == "5CG1234ABC"
    assert (sdb.drive.serial, sdb.drive.kind, sdb.result) == (
        "9RK1AAAA",
        MediaKind.HDD,
        WipeResult.FAILED,
    )
    assert "wipe=3" in sdb.errors


def test_erased_with_error_counts_is_imported_as_failed_and_flagged():
    data = log(
        *HEAD,
        *ERRORS_TABLE,
        *status_table(" Erased ", " Erased "),
        "[2026/05/13 10:00:00]    info: Nwipe successfully completed. See summary table for "
        "details.",
    )
    report = parse_nwipe_log(data, "x.log")
    assert report.drives[1].result is WipeResult.FAILED
    assert any("disagree" in p for p in report.problems)


def test_aborted_run():
    data = log(
        *HEAD,
        *status_table("UABORTED", "UABORTED"),
        "[2026/05/13 10:00:00]  notice: Nwipe was aborted by the user. Check the summary table "
        "for the drive status.",
    )
    assert {d.result for d in parse_nwipe_log(data, "x.log").drives} == {WipeResult.ABORTED}


def test_truncated_log_imports_started_drives_as_failed_and_says_so():
    report = parse_nwipe_log(log(*HEAD), "cut.log")
    assert {d.result for d in report.drives} == {WipeResult.FAILED}
    assert any("truncated" in p for p in report.problems)


def test_firmware_sanitize_results():
    data = log(
        "[2026/07/01 09:00:00]  notice: Found /dev/nvme0n1, NVME, Samsung 970, 500 GB, "
        "S/N=S466NX0M776250H",
        "[2026/07/01 09:00:01]  notice: /dev/nvme0n1: issuing SANITIZE sanact=2",
        "[2026/07/01 09:01:00]  notice: /dev/nvme0n1: SANITIZE action 'Block Erase' was "
        "successful.",
        "[2026/07/01 09:01:00]  notice: Found /dev/sda,  ATA-SSD, Crucial, 250 GB, S/N=CT1",
        "[2026/07/01 09:02:00]  notice: /dev/sda: SANITIZE action 'Crypto Scramble' has completed.",
        "[2026/07/01 09:03:00]    info: Nwipe successfully completed. See summary table for "
        "details.",
    )
    nvme, sda = parse_nwipe_log(data, "fw.log").drives
    assert (nvme.technique, nvme.result) == (Technique.BLOCK_ERASE, WipeResult.PASSED)
    assert nvme.drive.kind is MediaKind.NVME
    assert (sda.technique, sda.result) == (Technique.CRYPTO_ERASE, WipeResult.UNVERIFIED)


def test_verify_only_method_is_not_a_wipe():
    data = log(
        "[2026/05/13 01:00:00]  notice: Found /dev/sda,  ATA, WDC, 1 TB, S/N=WD1",
        "[2026/05/13 01:00:01]  notice: Invoking method 'Verify Zeros (0x00)' on /dev/sda",
        *status_table(" Erased ", " Erased ")[:5],
        "--------------------------------------------------------------------------------",
        "[2026/05/13 10:00:00]    info: Nwipe successfully completed. See summary table for "
        "details.",
    )
    assert parse_nwipe_log(data, "v.log").drives[0].technique is Technique.VERIFY_ONLY


def test_a_garbled_table_row_names_the_file_and_line():
    data = log(
        *HEAD,
        "",
        "********************************* Drive Status *********************************",
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number",
        "       sda |Ers#d| 400 MB/s | 01:00:00 | Samsung SSD 860/S3YZNB0KB00864E",
    )
    with pytest.raises(ReportUnreadable) as caught:
        parse_nwipe_log(data, "garbled.log")
    assert caught.value.message.startswith("garbled.log, line 10: unknown drive status")


def test_text_that_is_not_an_nwipe_log_is_refused():
    with pytest.raises(ReportUnreadable, match="not an nwipe"):
        parse_nwipe_log(b"hello\nworld\n", "notes.txt")
    with pytest.raises(ReportUnreadable, match="binary"):
        parse_nwipe_log(b"\x00\x01\x02", "disk.img")
