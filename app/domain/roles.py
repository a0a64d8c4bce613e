"""Operators, roles and what each role may do.

Permission checks are made in ``app.services`` against this table, so they hold no matter
which UI (or script) calls the use case.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    TECHNICIAN = "technician"
    GRADER = "grader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    RECEIVE_ASSETS = "receive assets"
    MOVE_CUSTODY = "move custody"
    RECORD_SANITIZATION = "record sanitization"
    GRADE_ASSETS = "grade assets"
    BUILD_PALLETS = "build pallets"
    SEAL_PALLETS = "seal pallets"
    CLOSE_RECEIVING = "close receiving"
    ISSUE_CERTIFICATES = "issue certificates"
    IMPORT_MANIFESTS = "import manifests"
    VIEW_CUSTODY_LOG = "view the custody log"
    VERIFY_LEDGER = "verify the ledger"
    MANAGE_OPERATORS = "manage operators"
    CHANGE_SETTINGS = "change settings"
    CLEAR_SYNC_STOP = "clear a sync stop"


_TECHNICIAN = frozenset(
    {
        Permission.RECEIVE_ASSETS,
        Permission.MOVE_CUSTODY,
        Permission.RECORD_SANITIZATION,
        Permission.BUILD_PALLETS,
        Permission.VIEW_CUSTODY_LOG,
        Permission.VERIFY_LEDGER,
    }
)
_GRADER = frozenset(
    {
        Permission.GRADE_ASSETS,
        Permission.MOVE_CUSTODY,
        Permission.VIEW_CUSTODY_LOG,
        Permission.VERIFY_LEDGER,
    }
)
_SUPERVISOR = (
    _TECHNICIAN
    | _GRADER
    | {
        Permission.SEAL_PALLETS,
        Permission.CLOSE_RECEIVING,
        Permission.ISSUE_CERTIFICATES,
        Permission.IMPORT_MANIFESTS,
        Permission.CLEAR_SYNC_STOP,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.TECHNICIAN: _TECHNICIAN,
    Role.GRADER: _GRADER,
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(Permission),
}

# Who to ask when a permission is missing: the least senior role that has it.
_SENIORITY = (Role.TECHNICIAN, Role.GRADER, Role.SUPERVISOR, Role.ADMIN)


def least_role_with(permission: Permission) -> Role:
    """Return the least senior role holding ``permission`` (for "ask a supervisor" messages)."""
    for role in _SENIORITY:
        if permission in ROLE_PERMISSIONS[role]:
            return role
    return Role.ADMIN


@dataclass(frozen=True, slots=True)
class Operator:
    """A person who can sign in at a station. ``pin_hash`` is a salted slow hash, never a PIN."""

    operator_id: str
    display_name: str
    badge: str
    role: Role
    pin_hash: str
    active: bool = True

    def may(self, permission: Permission) -> bool:
        """True if this operator's role grants ``permission`` and the operator is active."""
        return self.active and permission in ROLE_PERMISSIONS[self.role]
