"""Blancco XML (synthetic, per docs/report-formats.md §3; no real report is public): erasures
by name, failure messages, and hostile XML refused by defusedxml."""

from __future__ import annotations

import pytest

from app.domain.sanitization import MediaKind, Technique, WipeResult
from app.importers.blancco_xml import parse_blancco_xml
from app.importers.report_errors import ReportUnreadable


def erasure(serial: str, state: str, standard: str, firmware_rounds: int = 0, fail: str = ""):
    failure = (
        f'<entries name="erasure_details"><entries name="failure">'
        f'<entry name="message" type="string">{fail}</entry></entries></entries>'
        if fail
        else ""
    )
    return f"""
      <entries name="erasure">
        <entry name="state" type="string">{state}</entry>
        <entry name="erasure_standard_name" type="string">{standard}</entry>
        <entry name="start_time" type="string">2026-05-01T10:00:00+0200</entry>
        <entry name="end_time" type="string">2026-05-01T11:00:00+0200</entry>
        <entry name="overwriting_rounds" type="uint">1</entry>
        <entry name="firmware_rounds" type="uint">{firmware_rounds}</entry>
        {failure}
        <entries name="target">
          <entry name="serial" type="string">{serial}</entry>
          <entry name="vendor" type="string">Samsung</entry>
          <entry name="model" type="string">PM981</entry>
          <entry name="type" type="string">NVMe SSD</entry>
          <entry name="capacity" type="uint">512110190592</entry>
        </entries>
      </entries>"""


def report(*erasures: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<root><report><blancco_data>
  <description>
    <entry name="document_id">4f1c</entry>
    <entries name="document_log"><entries name="log_entry"><entries name="author">
      <entry name="product_name">Blancco Drive Eraser</entry>
      <entry name="product_version">7.9.0</entry>
    </entries></entries></entries>
  </description>
  <blancco_erasure_report><entries name="erasures">{"".join(erasures)}
  </entries></blancco_erasure_report>
  <blancco_hardware_report><entries name="system">
    <entry name="serial">5CG1234ABC</entry>
  </entries></blancco_hardware_report>
</blancco_data></report></root>""".encode()


def test_multi_disk_report_with_a_failure():
    data = report(
        erasure("S4EWNX0R1", "Successful", "NIST 800-88 Purge", firmware_rounds=1),
        erasure("S4EWNX0R2", "Failed", "NIST 800-88 Clear", fail="Write error at LBA 7"),
    )
    parsed = parse_blancco_xml(data, "report.xml")
    assert (parsed.tool, parsed.tool_version) == ("Blancco Drive Eraser", "7.9.0")
    ok, bad = parsed.drives
    assert (ok.drive.serial, ok.result, ok.technique) == (
        "S4EWNX0R1",
        WipeResult.PASSED,
        Technique.BLOCK_ERASE,
    )
    assert ok.tool_method_label == "NIST 800-88 Purge"  # the claim, verbatim
    assert ok.drive.kind is MediaKind.NVME and ok.host_serial == "5CG1234ABC"
    assert bad.result is WipeResult.FAILED and bad.errors == "Write error at LBA 7"


def test_entity_expansion_is_refused():
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<root>&lol2;</root>"""
    with pytest.raises(ReportUnreadable, match="DTD or entities"):
        parse_blancco_xml(bomb, "bomb.xml")


def test_external_entities_are_refused():
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><root>&x;</root>"""
    with pytest.raises(ReportUnreadable, match="refused"):
        parse_blancco_xml(xxe, "xxe.xml")


def test_malformed_xml_names_the_line():
    with pytest.raises(ReportUnreadable) as caught:
        parse_blancco_xml(b"<root>\n<report>\n<oops></root>", "bad.xml")
    assert caught.value.message.startswith("bad.xml, line 3")


def test_other_xml_is_not_a_report():
    with pytest.raises(ReportUnreadable, match="not a Blancco"):
        parse_blancco_xml(b"<root><other/></root>", "other.xml")


def test_a_firmware_erasure_with_an_unrecognised_standard_goes_to_review():
    data = report(
        erasure("FW-1", "Successful", "Vendor Magic Erase", firmware_rounds=1),
        erasure("FW-2", "Failed", "Vendor Magic Erase", firmware_rounds=1, fail="timeout"),
        erasure("OW-1", "Successful", "Zeros, Lower Standard"),
    )
    fw, failed, overwrite = parse_blancco_xml(data, "r.xml").drives
    assert "'Vendor Magic Erase'" in fw.review_reason  # never guessed as a Purge
    assert failed.result is WipeResult.FAILED and failed.review_reason == ""
    assert overwrite.technique is Technique.OVERWRITE and overwrite.review_reason == ""
