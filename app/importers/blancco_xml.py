"""Blancco Drive Eraser XML reports → one :class:`DriveWipe` per erasure.

Parsed with ``defusedxml``: entity expansion, external entities and DTDs are refused. The
report is generic ``<entries name=…>`` / ``<entry name=…>``; fields are selected by name
(``docs/report-formats.md`` §3). ``state`` = ``Successful`` is the only success; the tool's
claimed standard (``erasure_standard_name``) is kept verbatim and never becomes the outcome.
"""

from __future__ import annotations

import hashlib
import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from app.domain.sanitization import (
    DriveIdentity,
    DriveWipe,
    MediaKind,
    Technique,
    Verification,
    WipeReport,
    WipeResult,
)
from app.importers.report_errors import ReportUnreadable, check_size

TOOL = "Blancco Drive Eraser"
_INT_RE = re.compile(r"^\s*(\d+)")
#: Words in ``erasure_standard_name`` that name (or imply) a firmware erase command.
_FIRMWARE_CLAIMS = ("crypt", "secure erase", "security erase", "block erase", "sanitize", "purge")


def parse_blancco_xml(data: bytes, file_name: str) -> WipeReport:
    """Parse a Blancco report. Raises :class:`ReportUnreadable` naming the file (and line)."""
    check_size(data, file_name)
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ReportUnreadable(
            file=file_name,
            problem="the XML declares a DTD or entities, which reports never need; refused",
        ) from None
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise ReportUnreadable(file=file_name, line=line, problem="the XML is malformed") from None
    report = root if root.tag == "report" else root.find("report")
    data_el = report.find("blancco_data") if report is not None else None
    if data_el is None:
        raise ReportUnreadable(file=file_name, problem="this is not a Blancco erasure report")
    description = data_el.find("description")
    product = _path(description, "document_log", "log_entry", "author", "product_name")
    version = _path(description, "document_log", "log_entry", "author", "product_version")
    operator = _path(description, "description_entries", "company_information", "erasure_person")
    erasures_parent = _child(data_el.find("blancco_erasure_report"), "erasures")
    erasures = [e for e in (erasures_parent or []) if e.get("name") == "erasure"]
    if not erasures:
        raise ReportUnreadable(file=file_name, problem="the report lists no erasure")
    hardware = data_el.find("blancco_hardware_report")
    host_serial = _path(hardware, "system", "serial")
    drives = tuple(_erasure(e, product or TOOL, version, host_serial, operator) for e in erasures)
    return WipeReport(
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        tool=product or TOOL,
        tool_version=version,
        drives=drives,
    )


def _child(parent: Element | None, name: str) -> Element | None:
    if parent is None:
        return None
    for el in parent:
        if el.get("name") == name:
            return el
    return None


def _path(parent: Element | None, *names: str) -> str:
    el = parent
    for name in names:
        el = _child(el, name)
    return (el.text or "").strip() if el is not None else ""


def _erasure(
    erasure: Element, tool: str, version: str, host_serial: str, operator: str
) -> DriveWipe:
    state = _path(erasure, "state")
    claim = _path(erasure, "erasure_standard_name")
    firmware_rounds = _int(_path(erasure, "firmware_rounds"))
    overwrite_rounds = _int(_path(erasure, "overwriting_rounds"))
    technique = Technique.OVERWRITE
    lowered = claim.lower()
    review_reason = ""
    state_ok = state == "Successful"
    if firmware_rounds > 0:
        if not any(word in lowered for word in _FIRMWARE_CLAIMS) and state_ok:
            # A firmware erase whose command cannot be told from the claim: never guess Purge.
            review_reason = (
                f"firmware erasure with standard {claim!r}: the command (and so the outcome) "
                "cannot be derived"
            )
        if "crypt" in lowered:
            technique = Technique.CRYPTO_ERASE
        elif "security erase" in lowered or "secure erase" in lowered:
            technique = (
                Technique.ATA_ENHANCED_SECURITY_ERASE
                if "enhanced" in lowered
                else Technique.ATA_SECURITY_ERASE
            )
        else:
            technique = Technique.BLOCK_ERASE
    failure = _path(erasure, "erasure_details", "failure", "message") or _path(
        erasure, "exception", "message"
    )
    target = _child(erasure, "target")
    kind_text = _path(target, "type").upper()
    kind = (
        MediaKind.NVME
        if "NVME" in kind_text
        else MediaKind.SSD
        if "SSD" in kind_text or "FLASH" in kind_text
        else MediaKind.HDD
        if "HDD" in kind_text or "DISK" in kind_text
        else MediaKind.UNKNOWN
    )
    notes = (f"operator {operator}",) if operator else ()
    return DriveWipe(
        drive=DriveIdentity(
            serial=_path(target, "serial"),
            model=" ".join(p for p in (_path(target, "vendor"), _path(target, "model")) if p),
            kind=kind,
            capacity_bytes=_int(_path(target, "capacity")),
            interface=_path(target, "interface_type"),
        ),
        technique=technique,
        result=WipeResult.PASSED if state_ok else WipeResult.FAILED,
        tool=tool,
        tool_version=version,
        tool_method_label=claim,
        passes=_int(_path(erasure, "total_erasure_rounds")) or overwrite_rounds + firmware_rounds,
        pattern=claim,
        verification=Verification.TOOL_COMPLETION_STATUS,
        verification_result=state,
        started=_path(erasure, "start_time"),
        ended=_path(erasure, "end_time"),
        errors=failure
        or (
            f"total_errors={_path(erasure, 'total_errors')}"
            if _path(erasure, "total_errors") not in ("", "0")
            else ""
        ),
        host_serial=host_serial,
        notes=notes,
        review_reason=review_reason,
    )


def _int(text: str) -> int:
    m = _INT_RE.match(text)
    return int(m.group(1)) if m else 0
