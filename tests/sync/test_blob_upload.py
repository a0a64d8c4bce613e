"""Evidence files in the station's blob store reach the server content-addressed, verified by
hash, after the events that name them; a lost answer, a dropped request or a station restart in
the middle loses nothing and stores nothing twice; a file that no longer matches its hash is set
aside and reported, never sent, and never holds up the others."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import httpx
import pytest

from app.domain.events import CustodyTransferred
from app.domain.sync import ServerUnreachable
from app.ledger.chain import EventDraft
from app.storage.blob_outbox import SqliteBlobOutbox
from app.storage.blob_store import BlobStore
from tests.sync.harness import Fault, FaultyTransport, Station, sync_until_quiet


@dataclass
class BlobFaultTransport(FaultyTransport):
    """Faults only on blob uploads (``PUT``); every PUT that reached the server is logged."""

    blob_faults: list[Fault] = field(default_factory=list)
    puts: list[tuple[str, int]] = field(default_factory=list)  # (sha256, status)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "PUT":
            return super().handle_request(request)
        body = request.read()
        fault = self.blob_faults.pop(0) if self.blob_faults else Fault.NONE
        if fault is Fault.DROP_REQUEST:
            raise httpx.ConnectError("dropped", request=request)
        response = self._forward(request, body)
        self.puts.append((request.url.path.rsplit("/", 1)[-1], response.status_code))
        if fault is Fault.DROP_RESPONSE:
            raise httpx.RemoteProtocolError("connection closed", request=request)
        return response


def with_blobs(station: Station, transport: BlobFaultTransport) -> SqliteBlobOutbox:
    """(Re)build the station's sync engine with its blob store as the upload outbox."""
    station.transport = transport
    outbox = SqliteBlobOutbox(station.database.engine, BlobStore(station.data_dir / "blobs"))
    station.engine.close()
    station.engine = station.make_engine(blobs=outbox)
    return outbox


def evidence(station: Station, count: int) -> dict[str, bytes]:
    """``count`` distinct files in the blob store, and one event naming them all."""
    store = BlobStore(station.data_dir / "blobs")
    files = {}
    for i in range(count):
        data = f"photo {i} of the dock, station {station.name}\n".encode() * (50 + i)
        files[store.put(data)] = data
    station.events.append(
        [
            EventDraft(
                type=CustodyTransferred.event_type,
                payload=CustodyTransferred(
                    kind="DOCK_RECEIVE",
                    from_party="carrier",
                    to_party="dock",
                    container_ids=("C1",),
                ).model_dump(mode="json"),
                operator_id="op-1",
                refs={"blobs": sorted(files)},
            )
        ]
    )
    return files


def server_blobs(server) -> dict[str, bytes]:
    return {r[0]: bytes(r[1]) for r in server.sql("SELECT sha256, data FROM blobs")}


def test_files_arrive_after_their_events_verified_by_hash(make_station, server):
    station = make_station("a")
    transport = BlobFaultTransport(server.test_client)
    outbox = with_blobs(station, transport)
    files = evidence(station, 5)
    # The event goes first, even when every file upload is dropped this round.
    transport.blob_faults = [Fault.DROP_REQUEST]
    with pytest.raises(ServerUnreachable):
        station.engine.run_once()
    assert station.store.pending_summary().count == 0  # the event is on the server already
    assert server_blobs(server) == {}
    assert outbox.pending_blob_count() == 5

    sync_until_quiet(station)
    assert server_blobs(server) == files
    assert all(hashlib.sha256(d).hexdigest() == h for h, d in server_blobs(server).items())
    assert outbox.pending_blob_count() == 0
    assert sorted(h for h, status in transport.puts if status == 201) == sorted(files)


def test_restart_mid_upload_loses_nothing_and_stores_nothing_twice(make_station, server):
    station = make_station("a")
    transport = BlobFaultTransport(server.test_client)
    with_blobs(station, transport)
    files = evidence(station, 6)
    # Two files go through, the third is stored but its answer is lost, then the station dies.
    transport.blob_faults = [Fault.NONE, Fault.NONE, Fault.DROP_RESPONSE]
    with pytest.raises(ServerUnreachable):
        station.engine.run_once()
    assert len(server_blobs(server)) == 3
    station.crash()
    outbox = with_blobs(station, transport)
    assert outbox.pending_blob_count() == 4  # the 3rd was never confirmed: it goes again

    sync_until_quiet(station)
    assert server_blobs(server) == files
    created = [h for h, status in transport.puts if status == 201]
    assert sorted(created) == sorted(files)  # each stored exactly once
    again = [h for h, status in transport.puts if status == 200]
    assert len(again) == 1  # only the unconfirmed one was sent twice; the server kept one copy
    # Nothing is ever re-sent once confirmed.
    sync_until_quiet(station)
    assert len(transport.puts) == 7


def test_a_corrupt_local_file_is_set_aside_not_sent(make_station, server):
    station = make_station("a")
    transport = BlobFaultTransport(server.test_client)
    outbox = with_blobs(station, transport)
    files = evidence(station, 3)
    bad = sorted(files)[1]
    path = BlobStore(station.data_dir / "blobs").path_of(bad)
    path.write_bytes(path.read_bytes()[:-1] + b"X")  # bit rot after it was stored

    sync_until_quiet(station)
    assert set(server_blobs(server)) == set(files) - {bad}
    assert bad not in {h for h, _ in transport.puts}
    assert outbox.pending_blob_count() == 0
    assert outbox.problem_blobs() == {bad: "corrupt: the file no longer matches its SHA-256"}


def test_server_refuses_a_file_whose_content_does_not_match(make_station, server):
    station = make_station("a")
    token = station.engine._authed(
        station.engine._client_for("http://itad-server.test"), lambda t: t
    )
    sha = hashlib.sha256(b"real").hexdigest()
    answer = server.test_client.put(
        f"/v1/blobs/{sha}", content=b"forged", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 422
    assert server_blobs(server) == {}
