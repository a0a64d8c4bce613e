"""RFC 9162 Merkle tree over a log of entries: hashing, roots, inclusion and consistency proofs.

Shared by the server (which keeps the tree over accepted ``event.hash`` values in ``server_seq``
order) and the station (which verifies the server's checkpoints); docs: sync-protocol §10.2.

Definitions (RFC 9162 §2.1.1): a leaf hash is ``SHA-256(0x00 || data)``, an interior node
``SHA-256(0x01 || left || right)``, the empty tree hashes to ``SHA-256()``; for ``n > 1`` leaves
the tree splits at ``k``, the largest power of two smaller than ``n``. In this system the leaf
data is the event's raw 32-byte hash (not its hex text).

Storage-agnostic: every perfect subtree is addressed as ``(level, index)`` — the ``2**level``
leaves starting at ``index * 2**level`` — and the proof builders ask a :class:`NodeSource` for
exactly the perfect subtrees they need, in one call. The server answers from its
``merkle_nodes`` table; :class:`MemoryTree` answers from a list (tests, the auditor).
Every range the RFC recursion visits starts at a multiple of a power of two at least as large
as its biggest piece, so any subtree hash the proofs need is a fold of stored perfect nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]  # (level, index)


class ProofError(ValueError):
    """A proof does not verify, or its sizes make no sense (the message says which)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_pieces(lo: int, hi: int) -> list[NodeKey]:
    """The perfect subtrees whose fold is MTH(leaves[lo:hi]), left to right (largest first).

    ``lo`` must be aligned to the largest piece, which holds for every range the RFC recursion
    produces (and for ``lo == 0``)."""
    pieces: list[NodeKey] = []
    start, size = lo, hi - lo
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            if start % (1 << level):
                raise ValueError(f"range [{lo}, {hi}) is not aligned at level {level}")
            pieces.append((level, start >> level))
            start += 1 << level
    return pieces


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine perfect-subtree hashes (left to right, sizes decreasing) into their MTH."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for piece in reversed(hashes[:-1]):
        root = node_hash(piece, root)
    return root


class NodeSource(Protocol):
    """Hashes of perfect subtrees of a tree at least as large as the ranges asked for."""

    def nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """Every requested ``(level, index)`` → its hash; raises ``KeyError`` if one is missing."""
        ...


def _inclusion_ranges(index: int, lo: int, hi: int, out: list[tuple[int, int]]) -> None:
    """RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), as the sub-ranges whose MTH it lists (leaf first)."""
    n = hi - lo
    if n <= 1:
        return
    k = _split(n)
    if index - lo < k:
        _inclusion_ranges(index, lo, lo + k, out)
        out.append((lo + k, hi))
    else:
        _inclusion_ranges(index, lo + k, hi, out)
        out.append((lo, lo + k))


def _consistency_ranges(m: int, lo: int, hi: int, whole: bool, out: list[tuple[int, int]]) -> None:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b) as sub-ranges."""
    n = hi - lo
    if m == n:
        if not whole:
            out.append((lo, hi))
        return
    k = _split(n)
    if m <= k:
        _consistency_ranges(m, lo, lo + k, whole, out)
        out.append((lo + k, hi))
    else:
        _consistency_ranges(m - k, lo + k, hi, False, out)
        out.append((lo, lo + k))


def _hash_ranges(source: NodeSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    plans = [perfect_pieces(lo, hi) for lo, hi in ranges]
    found = source.nodes({key for plan in plans for key in plan})
    return [fold([found[key] for key in plan]) for plan in plans]


def root_from(source: NodeSource, size: int) -> bytes:
    """MTH of the first ``size`` leaves."""
    return _hash_ranges(source, [(0, size)])[0] if size else EMPTY_ROOT


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    ranges: list[tuple[int, int]] = []
    _inclusion_ranges(index, 0, size, ranges)
    return _hash_ranges(source, ranges)


def consistency_proof(source: NodeSource, size1: int, size2: int) -> list[bytes]:
    """Proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2``."""
    if not 0 <= size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return []
    ranges: list[tuple[int, int]] = []
    _consistency_ranges(size1, 0, size2, True, ranges)
    return _hash_ranges(source, ranges)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises :class:`ProofError` unless ``leaf`` (a leaf *hash*) is leaf
    ``index`` of the tree of ``size`` with ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    if any(len(p) != HASH_SIZE for p in proof) or len(leaf) != HASH_SIZE:
        raise ProofError("a proof hash is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    if r != root:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(  # noqa: PLR0912 - RFC 9162 §2.1.4.2, step by step
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2; raises :class:`ProofError` unless the tree of ``size1`` with ``root1``
    is a prefix of the tree of ``size2`` with ``root2``."""
    if size1 < 0 or size2 < size1:
        raise ProofError(f"the log went backwards: size {size2} after size {size1}")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("a proof hash is not 32 bytes")
    if size1 == size2:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if root1 != root2:
            raise ProofError(f"two different roots for the same size {size1}")
        return
    if size1 == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # an exact power of two: its root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != root1:
        raise ProofError(f"the proof does not rebuild the earlier root (size {size1})")
    if sr != root2:
        raise ProofError(f"the proof does not rebuild the new root (size {size2})")


class Frontier:
    """The compact range of a tree: the perfect subtrees of its binary decomposition.

    Appending a leaf returns every perfect node it completes, so a store can keep all of them
    (which is what makes any later root or proof a few lookups). Not thread-safe."""

    def __init__(self, size: int = 0, pieces: Sequence[bytes] = ()) -> None:
        expected = len(perfect_pieces(0, size))
        if len(pieces) != expected:
            raise ValueError(f"a tree of {size} leaves has {expected} frontier nodes")
        self.size = size
        self._pieces = list(pieces)  # largest first

    @staticmethod
    def keys(size: int) -> list[NodeKey]:
        """Which perfect subtrees form the frontier of a tree of ``size`` leaves."""
        return perfect_pieces(0, size)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf *hash*; return the new ``(level, index, hash)`` nodes, leaf first."""
        index = self.size
        created = [(0, index, leaf)]
        node, level = leaf, 0
        while index & 1:  # a left sibling of the same size completes a bigger subtree
            node = node_hash(self._pieces.pop(), node)
            level += 1
            index >>= 1
            created.append((level, index, node))
        self._pieces.append(node)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold(self._pieces)


class MemoryTree:
    """A whole tree in memory (tests, the auditor's from-scratch recomputation)."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self._frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    @classmethod
    def of_data(cls, entries: Iterable[bytes]) -> MemoryTree:
        return cls(leaf_hash(e) for e in entries)

    @property
    def size(self) -> int:
        return self._frontier.size

    def append(self, leaf: bytes) -> None:
        for level, index, value in self._frontier.append(leaf):
            if level == len(self._levels):
                self._levels.append([])
            assert len(self._levels[level]) == index
            self._levels[level].append(value)

    def nodes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        return {(level, index): self._levels[level][index] for level, index in keys}

    def root(self, size: int | None = None) -> bytes:
        return root_from(self, self.size if size is None else size)
