"""The in-house RFC 9162 Merkle tree against the doc's roots, the transparency-dev vectors
(tests/data/merkle), and pymerkle as an independent implementation."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from pymerkle import InmemoryTree

from app.ledger import merkle
from app.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads(
    (Path(__file__).parents[1] / "data" / "merkle" / "transparency_dev_vectors.json").read_text()
)
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves_hex"]]
ROOTS = [bytes.fromhex(x) for x in VECTORS["roots_hex"]]
# sync-protocol.md §10.2, sizes 0..8.
DOC_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def _recursive_mth(data: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 written as the definition reads (slow, obviously right)."""
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < len(data):
        k *= 2
    return hashlib.sha256(b"\x01" + _recursive_mth(data[:k]) + _recursive_mth(data[k:])).digest()


def test_hashing_prefixes():
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        merkle.node_hash(b"a" * 32, b"b" * 32)
        == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert EMPTY_ROOT.hex() == DOC_ROOTS[0]


def test_roots_match_the_design_doc_and_transparency_dev():
    tree = MemoryTree.of_data(LEAVES)
    assert [tree.root(n).hex() for n in range(9)] == DOC_ROOTS
    assert [tree.root(n) for n in range(1, 9)] == ROOTS


@pytest.mark.parametrize(
    "vector", VECTORS["inclusion_proofs"], ids=lambda v: f"{v['leaf']}-{v['size']}"
)
def test_inclusion_vectors(vector):
    index, size = vector["leaf"] - 1, vector["size"]
    expected = [bytes.fromhex(h) for h in vector["proof"]]
    tree = MemoryTree.of_data(LEAVES[:size])
    assert inclusion_proof(tree, index, size) == expected
    leaf = leaf_hash(LEAVES[index])
    verify_inclusion(index, size, leaf, expected, ROOTS[size - 1])
    # The corruptions transparency-dev's verifierCheck tries: each must fail.
    root = ROOTS[size - 1]
    probes = [
        (index - 1, size, leaf, expected, root),
        (index + 1, size, leaf, expected, root),
        (index ^ 2, size, leaf, expected, root),
        (index, size * 2, leaf, expected, root),
        (index, size // 2, leaf, expected, root),
        (index, size, leaf_hash(b"WrongLeaf"), expected, root),
        (index, size, leaf, expected, EMPTY_ROOT),
        (index, size, leaf, expected, SOME_HASH),
        (index, size, leaf, [*expected, root], root),
        (index, size, leaf, [root, *expected], root),
    ]
    for i in range(len(expected)):
        flipped = list(expected)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, leaf, flipped, root))
    if expected:
        probes.append((index, size, leaf, expected[:-1], root))
    if len(expected) > 1:
        probes.append((index, size, leaf, [expected[0], SOME_HASH, *expected[1:]], root))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_inclusion(*probe)


@pytest.mark.parametrize(
    "vector", VECTORS["consistency_proofs"], ids=lambda v: f"{v['size1']}-{v['size2']}"
)
def test_consistency_vectors(vector):
    size1, size2 = vector["size1"], vector["size2"]
    expected = [bytes.fromhex(h) for h in vector["proof"]]
    tree = MemoryTree.of_data(LEAVES[:size2])
    assert consistency_proof(tree, size1, size2) == expected
    root1, root2 = ROOTS[size1 - 1], ROOTS[size2 - 1]
    verify_consistency(size1, size2, expected, root1, root2)
    if not expected:
        return
    probes = [
        (size1 - 1, size2, expected, root1, root2),
        (size1 + 1, size2, expected, root1, root2),
        (size1 ^ 2, size2, expected, root1, root2),
        (size1, size2 * 2, expected, root1, root2),
        (size1, size2 // 2, expected, root1, root2),
        (size1, size2, expected, SOME_HASH, root2),
        (size1, size2, expected, root1, SOME_HASH),
        (size1, size2, expected, root2, root1),
        (size1, size2, [], root1, root2),
        (size1, size2, [*expected, root1], root1, root2),
        (size1, size2, [*expected, root2], root1, root2),
        (size1, size2, [root1, *expected], root1, root2),
        (size1, size2, [root2, *expected], root1, root2),
        (size1, size2, [expected[0], *expected], root1, root2),
        (size1, size2, expected[:-1], root1, root2),
    ]
    for i in range(len(expected)):
        flipped = list(expected)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((size1, size2, flipped, root1, root2))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)


def test_transparency_dev_testdata_files():
    for case in VECTORS["testdata_consistency_json"]:
        args = (
            case["size1"],
            case["size2"],
            [base64.b64decode(p) for p in case["proof"]],
            base64.b64decode(case["root1"]),
            base64.b64decode(case["root2"]),
        )
        if case["wantErr"]:
            with pytest.raises(ProofError):
                verify_consistency(*args)
        else:
            verify_consistency(*args)


def test_edge_cases_of_the_verifiers():
    root1, root2 = b"1" * 32, b"2" * 32
    verify_consistency(0, 0, [], root1, root1)
    verify_consistency(0, 5, [], root1, root2)  # the empty tree is a prefix of anything
    verify_consistency(3, 3, [], root2, root2)
    for args in [
        (1, 1, [], root1, root2),  # same size, two roots: a split view
        (2, 1, [], root1, root2),  # the log went backwards
        (0, 1, [EMPTY_ROOT], root1, root2),
        (1, 1, [EMPTY_ROOT], root1, root1),
        (1, 2, [], root1, root2),
    ]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    leaf = leaf_hash(b"data")
    verify_inclusion(0, 1, leaf, [], leaf)
    for index, size in [(0, 0), (1, 1), (2, 1)]:
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, [], leaf)
    with pytest.raises(ProofError):
        inclusion_proof(MemoryTree([leaf]), 1, 1)
    with pytest.raises(ProofError):
        consistency_proof(MemoryTree([leaf]), 2, 1)


def test_every_proof_up_to_40_leaves_verifies_and_roots_match_the_definition():
    data = [f"entry {i}".encode() for i in range(40)]
    tree = MemoryTree.of_data(data)
    for size in range(1, 41):
        root = tree.root(size)
        assert root == _recursive_mth(data[:size])
        for index in range(size):
            verify_inclusion(
                index, size, leaf_hash(data[index]), inclusion_proof(tree, index, size), root
            )
        for size1 in range(0, size + 1):
            proof = consistency_proof(tree, size1, size)
            verify_consistency(size1, size, proof, tree.root(size1), root)
            if 0 < size1 < size:  # a different earlier history is refused
                with pytest.raises(ProofError):
                    verify_consistency(
                        size1, size, proof, _recursive_mth([b"x", *data[1:size1]]), root
                    )


def test_cross_check_with_pymerkle():
    """pymerkle (an independent implementation) agrees on roots and inclusion paths; our
    consistency proofs verify between pymerkle's roots."""
    data = [hashlib.sha256(str(i).encode()).digest() for i in range(70)]
    theirs = InmemoryTree(algorithm="sha256")
    ours = MemoryTree()
    for entry in data:
        theirs.append_entry(entry)
        ours.append(leaf_hash(entry))
    for size in range(1, 71):
        assert ours.root(size) == theirs.get_state(size)
    for size in (1, 2, 5, 8, 13, 64, 70):
        for index in range(size):
            path = theirs.prove_inclusion(index + 1, size).serialize()["path"]
            ours_path = [h.hex() for h in inclusion_proof(ours, index, size)]
            assert path[1:] == ours_path  # pymerkle's path starts with the leaf itself
        for size1 in range(1, size):
            verify_consistency(
                size1,
                size,
                consistency_proof(ours, size1, size),
                theirs.get_state(size1),
                theirs.get_state(size),
            )


def test_frontier_resumes_from_stored_nodes():
    data = [bytes([i]) * 32 for i in range(37)]
    whole = MemoryTree.of_data(data)
    for size in range(0, 37):
        keys = Frontier.keys(size)
        frontier = Frontier(size, [whole.nodes([k])[k] for k in keys])
        created = []
        for entry in data[size:]:
            created += frontier.append(leaf_hash(entry))
        assert frontier.root() == whole.root()
        assert all(whole.nodes([(lv, ix)])[(lv, ix)] == h for lv, ix, h in created)
    with pytest.raises(ValueError, match="frontier nodes"):
        Frontier(3, [EMPTY_ROOT])
