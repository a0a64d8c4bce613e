"""Server-owned reference data reaches the station's own tables: a manifest uploaded at the
server (real PostgreSQL) is pulled, applied with its cursor in one transaction, and shows up in
receiving; repeats, updates, deletions and a stale-cursor snapshot replace only server-owned rows,
never the station's receipts, scans or its own manifests; a rebuild from the ledger gives the
same tables."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import text

from app.domain.grading import parse_rubric
from app.domain.manifests import ScanOutcome
from app.domain.roles import Role
from app.domain.sync import ReferenceChange
from app.server import admin
from app.services.operators import OperatorService
from app.services.pins import hash_pin
from app.services.receiving import ManifestAlreadyImported, ReceivingService
from app.storage.blob_store import BlobStore
from app.storage.grading_repository import GradingRepository
from app.storage.receiving_repository import ReceivingRepository
from app.storage.repositories import OperatorRepository
from tests.sync.harness import ADMIN_TOKEN, FACILITY, Server, Station

MANIFEST = (
    "Asset Tag,Serial Number,Manufacturer,Model,Type\n"
    "GX-001,SN-0001,HP,ProBook 450,laptop\n"
    "GX-002,SN-0002,Dell,Latitude 5420,laptop\n"
    "GX-003,SN-0003,Dell,OptiPlex 3080,desktop\n"
)
# The same file with one more line (the customer sent a corrected manifest).
MANIFEST_V2 = MANIFEST + "GX-004,SN-0004,Lenovo,ThinkCentre M720,desktop\n"
#: Tables that server data and station facts meet in (compared before/after a rebuild).
RECEIVING_TABLES = (
    "customers",
    "receiving_jobs",
    "manifests",
    "manifest_lines",
    "assets",
    "operators",
)


def cheap_pin_hash(pin: str) -> str:
    return hash_pin(pin, log2_n=4)


class Receiving:
    """The station's real receiving service over a harness station's database."""

    def __init__(self, station: Station, tmp_path: Path) -> None:
        engine = station.database.engine
        self.operators = OperatorService(station.events, OperatorRepository(engine), cheap_pin_hash)
        if OperatorRepository(engine).by_badge("B-ADMIN") is None:
            self.operators.enrol(
                display_name="Ada Admin", badge="B-ADMIN", role=Role.ADMIN, pin="1111"
            )
        self.operators.sign_in_with_badge("B-ADMIN", "1111")
        self.reader = ReceivingRepository(engine)
        self.service = ReceivingService(
            station.events,
            self.reader,
            BlobStore(tmp_path / f"blobs-{station.name}"),
            self.operators,
        )


def upload(
    server: Server,
    body: str,
    *,
    job: str = "job-7",
    customer: str = "CUST-GLOBEX",
    name: str = "Globex",
    facility: str = FACILITY,
    file_name: str = "globex.csv",
) -> dict:
    answer = server.test_client.post(
        f"/v1/admin/facilities/{facility}/manifests",
        params={
            "customer_id": customer,
            "customer_name": name,
            "job_id": job,
            "file_name": file_name,
        },
        content=body.encode("utf-8"),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def dump(station: Station) -> dict[str, list[tuple]]:
    with station.database.engine.connect() as conn:
        return {
            table: sorted(tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}")))
            for table in RECEIVING_TABLES
        }


def test_manifest_uploaded_at_the_server_appears_in_receiving(make_station, server, tmp_path):
    station = make_station("a")
    receiving = Receiving(station, tmp_path)
    uploaded = upload(server, MANIFEST)
    assert uploaded["job_id"] == "JOB-7"
    assert uploaded["line_count"] == 3

    result = station.engine.run_once()
    assert result.pulled >= 3  # customer, job, manifest

    jobs = {j.job_id: j for j in receiving.service.jobs()}
    assert jobs["JOB-7"].customer_name == "Globex"
    assert jobs["JOB-7"].line_count == 3
    assert jobs["JOB-7"].manifest_ids == uploaded["manifest_id"]
    lines = receiving.reader.job_lines("JOB-7")
    assert [(ln.line_no, ln.serial, ln.asset_tag, ln.make) for ln in lines] == [
        (1, "SN-0001", "GX-001", "HP"),
        (2, "SN-0002", "GX-002", "Dell"),
        (3, "SN-0003", "GX-003", "Dell"),
    ]
    scan = receiving.service.scan("JOB-7", "SN-0002", "test")
    assert scan.outcome is ScanOutcome.MATCHED
    assert receiving.service.counters("JOB-7").received == 1
    # The same file imported at the station again is recognised as the server's manifest.
    path = tmp_path / "globex.csv"
    path.write_text(MANIFEST, encoding="utf-8")
    with pytest.raises(ManifestAlreadyImported):
        receiving.service.import_manifest(path, customer_id="CUST-GLOBEX", job_id="job-7")


def test_bad_upload_names_the_row_and_stores_nothing(server):
    bad = "Serial Number,Qty\nSN-1,1\nSN-2,many\n"
    answer = server.test_client.post(
        f"/v1/admin/facilities/{FACILITY}/manifests",
        params={"customer_id": "C", "job_id": "J-1", "file_name": "bad.csv"},
        content=bad.encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert answer.status_code == 422
    assert "3" in answer.json()["detail"]  # the row
    assert server.sql("SELECT count(*) FROM reference_rows")[0][0] == 0
    # Without the admin token nothing is accepted.
    refused = server.test_client.post(
        f"/v1/admin/facilities/{FACILITY}/manifests",
        params={"customer_id": "C", "job_id": "J-1"},
        content=MANIFEST.encode(),
    )
    assert refused.status_code == 403


def test_repeat_update_and_rebuild_keep_station_facts(make_station, server, tmp_path):
    station = make_station("a")
    receiving = Receiving(station, tmp_path)
    first = upload(server, MANIFEST)
    station.engine.run_once()
    receiving.service.scan("JOB-7", "SN-0001", "test")
    receiving.service.receive_extra("JOB-7", serial="SN-9999", device_type="laptop")
    before = dump(station)

    # The same rows again (a repeated page) change nothing.
    rows = station.store.reference_rows()
    again = [
        ReferenceChange(kind=k, row_id=r, change_seq=1, deleted=False, body_json=b)
        for (k, r), b in rows.items()
    ]
    station.store.apply_ref_page(again, station.store.ref_cursor() or 0)
    assert dump(station) == before

    # A corrected manifest (same id, one more line): lines replaced, the receipt still linked.
    with server.engine.begin() as conn:
        admin.upload_manifest(
            conn,
            data=MANIFEST_V2.encode(),
            file_name="globex.csv",
            facility_id=FACILITY,
            customer_id="CUST-GLOBEX",
            job_id="job-7",
            manifest_id=first["manifest_id"],
        )
    station.engine.run_once()
    lines = receiving.reader.job_lines("JOB-7")
    assert len(lines) == 4
    assert lines[0].received_asset_id  # SN-0001 still received
    assert not any(ln.received_asset_id for ln in lines[1:])
    counters = receiving.service.counters("JOB-7")
    assert (counters.expected, counters.received, counters.extra) == (4, 1, 1)

    # Rebuilding every projection from the ledger (plus the pulled rows) gives the same tables.
    incremental = dump(station)
    station.events.rebuild_projections()
    assert dump(station) == incremental


def test_stale_cursor_snapshot_replaces_server_data_only(make_station, server, tmp_path):
    station = make_station("a")
    receiving = Receiving(station, tmp_path)
    kept = upload(server, MANIFEST, job="job-7")
    dropped = upload(server, "Serial Number\nZZ-1\nZZ-2\n", job="job-8", file_name="b.csv")
    station.engine.run_once()
    receiving.service.scan("JOB-7", "SN-0003", "test")
    # The station's own manifest, imported here.
    own = tmp_path / "own.csv"
    own.write_text("Serial Number\nOWN-1\nOWN-2\n", encoding="utf-8")
    receiving.service.import_manifest(own, customer_id="CUST-LOCAL", job_id="job-own")
    receiving.service.scan("JOB-8", "ZZ-1", "test")  # a fact on the manifest about to go

    with server.engine.begin() as conn:
        admin.delete_reference_row(conn, "manifest", dropped["manifest_id"], FACILITY)
        admin.delete_reference_row(conn, "job", "JOB-8", FACILITY)
        floor = conn.execute(text("SELECT value FROM counters WHERE name = 'change_seq'")).scalar()
        admin.compact_tombstones(conn, floor)
    assert (station.store.ref_cursor() or 0) < floor  # so the next pull gets 410 → snapshot
    station.engine.run_once()

    jobs = {j.job_id: j for j in receiving.service.jobs()}
    assert jobs["JOB-7"].manifest_ids == kept["manifest_id"]
    assert jobs["JOB-7"].line_count == 3
    lines = receiving.reader.job_lines("JOB-7")
    assert lines[2].received_asset_id  # the receipt survived the snapshot
    assert jobs["JOB-OWN"].line_count == 2  # the station's own manifest is untouched
    assert dropped["manifest_id"] not in {
        m for j in jobs.values() for m in j.manifest_ids.split(", ")
    }
    # JOB-8 keeps its station fact (the receipt), only the server's manifest went.
    assert "JOB-8" in jobs and jobs["JOB-8"].line_count == 0
    assert receiving.service.counters("JOB-8").received == 1
    incremental = dump(station)
    station.events.rebuild_projections()
    assert dump(station) == incremental


def test_server_operators_can_sign_in_at_the_station(make_station, server, tmp_path):
    station = make_station("a")
    receiving = Receiving(station, tmp_path)
    with server.engine.begin() as conn:
        admin.put_reference_rows(
            conn,
            "operator",
            {
                "op-srv-1": {
                    "display_name": "Sam Server",
                    "badge": "B-SRV-1",
                    "role": "supervisor",
                    "pin_hash": cheap_pin_hash("4321"),
                },
                # Clashes with the station's own admin badge: skipped, never fatal.
                "op-srv-2": {
                    "display_name": "Clash",
                    "badge": "B-ADMIN",
                    "role": "technician",
                    "pin_hash": cheap_pin_hash("0000"),
                },
            },
            facility_id=FACILITY,
        )
        # A manifest row that does not fit is kept verbatim, not applied, and blocks nothing.
        admin.put_reference_rows(conn, "manifest", {"m-bad": {"lines": 3}}, facility_id=FACILITY)
        admin.put_reference_rows(conn, "customer", {"c-ok": {"name": "Fine Co"}})
    station.engine.run_once()
    who = receiving.operators.sign_in_with_badge("B-SRV-1", "4321")
    assert who.display_name == "Sam Server"
    assert who.role is Role.SUPERVISOR
    assert receiving.operators.sign_in_with_badge("B-ADMIN", "1111").display_name == "Ada Admin"
    assert ("c-ok", "Fine Co") in receiving.service.customers()
    assert ("manifest", "m-bad") in station.store.reference_rows()


def test_server_admin_cli_publishes_a_manifest(make_station, server, tmp_path):
    station = make_station("a")
    receiving = Receiving(station, tmp_path)
    path = tmp_path / "pickup.csv"
    path.write_text(MANIFEST, encoding="utf-8")
    url = server.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "server-admin",
            "--database-url",
            url,
            "upload-manifest",
            "--facility",
            FACILITY,
            "--customer",
            "CUST-9",
            "--customer-name",
            "Initech",
            "--job",
            "job-cli",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "3 lines" in done.stdout
    station.engine.run_once()
    job = receiving.service._reader.job("JOB-CLI")
    assert job is not None and job.customer_name == "Initech" and job.line_count == 3


def test_server_rubric_reaches_grading(make_station, server):
    station = make_station("a")
    path = Path(__file__).resolve().parents[2] / "resources" / "rubrics" / "laptop.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["version"] = 90
    data["title"] = "Laptop (site policy 2027)"
    with server.engine.begin() as conn:
        admin.put_reference_rows(
            conn,
            "rubric",
            {
                f"{data['id']}@90": {"source_name": "site-laptop.toml", "body": data},
                # A body that is not a rubric, and one filed under the wrong version: skipped.
                "broken@1": {"source_name": "x.toml", "body": {"id": "broken"}},
                f"{data['id']}@91": {"source_name": "y.toml", "body": data},
            },
            facility_id=FACILITY,
        )
    station.engine.run_once()
    published = GradingRepository(station.database.engine).published_rubrics()
    assert [(src, body["version"], body["title"]) for src, body in published] == [
        ("site-laptop.toml", 90, "Laptop (site policy 2027)")
    ]
    assert parse_rubric(published[0][1], "site-laptop.toml").version == 90
    station.events.rebuild_projections()  # a rebuild keeps the server's rubric
    assert GradingRepository(station.database.engine).published_rubrics() == published
    # Withdrawn at the server: gone at the station.
    with server.engine.begin() as conn:
        admin.delete_reference_row(conn, "rubric", f"{data['id']}@90", FACILITY)
    station.engine.run_once()
    assert GradingRepository(station.database.engine).published_rubrics() == []
