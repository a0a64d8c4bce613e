"""nwipe / ShredOS logs for every documented method, version feature and run ending.

CONSTRUCTED FROM THE SPEC, NOT REAL: every log here is written from the message templates,
table layouts and method labels in docs/report-formats.md §2 (nwipe's src/logging.c,
src/method.c), because only one real log (0.33, zeros) is available. They check that the
parser reads what the documented formats say; replace them with real logs when available.
"""

from __future__ import annotations

import pytest

from app.domain.sanitization import MediaKind, Technique, WipeResult, classify
from app.importers.nwipe_log import parse_nwipe_log

RULE = "-" * 80
STARS = "*" * 80

#: (label as nwipe prints it, CLI names) from report-formats.md §2.7.
DOCUMENTED_METHODS = (
    ("DoD 5220.22-M", ("dod522022m", "dod")),
    ("DoD Short", ("dodshort", "dod3pass")),
    ("Gutmann Wipe", ("gutmann",)),
    ("RCMP TSSIT OPS-II", ("ops2",)),
    ("PRNG Stream", ("random", "prng", "stream")),
    ("Fill With Zeros", ("zero", "quick")),
    ("Fill With Ones", ("one",)),
    ("HMG IS5 Enhanced", ("is5enh",)),
    ("Bruce Schneier 7-Pass", ("bruce7",)),
    ("BMB21-2019", ("bmb",)),
)
VERIFY_METHODS = (("Verify Zeros (0x00)", "verify_zero"), ("Verify Ones  (0xFF)", "verify_one"))
FINAL_OK = (
    "[2026/05/13 10:00:00]    info: Nwipe successfully completed. See summary table for details."
)
FINAL_ERR = (
    "[2026/05/13 10:00:00]   error: Nwipe exited with errors, check the log & summary table "
    "for individual drive status."
)
FINAL_ABORT = (
    "[2026/05/13 10:00:00]  notice: Nwipe was aborted by the user. Check the summary table "
    "for the drive status."
)


def found(dev: str, bus: str, model: str, serial: str) -> str:
    return f"[2026/05/13 01:00:00]  notice: Found /dev/{dev}, {bus}, {model},  1 TB, S/N={serial}"


def invoke(method: str, dev: str) -> str:
    return f"[2026/05/13 01:00:01]  notice: Invoking method '{method}' on /dev/{dev}"


def error_summary(*rows: tuple[str, int, int, int]) -> list[str]:
    lines = [
        "******************************** Error Summary *********************************",
        "!   Device | Pass Errors | Verifications Errors | Fdatasync I\\O Errors",
        RULE,
    ]
    for dev, p, v, f in rows:
        flag = "!" if p or v or f else " "
        lines.append(f"{flag}{dev:>9} | {p:>11} | {v:>20} | {f:>20}")
    return [*lines, STARS, ""]


def erasure_summary(*rows: tuple[str, int, int]) -> list[str]:
    """The v0.41+ table."""
    lines = [
        "******************************* Erasure Summary ********************************",
        "!   Device |      Bytes Erased |      Bytes Total | Percentage Erased",
        RULE,
    ]
    for dev, erased, total in rows:
        lines.append(f" {dev:>9} | {erased:>17} | {total:>16} | {erased * 100 // total:>16}%")
    return [*lines, STARS, ""]


def drive_status(method: str, *rows: tuple[str, str, str], flag: str = " ") -> list[str]:
    lines = [
        "********************************* Drive Status *********************************",
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number",
        RULE,
    ]
    for dev, status, model_serial in rows:
        lines.append(f"{flag}{dev:>9} |{status}| 120 MB/s | 01:05:04 | {model_serial}")
    return [
        *lines,
        RULE,
        f"[2026/05/13 09:59:59] Total Throughput  120 MB/s, {method}, 3R+B+VL",
        STARS,
        "",
    ]


def log(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def one_drive(method_in_log: str, footer_method: str | None = None) -> bytes:
    return log(
        found("sda", " ATA", "WDC WD10EZEX", "WD-1"),
        "[2026/05/13 01:00:00]  notice:   banner   = nwipe 0.42",
        invoke(method_in_log, "sda"),
        *error_summary(("sda", 0, 0, 0)),
        *drive_status(footer_method or method_in_log, ("sda", " Erased ", "WDC WD10EZEX/WD-1")),
        FINAL_OK,
    )


@pytest.mark.parametrize(
    ("label", "name"),
    [(label, label) for label, _ in DOCUMENTED_METHODS]
    + [(label, name) for label, names in DOCUMENTED_METHODS for name in names],
)
def test_every_documented_wipe_method_is_an_overwrite_counted_as_clear(label, name):
    (drive,) = parse_nwipe_log(one_drive(name), "m.log").drives
    assert drive.review_reason == ""
    assert (drive.technique, drive.result, drive.tool_method_label) == (
        Technique.OVERWRITE,
        WipeResult.PASSED,
        label,
    )
    verdict = classify(drive.technique, MediaKind.HDD, drive.result, tool_claim=label)
    assert verdict.outcome is not None and verdict.outcome.value == "CLEAR"  # S2: never Purge


@pytest.mark.parametrize("suffix", [" (R)", " (S)"])
def test_042_reverse_and_scatter_suffixes_are_stripped(suffix):
    (drive,) = parse_nwipe_log(one_drive(f"Gutmann Wipe{suffix}"), "m.log").drives
    assert drive.tool_method_label == "Gutmann Wipe" and drive.review_reason == ""


@pytest.mark.parametrize(("label", "name"), VERIFY_METHODS)
def test_verify_methods_by_label_or_cli_name_are_no_wipe(label, name):
    for method in (label, name):
        (drive,) = parse_nwipe_log(one_drive(method), "v.log").drives
        assert drive.technique is Technique.VERIFY_ONLY
        assert drive.tool_method_label == label


@pytest.mark.parametrize("method", ["Quantum Shred 9000", "dod7pass", "Fill With Twos"])
def test_an_unknown_method_goes_to_review_and_never_counts(method):
    (drive,) = parse_nwipe_log(one_drive(method), "u.log").drives
    assert drive.review_reason.startswith(f"wipe method {method!r} is not a documented")
    assert drive.tool_method_label == method


def test_an_unknown_method_that_failed_still_routes_to_destruction():
    data = log(
        found("sda", " ATA", "WDC", "WD-1"),
        invoke("Quantum Shred 9000", "sda"),
        *drive_status("Quantum Shred 9000", ("sda", "-FAILED-", "WDC/WD-1"), flag="!"),
        FINAL_ERR,
    )
    (drive,) = parse_nwipe_log(data, "u.log").drives
    assert drive.result is WipeResult.FAILED and drive.review_reason == ""
    assert classify(drive.technique, MediaKind.HDD, drive.result).route_to_destruction


def test_multi_drive_log_with_a_method_per_drive_and_every_status():
    data = log(
        found("sda", " ATA", "WDC WD10EZEX-00BN5A0", "WD-A"),
        found("sdb", " ATA-SSD", "Samsung SSD 860", "S3Z-B"),
        found("sdc", " SAS", "SEAGATE ST600MM", "SAS-C"),
        found("nvme0n1", "NVME", "Samsung 970 EVO", "NV-D"),
        found("mmcblk0", " MMC", "SD16G", "MMC-E"),
        "[2026/05/13 01:00:00]  notice:   banner   = nwipe 0.41",
        invoke("PRNG Stream", "sda"),
        invoke("PRNG Stream", "sdb"),
        invoke("PRNG Stream", "sdc"),
        invoke("PRNG Stream", "nvme0n1"),
        invoke("PRNG Stream", "mmcblk0"),
        "[2026/05/13 05:00:00]   error: 12 wipe errors on '/dev/sdc'.",
        *error_summary(("sda", 0, 0, 0), ("sdb", 0, 0, 0), ("sdc", 12, 0, 0), ("nvme0n1", 0, 0, 0)),
        *erasure_summary(("sda", 1000, 1000), ("sdb", 500, 500), ("nvme0n1", 10, 10)),
        *drive_status(
            "PRNG Stream",
            ("sda", " Erased ", "WDC WD10EZEX-00BN/WD-A"),
            ("sdb", " Erased ", "Samsung SSD 860/S3Z-B"),
            ("sdc", "-FAILED-", "SEAGATE ST600MM/SAS-C"),
            ("nvme0n1", " Erased ", "Samsung 970 EVO/NV-D"),
            ("mmcblk0", "INSANITY", "SD16G/MMC-E"),
        ),
        FINAL_ERR,
    )
    report = parse_nwipe_log(data, "multi.log")
    got = {d.drive.serial: (d.drive.kind, d.result) for d in report.drives}
    assert got == {
        "WD-A": (MediaKind.HDD, WipeResult.PASSED),
        "S3Z-B": (MediaKind.SSD, WipeResult.PASSED),
        "SAS-C": (MediaKind.HDD, WipeResult.FAILED),
        "NV-D": (MediaKind.NVME, WipeResult.PASSED),
        "MMC-E": (MediaKind.FLASH, WipeResult.FAILED),  # INSANITY is a failure
    }
    assert report.tool_version == "0.41"
    assert {d.tool_method_label for d in report.drives} == {"PRNG Stream"}


def test_aborted_during_and_before_the_wipe():
    during = log(
        found("sda", " ATA", "WDC", "WD-1"),
        found("sdb", " ATA", "WDC", "WD-2"),
        invoke("DoD Short", "sda"),
        invoke("DoD Short", "sdb"),
        *drive_status(
            "DoD Short", ("sda", "UABORTED", "WDC/WD-1"), ("sdb", " Erased ", "WDC/WD-2")
        ),
        FINAL_ABORT,
    )
    results = {d.drive.serial: d.result for d in parse_nwipe_log(during, "a.log").drives}
    assert results == {"WD-1": WipeResult.ABORTED, "WD-2": WipeResult.PASSED}
    before = log(
        found("sda", " ATA", "WDC", "WD-1"),
        "[2026/05/13 01:00:05]  notice: Nwipe was aborted by the user prior to the wipe starting.",
    )
    report = parse_nwipe_log(before, "b.log")
    assert report.drives == ()
    assert "nothing was wiped" in report.problems[0]


def test_hidden_sectors_on_one_drive_of_a_multi_drive_log_warn_only_that_drive():
    data = log(
        found("sda", " ATA", "WDC", "WD-1"),
        found("sdb", " ATA", "WDC", "WD-2"),
        invoke("Fill With Zeros", "sda"),
        invoke("Fill With Zeros", "sdb"),
        "[2026/05/13 01:00:02] warning: /dev/sdb: HPA/DCO hidden sectors found! 1024 sectors",
        *error_summary(("sda", 0, 0, 0), ("sdb", 0, 0, 0)),
        *drive_status(
            "Fill With Zeros", ("sda", " Erased ", "WDC/WD-1"), ("sdb", " Erased ", "WDC/WD-2")
        ),
        FINAL_OK,
    )
    results = {d.drive.serial: d.result for d in parse_nwipe_log(data, "h.log").drives}
    assert results == {"WD-1": WipeResult.PASSED, "WD-2": WipeResult.PARTIAL_WARNING}


def test_a_flagged_or_partly_erased_drive_is_a_warning_not_a_pass():
    flagged = log(
        found("sda", " ATA", "WDC", "WD-1"),
        invoke("Fill With Ones", "sda"),
        *drive_status("Fill With Ones", ("sda", " Erased ", "WDC/WD-1"), flag="!"),
        FINAL_OK,
    )
    (drive,) = parse_nwipe_log(flagged, "f.log").drives
    assert drive.result is WipeResult.PARTIAL_WARNING
    partial = log(
        found("sda", " ATA", "WDC", "WD-1"),
        invoke("Fill With Ones", "sda"),
        *erasure_summary(("sda", 900, 1000)),
        *drive_status("Fill With Ones", ("sda", " Erased ", "WDC/WD-1")),
        FINAL_OK,
    )
    (drive,) = parse_nwipe_log(partial, "p.log").drives
    assert drive.result is WipeResult.PARTIAL_WARNING
    assert "900 of 1000 bytes erased" in drive.notes[-1]


def test_firmware_actions_that_erase_nothing_go_to_review():
    data = log(
        found("nvme0n1", "NVME", "Samsung 970", "NV-1"),
        "[2026/07/01 09:01:00]  notice: /dev/nvme0n1: SANITIZE action 'Exit Failure Mode' was "
        "successful.",
        "[2026/07/01 09:03:00]    info: Nwipe successfully completed. See summary table for "
        "details.",
    )
    (drive,) = parse_nwipe_log(data, "fw.log").drives
    assert "'Exit Failure Mode' is not an erase" in drive.review_reason
    failed = data.replace(b"was successful", b"has failed")
    (drive,) = parse_nwipe_log(failed, "fw.log").drives
    assert drive.result is WipeResult.FAILED and drive.review_reason == ""


def test_a_log_with_no_method_anywhere_goes_to_review():
    data = log(
        found("sda", " ATA", "WDC", "WD-1"),
        "********************************* Drive Status *********************************",
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number",
        RULE,
        "       sda | Erased | 120 MB/s | 01:05:04 | WDC/WD-1",
        RULE,
        STARS,
        FINAL_OK,
    )
    (drive,) = parse_nwipe_log(data, "n.log").drives
    assert drive.review_reason == "the log names no wipe method: the outcome cannot be derived"
