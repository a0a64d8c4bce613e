"""Cyclic garbage is collected on the GUI thread by a timer, never by a worker thread."""

from __future__ import annotations

import gc

from app.ui.gui_gc import GuiThreadGarbageCollector


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_collector_turns_automatic_gc_off_and_collects_on_its_timer(qtbot):
    gc.enable()
    collector = GuiThreadGarbageCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        threshold = gc.get_threshold()[0]
        for _ in range(threshold * 3):
            _Node()
        assert gc.get_count()[0] > threshold  # nothing collected automatically
        qtbot.waitUntil(lambda: gc.get_count()[0] <= threshold, timeout=3000)
    finally:
        collector.stop()
    assert gc.isenabled()
