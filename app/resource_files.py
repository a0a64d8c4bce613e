"""Finding ``resources/`` (icons, samples, label templates...) wherever the station runs.

Three layouts: a source checkout or editable install (``resources/`` beside ``app/``), a frozen
PyInstaller bundle (``sys._MEIPASS/resources``) and a wheel install (data files under
``sys.prefix/share/itad-station/resources``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.domain.errors import UserFacingError

_MARKER = "icons"  # a folder every layout ships


class ResourcesMissing(UserFacingError):
    code = "resources.missing"
    template = (
        "The station's resource files were not found (looked in {searched}); reinstall the station."
    )


def candidate_dirs() -> list[Path]:
    """Where ``resources/`` may be, most specific first."""
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    candidates.append(Path(sys.prefix) / "share" / "itad-station" / "resources")
    return candidates


def resources_dir() -> Path:
    """The ``resources/`` folder; raises :class:`ResourcesMissing` naming where it looked."""
    for candidate in candidate_dirs():
        if (candidate / _MARKER).is_dir():
            return candidate
    raise ResourcesMissing(searched=", ".join(str(c) for c in candidate_dirs()))


def resource_path(*parts: str) -> Path:
    """A file inside ``resources/``, e.g. ``resource_path("icons", "itad-station-256.png")``."""
    return resources_dir().joinpath(*parts)
