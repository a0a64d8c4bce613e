"""Which parser reads a dropped file: nwipe/ShredOS logs, Blancco XML, ``smartctl -j`` JSON.

Pure: bytes + file name in. Detection looks at the content, not only the extension, so a
ShredOS ``nwipe_log_….txt`` and a renamed ``.log`` both work.
"""

from __future__ import annotations

from app.domain.sanitization import DriveIdentity, WipeReport
from app.importers.blancco_xml import parse_blancco_xml
from app.importers.nwipe_log import parse_nwipe_log
from app.importers.report_errors import ReportUnreadable, check_size
from app.importers.smartctl_json import parse_smartctl_json

REPORT_SUFFIXES = (".log", ".txt", ".xml", ".json")


def parse_report_file(data: bytes, file_name: str) -> WipeReport | DriveIdentity:
    """A wipe report, or a drive identity for smartctl output. ``ReportUnreadable`` otherwise."""
    check_size(data, file_name)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return parse_blancco_xml(data, file_name)
    if head.startswith(b"{"):
        return parse_smartctl_json(data, file_name)
    if b"nwipe" in data.lower() or b"Drive Status" in data or head.startswith(b"["):
        return parse_nwipe_log(data, file_name)
    raise ReportUnreadable(
        file=file_name,
        problem="not an nwipe/ShredOS log, Blancco XML report or smartctl JSON output",
    )
