"""Keyboard-wedge scanners: tell a scanner's burst of keystrokes from a person typing.

A USB HID scanner "types" its data, one key every few milliseconds, and ends with Enter (or Tab).
A person types one key every 100 ms or more. The filter, installed on the application, holds
printable key presses back while they come fast; when the terminator ends a fast burst of at
least ``min_length`` characters, the held keys are swallowed and :attr:`scan_received` is
emitted, wherever the focus is. Anything else (a pause longer than ``max_gap_s``, a short burst,
a modifier key) releases the held keys, in order, to the widget they were meant for, so typing
in a text field works as before, only delayed by at most ``max_gap_s``.

A widget that wants scans typed into it as well (the sign-in badge field) sets the dynamic
property ``wedgeTypeThrough`` to True: the burst is then replayed into it and also emitted.

GUI thread only. ``clock`` (monotonic seconds) is injected so tests can type "fast" and "slow"
without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid

TYPE_THROUGH_PROPERTY = "wedgeTypeThrough"
_TERMINATORS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)
_ALLOWED_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


def _plain(modifiers: Qt.KeyboardModifier) -> bool:
    """No modifier except Shift (capitals) and Keypad (digits on the number pad)."""
    return not (modifiers & ~_ALLOWED_MODIFIERS)


@dataclass(frozen=True, slots=True)
class _HeldKey:
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    at: float


class WedgeScanFilter(QObject):
    """Application event filter; see the module docstring."""

    scan_received = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_gap_s: float = 0.04,
        min_length: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._max_gap_s = max_gap_s
        self._min_length = min_length
        self._clock = clock
        self._held: list[_HeldKey] = []
        self._target: QWidget | None = None
        self._replaying = False
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.timeout.connect(self._on_release_timer_timeout)

    @property
    def holding(self) -> int:
        """Key presses held back right now (for tests)."""
        return len(self._held)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        # Key events reach the QWindow first, then the focus widget (then its parents if
        # ignored): act once, on the first widget.
        if not isinstance(watched, QWidget) or not isinstance(event, QKeyEvent):
            return False
        return self._on_key_press(watched, event)

    # ---- the decision ----

    def _on_key_press(self, target: QWidget, event: QKeyEvent) -> bool:
        now = self._clock()
        if self._held and (
            now - self._held[-1].at > self._max_gap_s or target is not self._target_widget()
        ):
            self._release()
        text = event.text()
        modifiers = event.modifiers()
        if event.key() in _TERMINATORS and self._held:
            if len(self._held) >= self._min_length and _plain(modifiers):
                scan = "".join(k.text for k in self._held)
                if target.property(TYPE_THROUGH_PROPERTY):
                    self._release()
                    self.scan_received.emit(scan)
                    return False  # the field gets the terminator too (e.g. Enter = next field)
                self._held.clear()
                self._release_timer.stop()
                self.scan_received.emit(scan)
                return True
            self._release()
            return False
        printable = len(text) == 1 and text.isprintable() and not event.isAutoRepeat()
        if not printable or not _plain(modifiers):
            self._release()
            return False
        if not self._held:
            self._target = target
        self._held.append(_HeldKey(event.key(), modifiers, text, now))
        self._release_timer.start(max(1, round(self._max_gap_s * 1000)))
        return True

    def _target_widget(self) -> QWidget | None:
        # The widget may have been deleted while its keys were held (a dialog closed).
        return self._target if self._target is not None and isValid(self._target) else None

    def _on_release_timer_timeout(self) -> None:
        if not self._held:
            return
        waited = self._clock() - self._held[-1].at
        if waited > self._max_gap_s:
            self._release()
        else:
            # The timer can fire a hair early, or the clock is a test's: look again shortly.
            self._release_timer.start(max(1, round((self._max_gap_s - waited) * 1000) + 1))

    def _release(self) -> None:
        """Deliver the held key presses, in order, to the widget they were meant for."""
        held, self._held = self._held, []
        self._release_timer.stop()
        target = self._target_widget()
        if not held or target is None:
            return
        self._replaying = True
        try:
            for key in held:
                press = QKeyEvent(QEvent.Type.KeyPress, key.key, key.modifiers, key.text)
                QApplication.sendEvent(target, press)
        finally:
            self._replaying = False
