"""Operators: enrolment, sign-in (badge or name + PIN), sign-out, and permission checks.

Thread: called on the DB worker. Holds the signed-in operator of this station.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.domain.errors import (
    DuplicateRecord,
    InvalidInput,
    NotSignedIn,
    OperatorInactive,
    PermissionDenied,
    SignInFailed,
)
from app.domain.events import OperatorEnrolled, OperatorSignedIn, OperatorSignedOut
from app.domain.ids import new_record_id
from app.domain.roles import Operator, Permission, Role, least_role_with
from app.services.event_drafts import draft
from app.services.pins import hash_pin, verify_pin
from app.services.ports import EventAppender, OperatorDirectory

SYSTEM_OPERATOR_ID = "system"
_PIN_RE = re.compile(r"^\d{4,12}$")


class OperatorService:
    """Owns who is signed in at this station and checks what they may do."""

    def __init__(
        self,
        events: EventAppender,
        directory: OperatorDirectory,
        pin_hasher: Callable[[str], str] = hash_pin,
    ) -> None:
        self._events = events
        self._directory = directory
        self._hash_pin = pin_hasher
        self._current: Operator | None = None

    @property
    def current(self) -> Operator | None:
        return self._current

    def require(self, permission: Permission) -> Operator:
        """Return the signed-in operator if they hold ``permission``; raise otherwise."""
        operator = self._current
        if operator is None:
            raise NotSignedIn(action=permission.value)
        if not operator.may(permission):
            raise PermissionDenied(
                operator=operator.display_name,
                role=operator.role.value,
                action=permission.value,
                needed=least_role_with(permission).value,
            )
        return operator

    def operators(self) -> list[Operator]:
        """Active operators, for the sign-in name list."""
        return [o for o in self._directory.all() if o.active]

    def enrol(self, *, display_name: str, badge: str, role: Role, pin: str) -> Operator:
        """Enrol an operator. Needs MANAGE_OPERATORS, except for the very first operator of a
        station, who must be an admin (nobody could sign in to enrol them otherwise)."""
        first = self._directory.count() == 0
        if first:
            if role is not Role.ADMIN:
                raise InvalidInput(field="Role", problem="the first operator must be an admin")
            actor_id = SYSTEM_OPERATOR_ID
        else:
            actor_id = self.require(Permission.MANAGE_OPERATORS).operator_id
        display_name = display_name.strip()
        badge = badge.strip()
        if not display_name:
            raise InvalidInput(field="Name", problem="is empty")
        if not badge:
            raise InvalidInput(field="Badge", problem="is empty")
        if not _PIN_RE.match(pin):
            raise InvalidInput(field="PIN", problem="must be 4 to 12 digits")
        if self._directory.by_badge(badge) is not None:
            raise DuplicateRecord(what="Badge", value=badge)
        payload = OperatorEnrolled(
            operator_id=new_record_id("op"),
            display_name=display_name,
            badge=badge,
            role=role,
            pin_hash=self._hash_pin(pin),
        )
        self._events.append([draft(payload, actor_id)])
        enrolled = self._directory.by_id(payload.operator_id)
        assert enrolled is not None
        return enrolled

    def sign_in_with_badge(self, badge: str, pin: str) -> Operator:
        operator = self._directory.by_badge(badge.strip())
        return self._sign_in(operator, pin, method="badge", who=f"badge {badge.strip()!r}")

    def sign_in_by_id(self, operator_id: str, pin: str) -> Operator:
        operator = self._directory.by_id(operator_id)
        who = operator.display_name if operator else operator_id
        return self._sign_in(operator, pin, method="name", who=who)

    def _sign_in(self, operator: Operator | None, pin: str, *, method: str, who: str) -> Operator:
        # The same message for an unknown badge and a wrong PIN: do not reveal which.
        if operator is None or not verify_pin(pin, operator.pin_hash):
            raise SignInFailed(who=who)
        if not operator.active:
            raise OperatorInactive(operator=operator.display_name)
        if self._current is not None and self._current.operator_id != operator.operator_id:
            self.sign_out(reason="another operator signed in")
        self._events.append(
            [
                draft(
                    OperatorSignedIn(display_name=operator.display_name, method=method),
                    operator.operator_id,
                )
            ]
        )
        self._current = operator
        return operator

    def sign_out(self, reason: str = "signed out") -> None:
        operator = self._current
        if operator is None:
            return
        self._events.append(
            [
                draft(
                    OperatorSignedOut(display_name=operator.display_name, reason=reason),
                    operator.operator_id,
                )
            ]
        )
        self._current = None
