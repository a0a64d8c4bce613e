"""Signed tree heads: C2SP ``tlog-checkpoint`` bodies inside C2SP ``signed-note`` envelopes.

A checkpoint says "the log named ORIGIN has SIZE entries and this Merkle root" (docs:
sync-protocol §10.3). Byte layout, as the C2SP specifications and Go's ``sumdb/note`` define it:

* body: ``<origin>\\n<tree size, decimal>\\n<root hash, standard base64>\\n`` (extension lines
  may follow; this log writes none and a verifier ignores them);
* then one blank line, then signature lines ``— <key name> <base64(key id || signature)>\\n``
  (U+2014 EM DASH, a space, the name, a space);
* Ed25519 signs the body bytes, final newline included; the key id is the first 4 bytes of
  ``SHA-256(key name || 0x0A || 0x01 || public key)``;
* a verifier key is written ``<name>+<key id hex>+<base64(0x01 || public key)>`` and a signer key
  ``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>`` (Go's formats, so the server's key
  can be checked with ordinary tooling). The key name is the checkpoint's origin.

The station pins the verifier key at enrolment and refuses any checkpoint it does not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings
import nacl.exceptions
import nacl.signing

EM_DASH = "\u2014"
ALG_ED25519 = 0x01
_NAME_RE = re.compile(r"^[^\s+]+$")
_MAX_NOTE_BYTES = 64 * 1024


class CheckpointError(ValueError):
    """A note or key that must not be trusted; the message says what is wrong in plain words."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A verified (or freshly signed) checkpoint. ``note`` is the exact signed text."""

    origin: str
    size: int
    root: bytes
    note: str

    @property
    def root_hex(self) -> str:
        return self.root.hex()


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name):
        raise CheckpointError(f"key name {name!r} must be non-empty without spaces or '+'")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    name: str
    key_id: bytes
    public_key: bytes

    @property
    def text(self) -> str:
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        name, _, rest = text.strip().partition("+")
        id_hex, _, blob = rest.partition("+")
        try:
            raw = base64.b64decode(blob, validate=True)
            kid = bytes.fromhex(id_hex)
        except (ValueError, binascii.Error) as exc:
            raise CheckpointError("the server's checkpoint key is not readable") from exc
        _check_name(name)
        if len(kid) != 4 or len(raw) != 33 or raw[0] != ALG_ED25519:
            raise CheckpointError("the server's checkpoint key is not an Ed25519 note key")
        if key_id(name, raw[1:]) != kid:
            raise CheckpointError("the server's checkpoint key has a wrong key id")
        return cls(name, kid, raw[1:])


class CheckpointSigner:
    """The server's checkpoint key (Ed25519). Thread-safe (signing is pure)."""

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        if len(seed) != 32:
            raise CheckpointError("an Ed25519 seed is 32 bytes")
        self.name = name
        self._seed = seed
        signing = nacl.signing.SigningKey(seed)
        self._secret = bytes(signing._signing_key)
        public = bytes(signing.verify_key)
        self.verifier = VerifierKey(name, key_id(name, public), public)

    @classmethod
    def generate(cls, name: str) -> CheckpointSigner:
        return cls(name, os.urandom(32))

    @property
    def private_text(self) -> str:
        blob = base64.b64encode(bytes([ALG_ED25519]) + self._seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> CheckpointSigner:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise CheckpointError("not a PRIVATE+KEY note signer key")
        _p, _k, name, id_hex, blob = parts
        try:
            raw = base64.b64decode(blob, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise CheckpointError("the signer key is damaged") from exc
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise CheckpointError("the signer key is not an Ed25519 note key")
        signer = cls(name, raw[1:])
        if signer.verifier.key_id.hex() != id_hex.lower():
            raise CheckpointError("the signer key's id does not match its key")
        return signer

    def sign_text(self, text: str) -> str:
        """Sign ``text`` (which must end in a newline) as a one-signature note."""
        if not text.endswith("\n") or "\n\n" in text:
            raise CheckpointError("a note text ends with one newline and has no blank line")
        sig = nacl.bindings.crypto_sign(text.encode(), self._secret)[:64]
        blob = base64.b64encode(self.verifier.key_id + sig).decode()
        return f"{text}\n{EM_DASH} {self.name} {blob}\n"

    def sign(self, size: int, root: bytes) -> Checkpoint:
        """A checkpoint for the log named after this key."""
        note = self.sign_text(checkpoint_body(self.name, size, root))
        return Checkpoint(self.name, size, root, note)

    @classmethod
    def load_or_create(cls, path: Path, name: str) -> CheckpointSigner:
        """Load the key file at ``path``; create it (mode 0600, named ``name``) if missing."""
        if not path.exists():
            signer = cls.generate(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                # O_EXCL: of two processes starting at once, only one writes a key.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(signer.private_text + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
                return signer
        text = path.read_text(encoding="ascii")
        if not text.endswith("\n"):  # another process is still writing it
            raise CheckpointError(f"{path} is incomplete; start again")
        try:
            return cls.parse(text)
        except CheckpointError as exc:
            raise CheckpointError(f"{path}: {exc}") from exc


def open_note(note: str, verifier: VerifierKey) -> str:
    """Return the text of ``note`` if it carries a valid signature by ``verifier``; raise
    :class:`CheckpointError` otherwise (unknown signers are ignored, as the spec says)."""
    if len(note.encode()) > _MAX_NOTE_BYTES:
        raise CheckpointError("the checkpoint is too large")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise CheckpointError("the checkpoint contains control characters")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise CheckpointError("the checkpoint is not a signed note")
    text, sig_block = note[: split + 1], note[split + 2 :]
    found = False
    for line in sig_block.splitlines():
        prefix = f"{EM_DASH} "
        if not line.startswith(prefix):
            raise CheckpointError("the checkpoint has a malformed signature line")
        name, _, blob = line[len(prefix) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise CheckpointError("the checkpoint has a malformed signature") from exc
        if len(raw) < 5:
            raise CheckpointError("the checkpoint has a malformed signature")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue  # another key's signature (a witness, say): not ours to judge
        if len(raw) != 68:
            raise CheckpointError("the checkpoint's signature has the wrong length")
        try:
            nacl.bindings.crypto_sign_open(raw[4:] + text.encode(), verifier.public_key)
        except nacl.exceptions.BadSignatureError as exc:
            raise CheckpointError(
                "the checkpoint's signature is not the server's (forged or altered)"
            ) from exc
        found = True
    if not found:
        raise CheckpointError(
            "the checkpoint is not signed with the server key this station trusts"
        )
    return text


def verify_checkpoint(note: str, verifier: VerifierKey) -> Checkpoint:
    """Check the signature, then parse the tlog-checkpoint body; the origin must be the key's
    name (one key, one log)."""
    text = open_note(note, verifier)
    lines = text.split("\n")[:-1]
    if len(lines) < 3:
        raise CheckpointError("the checkpoint body is incomplete")
    origin, size_text, root_text = lines[:3]
    if origin != verifier.name:
        raise CheckpointError(f"the checkpoint is for log {origin!r}, not {verifier.name!r}")
    if not (size_text.isascii() and size_text.isdigit()) or (
        size_text != "0" and size_text.startswith("0")
    ):
        raise CheckpointError("the checkpoint's tree size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise CheckpointError("the checkpoint's root hash is not base64") from exc
    if len(root) != 32:
        raise CheckpointError("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, note)
