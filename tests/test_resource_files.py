"""resources/ is found in a checkout and in a frozen bundle; its absence is one clear sentence."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import resource_files
from app.resource_files import ResourcesMissing, resource_path, resources_dir

REPO = Path(__file__).resolve().parents[1]


def test_source_checkout_finds_the_repository_resources():
    assert resources_dir() == REPO / "resources"
    assert resource_path("icons", "itad-station-256.png").is_file()


def test_a_frozen_bundle_prefers_its_own_resources(tmp_path: Path, monkeypatch):
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"


def test_missing_resources_name_every_place_searched(tmp_path: Path, monkeypatch):
    nowhere = [tmp_path / "a", tmp_path / "b"]
    monkeypatch.setattr(resource_files, "candidate_dirs", lambda: nowhere)
    with pytest.raises(ResourcesMissing) as caught:
        resources_dir()
    assert str(tmp_path / "a") in caught.value.message
    assert str(tmp_path / "b") in caught.value.message
    assert caught.value.message.endswith("reinstall the station.")
