"""Everything except ``app.ui`` must import without PySide6 (servers and headless tools)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_every_non_ui_module_imports_with_pyside6_blocked():
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class BlockQt:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith("PySide6."):
                    raise ImportError(f"PySide6 is blocked in this check ({name})")
                return None

        sys.meta_path.insert(0, BlockQt())
        import app, drivers
        names = []
        for package in (app, drivers):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                if info.name.startswith("app.ui") or ".migrations" in info.name:
                    continue
                importlib.import_module(info.name)
                names.append(info.name)
        assert "PySide6" not in sys.modules
        print(len(names), "modules")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    count = int(result.stdout.split()[0])
    assert count >= 20
