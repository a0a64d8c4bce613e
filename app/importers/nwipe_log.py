"""nwipe / ShredOS logs (0.33 and later) → one :class:`DriveWipe` per wiped drive.

Pure: bytes in, :class:`WipeReport` out. Follows ``docs/report-formats.md`` §2: timestamped
lines with a level label, untimestamped summary tables (``Error Summary``, ``Erasure Summary``
from 0.41, ``Drive Status``), the footer ``Total Throughput …`` line and exactly one final line.
Unknown lines are counted, not fatal. Structural damage (a table row that does not parse, no
drive at all) raises :class:`ReportUnreadable` naming the file and line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from app.domain.sanitization import (
    DriveIdentity,
    DriveWipe,
    MediaKind,
    Technique,
    Verification,
    WipeReport,
    WipeResult,
)
from app.importers.report_errors import ReportUnreadable, check_size, decode_text

TOOL = "nwipe"
_STAMP_RE = re.compile(r"^\[(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})\] (.*)$")
_LEVEL_RE = re.compile(r"^\s*(debug|info|notice|warning|error|fatal|sanity|level \d+): (.*)$")
_FOUND_RE = re.compile(r"^Found (/\S+), ([^,]*), (.*), ([^,]*), S/N=(.*)$")
_HAS_SERIAL_RE = re.compile(r"^(/\S+) has serial number (.*)$")
_GEOMETRY_RE = re.compile(r"^(/\S+), sect/blk/dev \d+/\d+/(\d+)")
_BANNER_RE = re.compile(r"^\s*banner\s*=\s*nwipe\s+(\S+)")
_OPTION_RE = re.compile(r"^\s+(method|prng|rounds|verify)\s*=\s*(.*)$")
_INVOKE_RE = re.compile(r"^Invoking method '(.*)' on (/\S+)")
_ERRORS_RE = re.compile(r"^(\d+) (verification|wipe|sync) errors on '(.*)'\.?$")
_FAILURE_RE = re.compile(r"^\[FAILURE\] (/\S+)")
_SANITIZE_RE = re.compile(
    r"^(/\S+): SANITIZE action '(.*)' (was successful|has failed|has completed)\.?$"
)
_DMI_RE = re.compile(
    r"^(system-serial-number|chassis-asset-tag|baseboard-serial-number)\s*=\s*(.*)$"
)
_HIDDEN_RE = re.compile(r"(hidden sectors found|HPA/DCO.*(enabled|unknown))", re.IGNORECASE)
_FOOTER_RE = re.compile(r"^Total Throughput\s+(.*?),\s*(.*),\s*(\d+)R\+(N?B)\+(NV|VL|VA)\s*$")
_TITLE_RE = re.compile(r"^\*+ (Error Summary|Erasure Summary|Drive Status) \*+$")
_RULE_RE = re.compile(r"^[-*]{20,}$")
_VERIFY_LABELS = ("Verify Zeros", "Verify Ones")
#: Every method nwipe documents (docs/report-formats.md §2.7): its label, and the CLI names a
#: log or an options block may show instead. All wipe methods are overwrites (Clear at most,
#: rule S2); the two verify methods are no wipe (S7). Anything else goes to review.
_METHOD_LABELS: dict[str, tuple[str, ...]] = {
    "DoD 5220.22-M": ("dod522022m", "dod"),
    "DoD Short": ("dodshort", "dod3pass"),
    "Gutmann Wipe": ("gutmann",),
    "RCMP TSSIT OPS-II": ("ops2",),
    "PRNG Stream": ("random", "prng", "stream"),
    "Fill With Zeros": ("zero", "quick"),
    "Fill With Ones": ("one",),
    "Verify Zeros (0x00)": ("verify_zero",),
    "Verify Ones  (0xFF)": ("verify_one",),
    "HMG IS5 Enhanced": ("is5enh",),
    "Bruce Schneier 7-Pass": ("bruce7",),
    "BMB21-2019": ("bmb",),
}


def _method_key(text: str) -> str:
    return " ".join(text.split()).casefold()


_METHODS: dict[str, str] = {
    _method_key(name): label for label, names in _METHOD_LABELS.items() for name in (label, *names)
}
_METHOD_SUFFIX_RE = re.compile(r" \((R|S)\)$")
_STATUS = {
    "Erased": WipeResult.PASSED,
    "-FAILED-": WipeResult.FAILED,
    "UABORTED": WipeResult.ABORTED,
    "INSANITY": WipeResult.FAILED,
}
_FINAL = {
    "Nwipe successfully completed": "completed",
    "Nwipe exited with errors": "errors",
    "Nwipe was aborted by the user prior": "aborted_before",
    "Nwipe was aborted by the user": "aborted",
}
_SANITIZE_TECHNIQUE = {
    "block erase": Technique.BLOCK_ERASE,
    "crypto scramble": Technique.CRYPTO_ERASE,
    "crypto erase": Technique.CRYPTO_ERASE,
    "overwrite": Technique.SANITIZE_OVERWRITE,
}
_ERASURE_ROW_RE = re.compile(r"^\s*(\d+)\s*$")


@dataclass
class _Device:
    path: str
    bus: str = ""
    model: str = ""
    serial: str = ""
    size_bytes: int = 0
    method: str = ""
    started: str = ""
    errors: dict[str, int] = field(default_factory=dict)
    failures: int = 0
    sanitize: tuple[str, str] | None = None
    status: str = ""
    duration: str = ""
    table_model: str = ""
    table_serial: str = ""
    problem: bool = False
    hidden: bool = False
    bytes_erased: int | None = None
    bytes_total: int | None = None


def parse_nwipe_log(data: bytes, file_name: str) -> WipeReport:  # noqa: PLR0912, PLR0915 - one pass, one branch per line kind
    """Parse an nwipe log. Raises :class:`ReportUnreadable` (file + line) when it cannot."""
    check_size(data, file_name)
    text = decode_text(data, file_name)
    devices: dict[str, _Device] = {}
    version = ""
    options: dict[str, str] = {}
    host: dict[str, str] = {}
    final = ""
    footer: tuple[str, int, str, str] | None = None
    ended = ""
    hidden = False
    ignored = 0
    table = ""
    table_rows = 0
    seen_nwipe = False

    def device(path: str) -> _Device:
        return devices.setdefault(path, _Device(path))

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        title = _TITLE_RE.match(line.strip())
        if title:
            table, table_rows = title.group(1), 0
            seen_nwipe = True
            continue
        stamp = _STAMP_RE.match(line)
        if stamp is None:
            if table and "|" in line:
                if re.match(r"^!\s+Device\s*\|", line):
                    continue  # header row
                _table_row(table, line, line_no, file_name, devices)
                table_rows += 1
            elif table and (_RULE_RE.match(line.strip()) or not line.strip()):
                if line.strip().startswith("*") and table_rows:
                    table = ""
            elif line.strip():
                ignored += 1
            continue
        when = "{}-{}-{}T{}:{}:{}".format(*stamp.groups()[:6])
        body = stamp.group(7)
        footer_match = _FOOTER_RE.match(body)
        if footer_match:
            footer = (
                _METHOD_SUFFIX_RE.sub("", footer_match.group(2).strip()),
                int(footer_match.group(3)),
                footer_match.group(4),
                footer_match.group(5),
            )
            ended = when
            continue
        level = _LEVEL_RE.match(body)
        if level is None:
            ignored += 1
            continue
        msg = level.group(2)
        for prefix, kind in _FINAL.items():
            if msg.startswith(prefix):
                final = kind
                ended = ended or when
                break
        if m := _FOUND_RE.match(msg):
            seen_nwipe = True
            d = device(m.group(1))
            d.bus, d.model = m.group(2).strip(), m.group(3).strip()
            d.serial = m.group(5).strip()
        elif m := _HAS_SERIAL_RE.match(msg):
            device(m.group(1)).serial = m.group(2).strip()
        elif m := _GEOMETRY_RE.match(msg):
            device(m.group(1)).size_bytes = int(m.group(2))
        elif m := _BANNER_RE.match(msg):
            version, seen_nwipe = m.group(1), True
        elif m := _OPTION_RE.match(msg):
            options[m.group(1)] = m.group(2).strip()
        elif m := _INVOKE_RE.match(msg):
            d = device(m.group(2))
            d.method = _METHOD_SUFFIX_RE.sub("", m.group(1))
            d.started = d.started or when
        elif m := _ERRORS_RE.match(msg):
            device(m.group(3)).errors[m.group(2)] = int(m.group(1))
        elif m := _FAILURE_RE.match(msg):
            device(m.group(1)).failures += 1
        elif m := _SANITIZE_RE.match(msg):
            d = device(m.group(1))
            d.sanitize = (m.group(2), m.group(3))
            d.started = d.started or when
        elif m := _DMI_RE.match(msg):
            host[m.group(1)] = m.group(2).strip()
        elif _HIDDEN_RE.search(msg):
            # Per drive when the message names one (multi-drive logs), else for the run.
            named = [d for path, d in devices.items() if path in msg]
            for d in named:
                d.hidden = True
            hidden = hidden or not named
        else:
            ignored += 1

    if not seen_nwipe:
        raise ReportUnreadable(file=file_name, problem="this is not an nwipe or ShredOS log")
    rows = [d for d in devices.values() if d.status or d.sanitize]
    problems: list[str] = []
    if not final:
        problems.append("the log ends before nwipe's final line (truncated)")
    if final == "aborted_before":
        problems.append("nwipe was aborted before the wipe started: nothing was wiped")
    if not rows and final != "aborted_before":
        found = [d for d in devices.values() if d.method]
        if not found:
            raise ReportUnreadable(
                file=file_name, problem="no drive status table and no wiped drive in the log"
            )
        rows = found  # truncated before the tables: every started drive counts as failed
    method = (footer[0] if footer else "") or options.get("method", "")
    drives = tuple(
        _drive_wipe(
            d,
            method=method,
            footer=footer,
            options=options,
            version=version,
            host=host,
            final=final,
            hidden=hidden,
            ended=ended,
            problems=problems,
        )
        for d in rows
    )
    return WipeReport(
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        tool=TOOL,
        tool_version=version,
        drives=drives,
        problems=tuple(problems),
        ignored_lines=ignored,
    )


def _table_row(
    table: str, line: str, line_no: int, file_name: str, devices: dict[str, _Device]
) -> None:
    cells = line.split("|")
    flag_dev = cells[0]
    name = flag_dev[1:].strip() if flag_dev[:1] == "!" else flag_dev.strip()
    if not name:
        raise ReportUnreadable(
            file=file_name, line=line_no, problem=f"{table} row has no device name"
        )
    path = next((p for p in devices if p.rsplit("/", 1)[-1] == name), f"/dev/{name}")
    d = devices.setdefault(path, _Device(path))
    d.problem = d.problem or flag_dev[:1] == "!"
    if table == "Error Summary":
        try:
            counts = [int(c.strip()) for c in cells[1:4]]
        except ValueError:
            raise ReportUnreadable(
                file=file_name, line=line_no, problem="Error Summary counts are not numbers"
            ) from None
        if len(counts) != 3:
            raise ReportUnreadable(
                file=file_name, line=line_no, problem="Error Summary row has too few columns"
            )
        d.errors.setdefault("wipe", counts[0])
        d.errors.setdefault("verification", counts[1])
        d.errors.setdefault("sync", counts[2])
    elif table == "Erasure Summary":
        erased = _ERASURE_ROW_RE.match(cells[1]) if len(cells) > 2 else None
        total = _ERASURE_ROW_RE.match(cells[2]) if len(cells) > 2 else None
        if erased is None or total is None:
            raise ReportUnreadable(
                file=file_name, line=line_no, problem="Erasure Summary bytes are not numbers"
            )
        d.bytes_erased, d.bytes_total = int(erased.group(1)), int(total.group(1))
    elif table == "Drive Status":
        if len(cells) < 5:
            raise ReportUnreadable(
                file=file_name, line=line_no, problem="Drive Status row has too few columns"
            )
        status = cells[1].strip()
        if status not in _STATUS:
            raise ReportUnreadable(
                file=file_name, line=line_no, problem=f"unknown drive status {status!r}"
            )
        d.status = status
        d.duration = cells[3].strip()
        model_serial = "|".join(cells[4:]).strip()
        model, _, serial = model_serial.rpartition("/")
        d.table_model, d.table_serial = model.strip(), serial.strip()


def _kind(bus: str) -> MediaKind:
    bus = bus.strip().upper()
    if bus.startswith("NVME"):
        return MediaKind.NVME
    if bus.endswith("-SSD"):
        return MediaKind.SSD
    return {
        "NVME": MediaKind.NVME,
        "MMC": MediaKind.FLASH,
        "ATA": MediaKind.HDD,
        "IDE": MediaKind.HDD,
        "SAS": MediaKind.HDD,
        "SCSI": MediaKind.HDD,
    }.get(bus, MediaKind.UNKNOWN)


def _drive_wipe(
    d: _Device,
    *,
    method: str,
    footer: tuple[str, int, str, str] | None,
    options: dict[str, str],
    version: str,
    host: dict[str, str],
    final: str,
    hidden: bool,
    ended: str,
    problems: list[str],
) -> DriveWipe:
    notes: list[str] = []
    label = d.method or method
    result = _STATUS.get(d.status, WipeResult.FAILED)
    error_total = sum(d.errors.values()) + d.failures
    if result is WipeResult.PASSED and error_total:
        result = WipeResult.FAILED
        notes.append(f"status Erased but {error_total} error(s) reported: imported as FAILED")
        problems.append(f"{d.path}: status and error counts disagree")
    if not final and result is not WipeResult.FAILED:
        result = WipeResult.FAILED
        notes.append("log truncated: imported as FAILED")
    if final == "completed" and d.status and d.status != "Erased":
        problems.append(f"{d.path}: final line says success but the drive is {d.status.strip()}")
    if result is WipeResult.PASSED and (hidden or d.hidden):
        result = WipeResult.PARTIAL_WARNING
        notes.append("hidden sectors (HPA/DCO) reported")
    if result is WipeResult.PASSED and d.problem:
        result = WipeResult.PARTIAL_WARNING
        notes.append("nwipe flagged the drive with '!' in its summary: validation required")
    if (
        result is WipeResult.PASSED
        and d.bytes_total is not None
        and d.bytes_erased is not None
        and d.bytes_erased < d.bytes_total
    ):
        result = WipeResult.PARTIAL_WARNING
        notes.append(f"Erasure Summary: {d.bytes_erased} of {d.bytes_total} bytes erased")
    label, technique, review_reason = _method(label, result)
    if d.sanitize is not None:
        action, said = d.sanitize
        label = f"SANITIZE {action}"
        result = {
            "was successful": WipeResult.PASSED,
            "has failed": WipeResult.FAILED,
            "has completed": WipeResult.UNVERIFIED,
        }[said]
        sanitize = _SANITIZE_TECHNIQUE.get(action.strip().lower())
        review_reason = ""
        if sanitize is None:
            # e.g. 'Exit Failure Mode': a firmware action that erases nothing.
            technique = Technique.OVERWRITE
            if result is not WipeResult.FAILED:
                review_reason = (
                    f"firmware SANITIZE action {action!r} is not an erase the rules know"
                )
        else:
            technique = sanitize
    verify_code = footer[3] if footer else ""
    verification = Verification.TOOL_COMPLETION_STATUS
    if verify_code in ("VL", "VA") or options.get("verify", "").startswith(("1", "2")):
        verification = Verification.FULL_READBACK
    rounds = footer[1] if footer else int(options.get("rounds", "0") or 0)
    serial = d.serial or d.table_serial
    return DriveWipe(
        drive=DriveIdentity(
            serial=serial,
            model=d.model or d.table_model,
            kind=_kind(d.bus),
            capacity_bytes=d.size_bytes,
            interface=d.bus.strip(),
        ),
        technique=technique,
        result=result,
        tool=TOOL,
        tool_version=version,
        tool_method_label=label,
        passes=rounds,
        pattern=f"{label}, {footer[1]}R+{footer[2]}+{footer[3]}" if footer else label,
        verification=verification,
        verification_result="FAILED" if d.failures else ("PASSED" if d.status else ""),
        started=d.started,
        ended=ended,
        errors=",".join(f"{k}={v}" for k, v in sorted(d.errors.items())),
        device=d.path,
        host_serial=host.get("system-serial-number", ""),
        host_asset_tag=host.get("chassis-asset-tag", ""),
        notes=tuple(notes),
        review_reason=review_reason,
    )


def _method(label: str, result: WipeResult) -> tuple[str, Technique, str]:
    """(canonical label, technique, review reason) for an nwipe method label or CLI name.

    An undocumented method gets a review reason unless the run failed anyway: a failed run
    goes to destruction whatever its method; a passing one only counts when the rules know
    what the method did."""
    known = _METHODS.get(_method_key(label))
    if known is not None:
        technique = (
            Technique.VERIFY_ONLY if known.startswith(_VERIFY_LABELS) else Technique.OVERWRITE
        )
        return known, technique, ""
    if result in (WipeResult.FAILED, WipeResult.ABORTED):
        return label, Technique.OVERWRITE, ""
    reason = (
        f"wipe method {label!r} is not a documented nwipe method: the outcome cannot be "
        "derived, so it does not count until reviewed"
        if label
        else "the log names no wipe method: the outcome cannot be derived"
    )
    return label, Technique.OVERWRITE, reason
