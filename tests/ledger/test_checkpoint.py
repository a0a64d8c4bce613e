"""C2SP signed notes and tlog checkpoints: byte-exact against Go's sumdb/note example, and every
kind of forgery refused."""

from __future__ import annotations

import base64

import pytest

from app.ledger.checkpoint import (
    CheckpointError,
    CheckpointSigner,
    VerifierKey,
    open_note,
    verify_checkpoint,
)

# golang.org/x/mod/sumdb/note documentation example (BSD-3-Clause, The Go Authors).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
    "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ROOT = bytes(range(32))


def test_go_sumdb_note_vector_byte_for_byte():
    signer = CheckpointSigner.parse(GO_SKEY)
    assert signer.verifier.text == GO_VKEY
    assert signer.private_text == GO_SKEY
    assert signer.sign_text(GO_TEXT) == GO_NOTE
    assert open_note(GO_NOTE, VerifierKey.parse(GO_VKEY)) == GO_TEXT


def test_checkpoint_layout_and_round_trip():
    signer = CheckpointSigner("itad.example/log", bytes([3]) * 32)
    checkpoint = signer.sign(1234, ROOT)
    body, _, sig_line = checkpoint.note.partition("\n\n")
    assert body.split("\n") == ["itad.example/log", "1234", base64.b64encode(ROOT).decode()]
    assert sig_line.startswith("\u2014 itad.example/log ") and sig_line.endswith("=\n")
    again = verify_checkpoint(checkpoint.note, VerifierKey.parse(signer.verifier.text))
    assert (again.origin, again.size, again.root) == ("itad.example/log", 1234, ROOT)


def test_forgeries_are_refused():
    signer = CheckpointSigner("itad.example/log", bytes([3]) * 32)
    key = signer.verifier
    note = signer.sign(10, ROOT).note
    impostor = CheckpointSigner("itad.example/log", bytes([4]) * 32)  # same name, other key
    with pytest.raises(CheckpointError, match="not signed with the server key"):
        verify_checkpoint(impostor.sign(10, ROOT).note, key)
    # Same key id and name but a forged signature (the impostor's signature under our id).
    forged_blob = base64.b64encode(
        key.key_id + base64.b64decode(impostor.sign(10, ROOT).note.rsplit(" ", 1)[1])[4:]
    ).decode()
    forged = note.rsplit(" ", 1)[0] + " " + forged_blob + "\n"
    with pytest.raises(CheckpointError, match="forged or altered"):
        verify_checkpoint(forged, key)
    # A signed checkpoint whose size or root was edited afterwards.
    for edited in (
        note.replace("\n10\n", "\n11\n"),
        note.replace(base64.b64encode(ROOT).decode(), base64.b64encode(bytes(32)).decode()),
    ):
        assert edited != note
        with pytest.raises(CheckpointError, match="forged or altered"):
            verify_checkpoint(edited, key)
    for broken in ("", "itad.example/log\n10\n", note.replace("\u2014", "--"), note + "junk"):
        with pytest.raises(CheckpointError):
            verify_checkpoint(broken, key)
    other_log = CheckpointSigner("other/log", bytes([3]) * 32)
    with pytest.raises(CheckpointError, match="not signed with the server key"):
        verify_checkpoint(other_log.sign(10, ROOT).note, key)


def test_verifier_key_parsing_refuses_damage():
    with pytest.raises(CheckpointError, match="wrong key id"):
        VerifierKey.parse(GO_VKEY.replace("c74f20a3", "c74f20a4"))
    for bad in ("PeterNeumann", "Peter Neumann+c74f20a3+AAAA", GO_VKEY[:-4]):
        with pytest.raises(CheckpointError):
            VerifierKey.parse(bad)


def test_key_file_created_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / "keys" / "checkpoint.key"
    first = CheckpointSigner.load_or_create(path, "itad.example/log")
    second = CheckpointSigner.load_or_create(path, "another-name-ignored")
    assert second.verifier == first.verifier
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("PRIVATE+KEY+x+00000000+AAAA\n")
    with pytest.raises(CheckpointError, match=str(path)):
        CheckpointSigner.load_or_create(path, "x")


@pytest.mark.parametrize("size", ["\u00b2", "\u0663", "010", "-1"])
def test_a_signed_size_that_is_not_plain_decimal_is_refused(size):
    """A correctly signed body whose size line is not ASCII decimal ("²" and Arabic-Indic
    digits pass str.isdigit) is refused as a checkpoint error, never a bare ValueError."""
    signer = CheckpointSigner("itad.example/log", bytes([3]) * 32)
    body = f"itad.example/log\n{size}\n{base64.b64encode(ROOT).decode()}\n"
    with pytest.raises(CheckpointError, match="not a decimal number"):
        verify_checkpoint(signer.sign_text(body), signer.verifier)
