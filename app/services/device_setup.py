"""Configuring the station's serial scanners and RFID readers (the Devices page's use case).

Changing the device list is a settings change: it needs ``CHANGE_SETTINGS``, is saved to the
settings file first and only then applied, so what runs is always what is saved.

Thread contract: :meth:`save`, :meth:`add_or_replace`, :meth:`remove` and
:meth:`available_ports` block (file I/O, stopping port workers, enumeration): call them through
the task runner. :meth:`configs`, :meth:`statuses` and :meth:`may_configure` are cheap and may be
called on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.devices import DeviceConfig, DeviceKind, DeviceStatus, PortCandidate
from app.domain.errors import DuplicateRecord
from app.domain.roles import Permission
from app.services.ports import DeviceControl, DeviceSettingsStore, PermissionGate


class DeviceSetupService:
    def __init__(
        self, control: DeviceControl, store: DeviceSettingsStore, operators: PermissionGate
    ) -> None:
        self._control = control
        self._store = store
        self._operators = operators

    def configs(self) -> tuple[DeviceConfig, ...]:
        return self._control.configs()

    def statuses(self) -> dict[str, DeviceStatus]:
        return self._control.statuses()

    def available_ports(self) -> list[PortCandidate]:
        return self._control.available_ports()

    def identify(self, port: str) -> DeviceKind | None:
        """Which RFID reader protocol answers on ``port`` (``None``: no reader answered).
        Blocks for up to about a second; needs ``CHANGE_SETTINGS`` like every device change."""
        self._operators.require(Permission.CHANGE_SETTINGS)
        return self._control.identify(port)

    def may_configure(self) -> bool:
        operator = self._operators.current
        return operator is not None and operator.may(Permission.CHANGE_SETTINGS)

    def require_may_configure(self) -> None:
        """Raise :class:`NotSignedIn` / :class:`PermissionDenied` unless the operator may
        change the device list (checked again by :meth:`save`)."""
        self._operators.require(Permission.CHANGE_SETTINGS)

    def save(self, configs: Sequence[DeviceConfig]) -> tuple[DeviceConfig, ...]:
        """Persist ``configs`` as the station's devices, then run them. Returns them."""
        self._operators.require(Permission.CHANGE_SETTINGS)
        seen: set[str] = set()
        for config in configs:
            if config.name in seen:
                raise DuplicateRecord(what="Device", value=config.name)
            seen.add(config.name)
        configs = tuple(configs)
        self._store.save_devices(configs)
        self._control.configure(configs)
        return configs

    def add_or_replace(
        self, config: DeviceConfig, *, replacing: str | None = None
    ) -> tuple[DeviceConfig, ...]:
        """Add ``config``, or put it in the place of the device named ``replacing``."""
        current = list(self._control.configs())
        if replacing is None:
            current.append(config)
        else:
            current = [config if c.name == replacing else c for c in current]
        return self.save(current)

    def remove(self, name: str) -> tuple[DeviceConfig, ...]:
        return self.save([c for c in self._control.configs() if c.name != name])
