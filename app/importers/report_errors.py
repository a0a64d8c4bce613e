"""Errors the wipe-report and drive-identity parsers raise: each names the file and, where it
applies, the line, so an operator can open the file and see what is wrong."""

from __future__ import annotations

from app.domain.errors import UserFacingError

#: Larger files are refused before parsing: no wipe report or smartctl output is this big.
MAX_REPORT_BYTES = 20 * 1024 * 1024


class ReportUnreadable(UserFacingError):
    code = "sanitization.report_unreadable"
    template = "{file}: {problem}."

    @property
    def message(self) -> str:
        line = self.params.get("line")
        where = f"{self.params['file']}, line {line}" if line else str(self.params["file"])
        return f"{where}: {self.params['problem']}."


def check_size(data: bytes, file_name: str) -> None:
    check_file_size(len(data), file_name)


def check_file_size(size_bytes: int, file_name: str) -> None:
    """Refuse a file by its size alone, so callers can check ``stat()`` before reading it."""
    if size_bytes > MAX_REPORT_BYTES:
        raise ReportUnreadable(
            file=file_name,
            problem=f"the file is {size_bytes / (1024 * 1024):.0f} MB; a wipe report or "
            f"smartctl output is at most {MAX_REPORT_BYTES // (1024 * 1024)} MB, so it was not "
            "read",
        )


def decode_text(data: bytes, file_name: str) -> str:
    """UTF-8 (or Latin-1 for old logs) text; binary data is refused."""
    if b"\x00" in data[:4096]:
        raise ReportUnreadable(file=file_name, problem="this is a binary file, not a text report")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
