"""HTTP client for the central server (httpx, synchronous; retries with tenacity).

One instance per server URL. Not thread-safe for concurrent calls: the sync worker is the only
caller (docs §14). The transport is injectable so tests can run the real server app in-process
with faults in between.

Retry policy (docs §14): connection and read errors, 5xx, 408 and 429 are retried a few times
with exponential back-off and jitter (honouring ``Retry-After``); every other 4xx is an answer,
never retried. This is safe only because every call is idempotent (a push carries event ids).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from app.domain.sync import ServerRefused, ServerUnreachable, StationRevoked
from app.ledger.verify import LedgerRow
from app.sync import wire

_W = TypeVar("_W", bound=BaseModel)
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class Unauthorized(ServerRefused):
    code = "sync.unauthorized"
    template = "The server did not accept this station's credentials ({why})."


class _Retryable(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | _Retryable)


def _plain_transport_error(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "it did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "the connection was refused or the address is wrong"
    if isinstance(exc, httpx.TransportError):
        return "the connection broke"
    if isinstance(exc, _Retryable):
        return f"it answered with error {exc.response.status_code}"
    return "unknown network problem"


def event_json(row: LedgerRow) -> str:
    """The wire JSON of one stored event. ``payload`` and ``refs`` are spliced in as stored
    (canonical JSON text): parsing and re-encoding them would cost more than the hash."""
    head = json.dumps(
        {
            "event_id": row.event_id,
            "station_id": row.station_id,
            "facility_id": row.facility_id,
            "seq": row.seq,
            "hlc": {"l": row.hlc_l, "c": row.hlc_c},
            "device_time": row.device_time,
            "operator_id": row.operator_id,
            "type": row.type,
            "schema_version": row.schema_version,
            "prev_hash": row.prev_hash,
            "hash": row.hash,
            "sig": row.sig,
        },
        ensure_ascii=False,
    )
    return f'{head[:-1]},"payload":{row.payload_json},"refs":{row.refs_json}}}'


def encode_events(rows: Sequence[LedgerRow]) -> str:
    """The comma-joined wire JSON of ``rows`` (the inside of a push body's ``events`` list)."""
    return ",".join(event_json(r) for r in rows)


class SyncClient:
    """Talks to one server. Every method raises :class:`ServerUnreachable` (after retries),
    :class:`Unauthorized`, :class:`StationRevoked` or :class:`ServerRefused`; never a raw httpx
    error."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 15.0,
        attempts: int = 3,
        max_wait_s: float = 2.0,
        sleep: Callable[[float], None] | None = None,
        gzip_level: int = 1,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            headers={"User-Agent": f"itad-station-sync/{wire.PROTOCOL_VERSION}"},
        )
        self._attempts = attempts
        self._max_wait_s = max_wait_s
        self._sleep = sleep
        self._gzip_level = gzip_level

    def close(self) -> None:
        self._http.close()

    # ---- plumbing ----

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and outcome.failed:
            exc = outcome.exception()
            if isinstance(exc, _Retryable):
                after = exc.response.headers.get("retry-after", "")
                if after.isdigit():
                    return min(float(after), self._max_wait_s)
        return wait_random_exponential(multiplier=0.2, max=self._max_wait_s)(state)

    def _request(
        self,
        method: str,
        path: str,
        *,
        token: str = "",
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            reraise=True,
            **({"sleep": self._sleep} if self._sleep is not None else {}),
        )
        try:
            for attempt in retrying:
                with attempt:
                    response = self._http.request(
                        method, path, content=content, headers=all_headers, params=params
                    )
                    if response.status_code in _RETRY_STATUS:
                        raise _Retryable(response)
        except (httpx.TransportError, _Retryable) as exc:
            raise ServerUnreachable(url=self.base_url, why=_plain_transport_error(exc)) from exc
        except httpx.HTTPError as exc:  # invalid URL and the like
            raise ServerRefused(
                why=f"the request could not be made ({type(exc).__name__})"
            ) from exc
        if response.status_code == 401:
            raise Unauthorized(why=_detail(response))
        if response.status_code == 403 and _error_code(response) == "revoked":
            raise StationRevoked()
        return response

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        content = None
        headers = {}
        if body is not None:
            content = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return self._request(method, path, content=content, headers=headers, **kwargs)

    # ---- calls ----

    def enrol(self, request: wire.EnrolRequest) -> wire.EnrolResponse:
        response = self._json("POST", wire.PATH_ENROL, request.model_dump())
        return _parse(response, wire.EnrolResponse)

    def login(self, station_id: str, sign: Callable[[bytes], str]) -> wire.Token:
        """Challenge → signature → short-lived token."""
        response = self._json(
            "POST", wire.PATH_CHALLENGE, wire.ChallengeRequest(station_id=station_id).model_dump()
        )
        challenge = _parse(response, wire.Challenge)
        request = wire.TokenRequest(
            station_id=station_id, nonce=challenge.nonce, sig=sign(challenge.nonce.encode())
        )
        return _parse(self._json("POST", wire.PATH_TOKEN, request.model_dump()), wire.Token)

    def push(
        self,
        token: str,
        station_id: str,
        rows: Sequence[LedgerRow],
        known_tree_size: int | None = None,
        events_json: str | None = None,
    ) -> wire.PushResponse | wire.ExpectedSeq:
        """``known_tree_size``: the last verified checkpoint's size (asks for a consistency
        proof from it in the answer). ``events_json``: :func:`encode_events` of ``rows`` when
        the caller encoded them ahead of time (while the previous batch was at the server)."""
        known = "" if known_tree_size is None else f',"known_tree_size":{int(known_tree_size)}'
        if events_json is None:
            events_json = encode_events(rows)
        body = ('{"events":[' + events_json + "]" + known + "}").encode()
        headers = {"Content-Type": "application/json"}
        if self._gzip_level:
            body = gzip.compress(body, compresslevel=self._gzip_level)
            headers["Content-Encoding"] = "gzip"
        response = self._request(
            "POST",
            wire.PATH_PUSH.format(station_id=station_id),
            token=token,
            content=body,
            headers=headers,
        )
        if response.status_code == 409:
            return _parse(response, wire.ExpectedSeq)
        return _parse(response, wire.PushResponse)

    def head(self, token: str, station_id: str) -> wire.StationHead:
        response = self._request("GET", wire.PATH_HEAD.format(station_id=station_id), token=token)
        return _parse(response, wire.StationHead)

    def changes(self, token: str, since: int, limit: int = 1000) -> wire.ChangesPage | wire.Refetch:
        response = self._request(
            "GET", wire.PATH_CHANGES, token=token, params={"since": since, "limit": limit}
        )
        if response.status_code == 410:
            return _parse(response, wire.Refetch)
        return _parse(response, wire.ChangesPage)

    def checkpoint(self, token: str) -> wire.CheckpointAnswer:
        return _parse(
            self._request("GET", wire.PATH_CHECKPOINT, token=token), wire.CheckpointAnswer
        )

    def consistency(self, token: str, size1: int, size2: int) -> wire.ConsistencyAnswer:
        response = self._request(
            "GET", wire.PATH_CONSISTENCY, token=token, params={"size1": size1, "size2": size2}
        )
        return _parse(response, wire.ConsistencyAnswer)

    def snapshot(self, token: str) -> wire.Snapshot:
        return _parse(self._request("GET", wire.PATH_SNAPSHOT, token=token), wire.Snapshot)

    def put_blob(self, token: str, sha256: str, data: bytes) -> None:
        response = self._request(
            "PUT",
            wire.PATH_BLOB.format(sha256=sha256),
            token=token,
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        if response.status_code not in (200, 201):
            raise ServerRefused(why=_detail(response))

    def heartbeat(self, token: str, station_id: str, beat: wire.Heartbeat) -> wire.HeartbeatAnswer:
        response = self._json(
            "POST",
            wire.PATH_HEARTBEAT.format(station_id=station_id),
            beat.model_dump(),
            token=token,
        )
        return _parse(response, wire.HeartbeatAnswer)


def _error_code(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(data, dict):
        detail = data.get("detail") or data.get("error")
        if isinstance(detail, list):  # FastAPI's request validation errors
            return f"the request did not fit the API ({len(detail)} problem(s))"
        if isinstance(detail, str) and detail:
            return detail.rstrip(".")
    return f"HTTP {response.status_code}"


def _parse(response: httpx.Response, model: type[_W]) -> _W:
    if response.status_code >= 400 and response.status_code not in (409, 410):
        raise ServerRefused(why=_detail(response))
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        # F4: an answer we cannot parse is never taken as success.
        raise ServerRefused(
            why=f"its answer could not be understood (HTTP {response.status_code})"
        ) from exc
