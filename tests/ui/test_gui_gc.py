"""Cyclic garbage is collected on the GUI thread by a timer, never by a worker thread."""

from __future__ import annotations

import gc
import threading

from app.ui import gui_gc
from app.ui.gui_gc import GuiThreadGarbageCollector
from app.ui.task_runner import TaskRunner


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


def _make_gen1_due() -> None:
    # Each young-generation collection counts one towards the next generation's threshold.
    for _ in range(gc.get_threshold()[1] + 2):
        gc.collect(0)


def test_older_generations_wait_while_a_task_runner_is_busy(qtbot):
    """A long collection stalls every thread (it holds the GIL): while workers are busy (a
    large import), only the young generation is collected; the rest once they are idle."""
    runner = TaskRunner()
    release = threading.Event()
    done: list[object] = []
    gc.enable()
    collector = GuiThreadGarbageCollector(interval_ms=10)
    try:
        runner.run(release.wait, done.append, done.append)
        _make_gen1_due()
        gen1_threshold = gc.get_threshold()[1]
        assert gc.get_count()[1] > gen1_threshold
        threshold = gc.get_threshold()[0]
        for _ in range(threshold * 3):
            _Node()
        # The young generation is still collected while the worker is busy ...
        qtbot.waitUntil(lambda: gc.get_count()[0] <= threshold, timeout=3000)
        qtbot.wait(100)  # ... for ten ticks, but the older one is postponed.
        assert gc.get_count()[1] > gen1_threshold
        release.set()
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=3000)
        qtbot.waitUntil(lambda: gc.get_count()[1] <= gen1_threshold, timeout=3000)
        assert done == [True]
    finally:
        release.set()
        collector.stop()
        runner.shutdown()
    assert TaskRunner.pending_everywhere() == 0


def test_older_generations_are_postponed_for_a_bounded_time_only(qtbot, monkeypatch):
    """Under constant load (or a runner whose callbacks never come) memory stays bounded."""
    monkeypatch.setattr(gui_gc, "MAX_POSTPONE_S", 0.05)
    runner = TaskRunner()
    release = threading.Event()
    done: list[object] = []
    gc.enable()
    collector = GuiThreadGarbageCollector(interval_ms=10)
    try:
        runner.run(release.wait, done.append, done.append)
        _make_gen1_due()
        gen1_threshold = gc.get_threshold()[1]
        qtbot.waitUntil(lambda: gc.get_count()[1] <= gen1_threshold, timeout=3000)
        assert runner.pending == 1  # collected although the worker is still busy
    finally:
        release.set()
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=3000)
        collector.stop()
        runner.shutdown()
