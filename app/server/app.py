"""The central server's HTTP API (FastAPI). ``create_app`` is the factory; ``app_from_env`` is the
factory uvicorn calls in each worker process.

Every database call runs on a worker thread (SQLAlchemy is synchronous here); the event loop only
parses requests and writes answers. The OpenAPI schema is served at ``/openapi.json`` and the
interactive docs at ``/docs``.

No ``from __future__ import annotations`` here: FastAPI reads the endpoint annotations at
runtime, and they name dependencies local to :func:`create_app`.
"""

import base64
import dataclasses
import gzip
import hashlib
import hmac
import logging
import os
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, select

from app.domain.errors import UserFacingError
from app.ledger.checkpoint import Checkpoint, CheckpointSigner
from app.ledger.hlc import HlcTimestamp, HybridLogicalClock
from app.ledger.keys import verify_signature
from app.server import admin, exceptions, facility_views, merkle_log, schema
from app.server.auth import AuthFailed, TokenAuthority, TokenClaims
from app.server.database import create_server_engine, migrate, server_secret
from app.server.ingest import ExpectedSeqError, StationRecord, check_crypto, ingest, record_incident
from app.sync import wire

log = logging.getLogger(__name__)

#: An HLC further ahead of server time than this is stored unchanged but not taken in (§9).
MAX_HLC_AHEAD_MS = 5 * 60_000
MAX_BLOB_BYTES = 64 * 1024 * 1024
ENV_DATABASE_URL = "ITAD_SERVER_DATABASE_URL"
ENV_ADMIN_TOKEN = "ITAD_SERVER_ADMIN_TOKEN"  # noqa: S105 - the variable's name, not a secret


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class CodeRequest(BaseModel):
    facility_id: str


class CodeResponse(BaseModel):
    code: str
    facility_id: str


def _error(status: int, error: str, detail: str = "") -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail})


class _ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str = "") -> None:
        super().__init__(error)
        self.status, self.error, self.detail = status, error, detail


def create_app(  # noqa: PLR0915 - the routes share the factory's state; one place lists them
    engine: Engine,
    *,
    admin_token: str = "",
    now_ms: Callable[[], int] = _now_ms,
    run_migrations: bool = True,
    checkpoint_signer: CheckpointSigner | None = None,
) -> FastAPI:
    """Build the API over ``engine``. ``admin_token`` empty disables the admin endpoints.
    ``checkpoint_signer`` None loads the checkpoint key file (:func:`merkle_log.load_signer`)."""
    if run_migrations:
        migrate(engine)
    signer = checkpoint_signer or merkle_log.load_signer()
    merkle_log.bind_signer(engine, signer)
    authority = TokenAuthority(server_secret(engine))
    hlc = HybridLogicalClock(now_ms=now_ms)
    crypto_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-crypto")
    api = FastAPI(
        title="ITAD central server",
        version=str(wire.PROTOCOL_VERSION),
        description="Ingest of signed station events with per-event receipts, reference data "
        "by cursor, enrolment, blobs. See docs/sync-protocol.md.",
    )
    api.state.engine = engine

    @api.exception_handler(_ApiError)
    async def _on_api_error(_request: Request, exc: _ApiError) -> JSONResponse:
        return _error(exc.status, exc.error, exc.detail)

    @api.exception_handler(UserFacingError)
    async def _on_user_error(_request: Request, exc: UserFacingError) -> JSONResponse:
        return _error(422, exc.code, exc.message)

    def claims(authorization: Annotated[str, Header()] = "") -> TokenClaims:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _ApiError(401, "unauthorized", "a bearer token is required")
        try:
            return authority.check_token(token, now_ms())
        except AuthFailed as exc:
            raise _ApiError(401, "unauthorized", str(exc)) from exc

    def require_admin(
        authorization: Annotated[str, Header()] = "", token: Annotated[str, Query()] = ""
    ) -> None:
        given = token or authorization.partition(" ")[2]
        if not admin_token or not hmac.compare_digest(given.encode(), admin_token.encode()):
            raise _ApiError(403, "forbidden", "admin token required")

    def load_station(station_id: str) -> StationRecord | None:
        with engine.connect() as conn:
            row = conn.execute(
                select(schema.stations).where(schema.stations.c.station_id == station_id)
            ).first()
        if row is None:
            return None
        return StationRecord(
            row.station_id, row.facility_id, bytes.fromhex(row.public_key_hex), row.revoked
        )

    def active_station(claim: TokenClaims, *, action: str) -> StationRecord:
        station = load_station(claim.station_id)
        if station is None:
            raise _ApiError(401, "unauthorized", "unknown station")
        if station.revoked:
            with engine.begin() as conn:
                record_incident(
                    conn,
                    kind="revoked_station",
                    station_id=station.station_id,
                    facility_id=station.facility_id,
                    detail=f"{action} attempted by a revoked station",
                    now_ms=now_ms(),
                )
            raise _ApiError(403, "revoked", "this station has been revoked")
        return station

    def server_hlc() -> wire.Hlc:
        stamp = hlc.tick()
        return wire.Hlc(l=stamp.l, c=stamp.c)

    # ---- enrolment and authentication ----

    @api.post(wire.PATH_ENROL, response_model=wire.EnrolResponse)
    def enrol(request: wire.EnrolRequest) -> wire.EnrolResponse:
        message = wire.enrolment_message(request.code, request.station_id, request.public_key_hex)
        digest_ok = verify_signature(bytes.fromhex(request.public_key_hex), message, request.sig)
        if not digest_ok:
            raise _ApiError(422, "bad_signature", "the enrolment is not signed by that key")
        with engine.begin() as conn:
            facility = admin.enrol_station(
                conn,
                code=request.code,
                station_id=request.station_id,
                station_name=request.station_name,
                public_key_hex=request.public_key_hex,
                now_ms=now_ms(),
            )
        return wire.EnrolResponse(
            station_id=request.station_id,
            facility_id=facility,
            checkpoint_key=signer.verifier.text,
        )

    @api.post(wire.PATH_CHALLENGE, response_model=wire.Challenge)
    def challenge(request: wire.ChallengeRequest) -> wire.Challenge:
        nonce, expires = authority.challenge(request.station_id, now_ms())
        return wire.Challenge(station_id=request.station_id, nonce=nonce, expires_at_ms=expires)

    @api.post(wire.PATH_TOKEN, response_model=wire.Token)
    def token(request: wire.TokenRequest) -> wire.Token:
        now = now_ms()
        try:
            authority.check_challenge(request.station_id, request.nonce, now)
        except AuthFailed as exc:
            raise _ApiError(401, "unauthorized", str(exc)) from exc
        station = load_station(request.station_id)
        if station is None:
            raise _ApiError(401, "unauthorized", "unknown station")
        if not verify_signature(station.public_key, request.nonce.encode(), request.sig):
            raise _ApiError(401, "unauthorized", "challenge not signed by the station key")
        active_station(TokenClaims(station.station_id, station.facility_id, 0), action="login")
        text, expires = authority.token(station.station_id, station.facility_id, now)
        return wire.Token(token=text, expires_at_ms=expires, facility_id=station.facility_id)

    # ---- push ----

    def push_sync(station: StationRecord, body: bytes) -> wire.PushResponse | JSONResponse:
        try:
            request = wire.PushRequest.model_validate_json(body)
        except ValidationError as exc:
            raise _ApiError(
                422, "malformed", f"{exc.error_count()} problem(s) in the batch"
            ) from exc
        checked = check_crypto(station, request.events, crypto_pool)
        now = now_ms()
        try:
            with engine.begin() as conn:
                result = ingest(conn, station, checked, now_ms=now, signer=signer)
                # Same transaction: receipts another station made too become exceptions.
                found = exceptions.detect_receipt_conflicts(
                    conn, station.facility_id, exceptions.accepted(request.events, result), now
                )
        except ExpectedSeqError as exc:
            return JSONResponse(
                status_code=409,
                content=wire.ExpectedSeq(
                    expected_seq=exc.expected_seq, head_hash=exc.head_hash
                ).model_dump(),
            )
        for incident in result.incidents:
            log.warning(
                "incident %s from %s: %s", incident["kind"], station.station_id, incident["detail"]
            )
        for exception in found:
            log.warning("exception %s from %s", exception["exception_id"], station.station_id)
        newest = max((e.hlc.l for e in request.events), default=0)
        if newest and newest <= now + MAX_HLC_AHEAD_MS:
            hlc.receive(HlcTimestamp(newest, 0))
        checkpoint, proof = log_answer(result.checkpoint, request.known_tree_size)
        return wire.PushResponse(
            receipts=result.receipts,
            high_water_seq=result.high_water_seq,
            head_hash=result.head_hash,
            server_hlc=server_hlc(),
            checkpoint=checkpoint.note,
            consistency=proof,
        )

    @api.post(
        wire.PATH_PUSH,
        response_model=wire.PushResponse,
        openapi_extra={
            "requestBody": {
                "content": {"application/json": {"schema": wire.PushRequest.model_json_schema()}}
            }
        },
    )
    async def push(
        station_id: str, request: Request, claim: Annotated[TokenClaims, Depends(claims)]
    ) -> Any:
        if claim.station_id != station_id:
            raise _ApiError(403, "forbidden", "a station may only push its own events")
        body = await _read_body(request, wire.MAX_PUSH_BYTES)
        station = await anyio.to_thread.run_sync(lambda: active_station(claim, action="push"))
        return await anyio.to_thread.run_sync(push_sync, station, body)

    @api.get(wire.PATH_HEAD, response_model=wire.StationHead)
    def head(station_id: str, claim: Annotated[TokenClaims, Depends(claims)]) -> wire.StationHead:
        if claim.station_id != station_id:
            raise _ApiError(403, "forbidden", "a station may only read its own head")
        active_station(claim, action="head")
        with engine.connect() as conn:
            row = conn.execute(
                select(schema.station_heads).where(schema.station_heads.c.station_id == station_id)
            ).first()
        if row is None:
            return wire.StationHead(station_id=station_id, high_water_seq=0, head_hash="0" * 64)
        return wire.StationHead(
            station_id=station_id, high_water_seq=row.last_seq, head_hash=row.head_hash
        )

    # ---- the tamper-evident log (docs §10) ----

    def log_answer(
        fresh: Checkpoint | None, known_size: int | None
    ) -> tuple[Checkpoint, list[str]]:
        """The checkpoint for a push answer (this transaction's, else the newest) and the
        consistency proof from ``known_size``. Committed nodes never change, so this reads
        outside the ingest transaction."""
        with engine.connect() as conn:
            checkpoint = fresh or merkle_log.latest_checkpoint(conn, signer)
            if known_size is None or known_size > checkpoint.size:
                return checkpoint, []
            proof = merkle_log.consistency(conn, known_size, checkpoint.size)
        return checkpoint, [_b64(h) for h in proof]

    @api.get(wire.PATH_CHECKPOINT, response_model=wire.CheckpointAnswer)
    def latest_checkpoint(
        _claim: Annotated[TokenClaims, Depends(claims)],
    ) -> wire.CheckpointAnswer:
        with engine.connect() as conn:
            return wire.CheckpointAnswer(
                checkpoint=merkle_log.latest_checkpoint(conn, signer).note,
                checkpoint_key=signer.verifier.text,
            )

    @api.get(wire.PATH_CONSISTENCY, response_model=wire.ConsistencyAnswer)
    def consistency_proof(
        _claim: Annotated[TokenClaims, Depends(claims)],
        size1: Annotated[int, Query(ge=0)],
        size2: Annotated[int, Query(ge=0)],
    ) -> wire.ConsistencyAnswer:
        with engine.connect() as conn:
            committed = merkle_log.committed_size(conn)
            if not size1 <= size2 <= committed:
                raise _ApiError(
                    422, "bad_range", f"need size1 <= size2 <= {committed} (the log's size)"
                )
            proof = merkle_log.consistency(conn, size1, size2)
        return wire.ConsistencyAnswer(size1=size1, size2=size2, proof=[_b64(h) for h in proof])

    @api.get(wire.PATH_INCLUSION, response_model=wire.InclusionAnswer)
    def inclusion_proof(
        _claim: Annotated[TokenClaims, Depends(claims)],
        server_seq: Annotated[int, Query(ge=1)],
        tree_size: Annotated[int, Query(ge=1)],
    ) -> wire.InclusionAnswer:
        with engine.connect() as conn:
            committed = merkle_log.committed_size(conn)
            if not server_seq <= tree_size <= committed:
                raise _ApiError(
                    422,
                    "bad_range",
                    f"need server_seq <= tree_size <= {committed} (the log's size)",
                )
            proof = merkle_log.inclusion(conn, server_seq - 1, tree_size)
        return wire.InclusionAnswer(
            leaf_index=server_seq - 1, tree_size=tree_size, proof=[_b64(h) for h in proof]
        )

    # ---- pull ----

    @api.get(
        wire.PATH_CHANGES,
        response_model=wire.ChangesPage,
        responses={410: {"model": wire.Refetch}},
    )
    def changes(
        claim: Annotated[TokenClaims, Depends(claims)],
        since: int = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> Any:
        station = active_station(claim, action="pull")
        table = schema.reference_rows
        with engine.connect() as conn:
            counters = {
                r.name: r.value
                for r in conn.execute(select(schema.counters.c.name, schema.counters.c.value))
            }
            floor = int(counters[schema.REF_FLOOR])
            if since < floor:
                return JSONResponse(
                    status_code=410, content=wire.Refetch(oldest_cursor=floor).model_dump()
                )
            # Everything up to the committed counter is visible now (the counter row is the
            # sequencer: a change holding a higher number has not committed yet).
            horizon = int(counters[schema.CHANGE_SEQ])
            rows = conn.execute(
                select(table)
                .where(
                    table.c.change_seq > since,
                    table.c.change_seq <= horizon,
                    table.c.facility_id.in_(["", station.facility_id]),
                )
                .order_by(table.c.change_seq)
                .limit(limit + 1)
            ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = rows[-1].change_seq if has_more else max(horizon, since)
        return wire.ChangesPage(
            rows=[_ref_row(r) for r in rows], next_cursor=next_cursor, has_more=has_more
        )

    @api.get(wire.PATH_SNAPSHOT, response_model=wire.Snapshot)
    def snapshot(claim: Annotated[TokenClaims, Depends(claims)]) -> wire.Snapshot:
        station = active_station(claim, action="snapshot")
        table = schema.reference_rows
        with engine.connect() as conn:
            horizon = conn.execute(
                select(schema.counters.c.value).where(schema.counters.c.name == schema.CHANGE_SEQ)
            ).scalar_one()
            rows = conn.execute(
                select(table)
                .where(
                    table.c.deleted.is_(False),
                    table.c.change_seq <= horizon,
                    table.c.facility_id.in_(["", station.facility_id]),
                )
                .order_by(table.c.change_seq)
            ).all()
        return wire.Snapshot(rows=[_ref_row(r) for r in rows], cursor=int(horizon))

    # ---- blobs ----

    @api.put(wire.PATH_BLOB, status_code=201)
    async def put_blob(
        sha256: str, request: Request, claim: Annotated[TokenClaims, Depends(claims)]
    ) -> Response:
        body = await _read_body(request, MAX_BLOB_BYTES)
        if hashlib.sha256(body).hexdigest() != sha256.lower():
            raise _ApiError(422, "hash_mismatch", "the content does not match its SHA-256")

        def store() -> bool:
            active_station(claim, action="blob upload")
            with engine.begin() as conn:
                stmt = admin._insert(conn, schema.blobs).values(
                    sha256=sha256.lower(),
                    size_bytes=len(body),
                    data=body,
                    received_at_ms=now_ms(),
                )
                inserted = conn.execute(
                    stmt.on_conflict_do_nothing().returning(schema.blobs.c.sha256)
                ).first()
                return inserted is not None

        created = await anyio.to_thread.run_sync(store)
        return Response(status_code=201 if created else 200)

    @api.get(wire.PATH_BLOB)
    def get_blob(sha256: str, _claim: Annotated[TokenClaims, Depends(claims)]) -> Response:
        with engine.connect() as conn:
            data = conn.execute(
                select(schema.blobs.c.data).where(schema.blobs.c.sha256 == sha256.lower())
            ).scalar_one_or_none()
        if data is None:
            raise _ApiError(404, "not_found", "no such blob")
        return Response(content=bytes(data), media_type="application/octet-stream")

    # ---- administration ----

    @api.post("/v1/admin/enrolment-codes", response_model=CodeResponse)
    def create_code(
        request: CodeRequest, _admin: Annotated[None, Depends(require_admin)]
    ) -> CodeResponse:
        with engine.begin() as conn:
            code = admin.new_enrolment_code(conn, request.facility_id, now_ms())
        return CodeResponse(code=code, facility_id=request.facility_id)

    @api.post("/v1/admin/stations/{station_id}/revoke")
    def revoke(station_id: str, _admin: Annotated[None, Depends(require_admin)]) -> dict[str, Any]:
        with engine.begin() as conn:
            found = admin.revoke_station(conn, station_id, now_ms())
        if not found:
            raise _ApiError(404, "not_found", "no such station")
        return {"station_id": station_id, "revoked": True}

    @api.put("/v1/admin/reference/{kind}/{row_id}")
    def put_reference(
        kind: str,
        row_id: str,
        body: dict[str, Any],
        _admin: Annotated[None, Depends(require_admin)],
        facility_id: str = "",
    ) -> dict[str, Any]:
        with engine.begin() as conn:
            seq = admin.put_reference_rows(conn, kind, {row_id: body}, facility_id=facility_id)
        return {"change_seq": seq}

    @api.post("/v1/admin/facilities/{facility_id}/manifests")
    async def upload_manifest(
        facility_id: str,
        request: Request,
        *,
        _admin: Annotated[None, Depends(require_admin)],
        customer_id: str,
        job_id: str,
        customer_name: str = "",
        file_name: str = "manifest.csv",
        manifest_id: str = "",
    ) -> dict[str, Any]:
        """The request body is the manifest file itself (CSV or XLSX, as a station imports
        it); it becomes reference data the facility's stations pull. 422 names the bad row."""
        data = await _read_body(request, MAX_BLOB_BYTES)

        def store() -> admin.UploadedManifest:
            with engine.begin() as conn:
                return admin.upload_manifest(
                    conn,
                    data=data,
                    file_name=file_name,
                    facility_id=facility_id,
                    customer_id=customer_id,
                    job_id=job_id,
                    customer_name=customer_name,
                    manifest_id=manifest_id,
                )

        uploaded = await anyio.to_thread.run_sync(store)
        return dataclasses.asdict(uploaded)

    @api.delete("/v1/admin/reference/{kind}/{row_id}")
    def delete_reference(
        kind: str,
        row_id: str,
        _admin: Annotated[None, Depends(require_admin)],
        facility_id: str = "",
    ) -> dict[str, Any]:
        with engine.begin() as conn:
            admin.delete_reference_row(conn, kind, row_id, facility_id)
        return {"deleted": True}

    @api.get("/v1/admin/incidents")
    def list_incidents(_admin: Annotated[None, Depends(require_admin)]) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            rows = conn.execute(
                select(schema.incidents).order_by(schema.incidents.c.incident_id)
            ).all()
        return [dict(r._mapping) for r in rows]

    @api.get("/healthz")
    def healthz() -> dict[str, Any]:
        with engine.connect() as conn:
            conn.execute(select(1))
        return {"ok": True, "protocol": wire.PROTOCOL_VERSION}

    @api.get("/facilities/{facility_id}", response_class=HTMLResponse)
    def facility_page(
        facility_id: str, _admin: Annotated[None, Depends(require_admin)]
    ) -> HTMLResponse:
        return HTMLResponse(facility_views.page_html(engine, facility_id, now_ms()))

    @api.get("/v1/admin/facilities/{facility_id}/exceptions")
    def list_exceptions(
        facility_id: str, _admin: Annotated[None, Depends(require_admin)]
    ) -> list[dict[str, Any]]:
        """Open cross-station exceptions (e.g. one serial received by two stations)."""
        with engine.connect() as conn:
            return facility_views.open_exceptions(conn, facility_id)

    @api.get("/v1/admin/facilities/{facility_id}/stations")
    def list_station_health(
        facility_id: str, _admin: Annotated[None, Depends(require_admin)]
    ) -> list[dict[str, Any]]:
        """Each station's last contact, last heartbeat and whether it is stale."""
        with engine.connect() as conn:
            return facility_views.station_health(conn, facility_id, now_ms())

    @api.post(wire.PATH_HEARTBEAT, response_model=wire.HeartbeatAnswer)
    def heartbeat(
        station_id: str, beat: wire.Heartbeat, claim: Annotated[TokenClaims, Depends(claims)]
    ) -> wire.HeartbeatAnswer:
        if claim.station_id != station_id:
            raise _ApiError(403, "forbidden", "a station may only report for itself")
        station = active_station(claim, action="heartbeat")
        with engine.begin() as conn:
            return facility_views.record_heartbeat(conn, station, beat, now_ms())

    return api


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def _read_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _ApiError(413, "too_large", f"more than {limit} bytes")
    encoding = request.headers.get("content-encoding", "").lower()
    if encoding == "gzip":
        try:
            data = gzip.decompress(bytes(body))
        except (OSError, EOFError, zlib.error) as exc:
            raise _ApiError(400, "bad_gzip", "the body is not valid gzip") from exc
        if len(data) > limit * 8:
            raise _ApiError(413, "too_large", "the body inflates too far")
        return data
    if encoding not in ("", "identity"):
        raise _ApiError(415, "unsupported_encoding", encoding)
    return bytes(body)


def _ref_row(row: Any) -> wire.RefRow:
    import json  # noqa: PLC0415 - tiny helper, keeps the module's imports about HTTP

    return wire.RefRow(
        kind=row.kind,
        row_id=row.row_id,
        change_seq=row.change_seq,
        deleted=row.deleted,
        body=json.loads(row.body),
    )


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker process builds its own engine)."""
    url = os.environ.get(ENV_DATABASE_URL, "")
    if not url:
        raise RuntimeError(f"set {ENV_DATABASE_URL} to the server's database URL")
    engine = create_server_engine(url)
    return create_app(engine, admin_token=os.environ.get(ENV_ADMIN_TOKEN, ""))
