"""Station authentication: a signed challenge buys a short-lived bearer token (docs §12).

Challenges and tokens are HMACs under a secret every server process shares (stored in the
database), so any process can check what another issued; nothing per-login is stored. A token
names its station and facility; revocation is checked against the ``stations`` row on every
request, so a token never outlives a revocation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

CHALLENGE_TTL_MS = 60_000
TOKEN_TTL_MS = 15 * 60_000


class AuthFailed(Exception):
    """The token or the challenge answer is not valid (the reason is for the log, not a person)."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    station_id: str
    facility_id: str
    expires_at_ms: int


class TokenAuthority:
    """Issues and checks challenges and tokens. Thread-safe (immutable)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, *parts: str) -> str:
        message = "\n".join(parts).encode()
        return base64.urlsafe_b64encode(
            hmac.new(self._secret, message, hashlib.sha256).digest()
        ).decode()[:43]

    def challenge(self, station_id: str, now_ms: int) -> tuple[str, int]:
        expires = now_ms + CHALLENGE_TTL_MS
        rand = secrets.token_urlsafe(16)
        mac = self._mac("challenge", station_id, str(expires), rand)
        return f"c1.{expires}.{rand}.{mac}", expires

    def check_challenge(self, station_id: str, nonce: str, now_ms: int) -> None:
        try:
            version, expires, rand, mac = nonce.split(".")
        except ValueError as exc:
            raise AuthFailed("malformed challenge") from exc
        if version != "c1" or not hmac.compare_digest(
            mac, self._mac("challenge", station_id, expires, rand)
        ):
            raise AuthFailed("challenge not issued by this server for this station")
        if int(expires) < now_ms:
            raise AuthFailed("challenge expired")

    def token(self, station_id: str, facility_id: str, now_ms: int) -> tuple[str, int]:
        expires = now_ms + TOKEN_TTL_MS
        body = base64.urlsafe_b64encode(f"{station_id}\n{facility_id}\n{expires}".encode())
        text = body.decode().rstrip("=")
        return f"t1.{text}.{self._mac('token', text)}", expires

    def check_token(self, token: str, now_ms: int) -> TokenClaims:
        try:
            version, text, mac = token.split(".")
        except ValueError as exc:
            raise AuthFailed("malformed token") from exc
        if version != "t1" or not hmac.compare_digest(mac, self._mac("token", text)):
            raise AuthFailed("token not issued by this server")
        padded = text + "=" * (-len(text) % 4)
        station_id, facility_id, expires = base64.urlsafe_b64decode(padded).decode().split("\n")
        if int(expires) < now_ms:
            raise AuthFailed("token expired")
        return TokenClaims(station_id, facility_id, int(expires))
