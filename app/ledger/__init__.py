"""The append-only signed hash chain: canonical encoding, hashing, signing, verifying.

Wire decisions (fixed here and pinned by test vectors in ``tests/ledger``):

* ``prev_hash`` of ``seq`` 1 is :data:`GENESIS_PREV_HASH`, 64 zeros (32 zero bytes in hex).
* ``hash`` is lowercase hex of SHA-256 over the RFC 8785 canonical JSON of every envelope field
  except ``hash`` and ``sig``.
* ``sig`` is standard base64 (with padding) of the Ed25519 signature over the **raw 32 digest
  bytes** (not their hex text).
"""

GENESIS_PREV_HASH = "0" * 64
