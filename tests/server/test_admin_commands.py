"""The server's command-line administration (``itad-station server-admin``), through
``app.server.run`` on real PostgreSQL: each command migrates, commits its one transaction and
releases its connections; what it did is visible to the running server."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.server import run, schema
from app.server.admin import ReferenceFileInvalid
from tests.sync.harness import FACILITY, SERVER_URL


def test_admin_commands_enrol_revoke_and_load_reference(make_station, server, tmp_path):
    url = server.engine.url.render_as_string(hide_password=False)

    code = run.create_code(url, FACILITY)
    station = make_station("a", enrol=False)
    station.engine.enrol(SERVER_URL, code, "bench a")  # the printed code enrols a station
    station.record(3)
    assert station.engine.run_once().acknowledged == 3

    assert run.revoke(url, station.station_id) is True
    assert run.revoke(url, "st-nobody") is False  # the CLI reports "no station st-nobody"
    st = schema.stations
    with server.engine.connect() as conn:
        revoked = conn.execute(
            select(st.c.revoked).where(st.c.station_id == station.station_id)
        ).scalar_one()
    assert revoked is True

    path = tmp_path / "reference.json"
    path.write_text(
        json.dumps(
            {
                "facility_id": FACILITY,
                "customers": {"c-1": {"name": "Initech"}, "c-2": {"name": "Globex"}},
                "operators": {"op-9": {"display_name": "Ada"}},
            }
        ),
        encoding="utf-8",
    )
    assert run.load_reference(url, path) == 3
    ref = schema.reference_rows
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(ref.c.kind, ref.c.row_id, ref.c.facility_id).order_by(ref.c.kind, ref.c.row_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("customers", "c-1", FACILITY),
        ("customers", "c-2", FACILITY),
        ("operators", "op-9", FACILITY),
    ]


def test_a_bad_reference_file_is_named_and_loads_nothing(server, tmp_path):
    url = server.engine.url.render_as_string(hide_password=False)
    with server.engine.connect() as conn:
        before = conn.execute(select(schema.reference_rows)).all()
    cases = {
        "broken.json": ('{"customers": {"c-1": ', "line 1, column 23"),
        "list.json": ("[1, 2]", "one JSON object"),
        "kind.json": ('{"customers": {"c-1": {}}, "operators": [1]}', '"operators" must be'),
    }
    for name, (text, expected) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ReferenceFileInvalid) as err:
            run.load_reference(url, path)
        assert expected in err.value.message and "Nothing was stored" in err.value.message
        if name == "broken.json":
            assert str(path) in err.value.message
    with pytest.raises(ReferenceFileInvalid, match="cannot be read"):
        run.load_reference(url, tmp_path / "missing.json")
    with server.engine.connect() as conn:
        assert conn.execute(select(schema.reference_rows)).all() == before
