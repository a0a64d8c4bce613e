"""OperatorService: enrolment rules, sign-in/out, permission checks, PIN hashing."""

from __future__ import annotations

import pytest

from app.domain.audit import LedgerFilter
from app.domain.errors import (
    DuplicateRecord,
    InvalidInput,
    NotSignedIn,
    PermissionDenied,
    SignInFailed,
)
from app.domain.roles import Permission, Role
from app.services.operators import SYSTEM_OPERATOR_ID
from app.services.pins import hash_pin, verify_pin


def all_entries(services):
    return list(reversed(services.ledger.page(LedgerFilter(), limit=10_000)))


@pytest.fixture
def staffed(services):
    """An admin (signed out) and a technician, both enrolled."""
    ops = services.operators
    admin = ops.enrol(display_name="Dana Admin", badge="B-ADMIN", role=Role.ADMIN, pin="1111")
    ops.sign_in_with_badge("B-ADMIN", "1111")
    tech = ops.enrol(display_name="Terry Tech", badge="B-TECH", role=Role.TECHNICIAN, pin="3333")
    ops.sign_out()
    return admin, tech


def test_first_operator_must_be_an_admin(services):
    head = services.events.head()
    with pytest.raises(InvalidInput, match="the first operator must be an admin"):
        services.operators.enrol(
            display_name="Terry Tech", badge="B-TECH", role=Role.TECHNICIAN, pin="3333"
        )
    assert services.events.head() == head
    admin = services.operators.enrol(
        display_name="Dana Admin", badge="B-ADMIN", role=Role.ADMIN, pin="1111"
    )
    assert admin.role is Role.ADMIN and admin.active
    enrolled = all_entries(services)[-1]
    assert enrolled.type == "operator.enrolled"
    assert enrolled.operator_id == SYSTEM_OPERATOR_ID  # nobody was signed in to do it
    assert enrolled.payload["operator_id"] == admin.operator_id


def test_second_enrolment_needs_someone_signed_in(services, staffed):
    with pytest.raises(NotSignedIn, match="sign in to manage operators"):
        services.operators.enrol(display_name="X", badge="B-X", role=Role.GRADER, pin="1234")


def test_technician_cannot_enrol_and_is_told_whom_to_ask(services, staffed):
    services.operators.sign_in_with_badge("B-TECH", "3333")
    head = services.events.head()
    with pytest.raises(PermissionDenied) as caught:
        services.operators.enrol(display_name="X", badge="B-X", role=Role.GRADER, pin="1234")
    assert caught.value.code == "permission.denied"
    assert caught.value.message == (
        "Terry Tech (technician) may not manage operators; ask an admin."
    )
    assert services.events.head() == head


def test_permission_message_names_the_least_senior_role_that_may(services, staffed):
    services.operators.sign_in_with_badge("B-TECH", "3333")
    with pytest.raises(PermissionDenied, match=r"may not seal pallets; ask a supervisor\.$"):
        services.operators.require(Permission.SEAL_PALLETS)
    assert services.operators.require(Permission.RECEIVE_ASSETS).display_name == "Terry Tech"


def test_admin_enrols_with_validation(services, staffed):
    ops = services.operators
    ops.sign_in_with_badge("B-ADMIN", "1111")
    with pytest.raises(InvalidInput, match=r"^Name: is empty"):
        ops.enrol(display_name="  ", badge="B-Y", role=Role.GRADER, pin="1234")
    with pytest.raises(InvalidInput, match=r"^Badge: is empty"):
        ops.enrol(display_name="Y", badge=" ", role=Role.GRADER, pin="1234")
    for bad_pin in ("123", "12345678901234", "12a4", ""):
        with pytest.raises(InvalidInput, match=r"^PIN: must be 4 to 12 digits"):
            ops.enrol(display_name="Y", badge="B-Y", role=Role.GRADER, pin=bad_pin)
    with pytest.raises(DuplicateRecord, match="Badge 'B-TECH' already exists"):
        ops.enrol(display_name="Y", badge=" B-TECH ", role=Role.GRADER, pin="1234")
    grader = ops.enrol(display_name=" Gale ", badge=" B-GR ", role=Role.GRADER, pin="4444")
    assert (grader.display_name, grader.badge) == ("Gale", "B-GR")
    admin_id = ops.current.operator_id
    assert all_entries(services)[-1].operator_id == admin_id


def test_sign_in_by_badge_and_by_id_with_the_right_pin(services, staffed):
    admin, tech = staffed
    ops = services.operators
    assert ops.sign_in_with_badge(" B-TECH ", "3333").operator_id == tech.operator_id
    assert ops.current.operator_id == tech.operator_id
    ops.sign_out()
    assert ops.current is None
    assert ops.sign_in_by_id(admin.operator_id, "1111").operator_id == admin.operator_id
    assert ops.current.operator_id == admin.operator_id


def test_wrong_pin_and_unknown_badge_fail_the_same_way_and_record_nothing(services, staffed):
    _admin, tech = staffed
    ops = services.operators
    head = services.events.head()
    with pytest.raises(SignInFailed) as wrong_pin:
        ops.sign_in_with_badge("B-TECH", "3334")
    with pytest.raises(SignInFailed) as unknown_badge:
        ops.sign_in_with_badge("B-NOBODY", "3333")
    # Identical apart from the badge the person typed: neither reveals which part was wrong.
    assert wrong_pin.value.code == unknown_badge.value.code == "operator.sign_in_failed"
    assert wrong_pin.value.message.replace("B-TECH", "<badge>") == (
        unknown_badge.value.message.replace("B-NOBODY", "<badge>")
    )
    assert wrong_pin.value.message == (
        "Badge or PIN not recognised for badge 'B-TECH'; try again or ask a supervisor."
    )
    with pytest.raises(SignInFailed):
        ops.sign_in_by_id(tech.operator_id, "1111")  # the admin's PIN, not Terry's
    with pytest.raises(SignInFailed):
        ops.sign_in_by_id("op-does-not-exist", "3333")
    assert ops.current is None
    assert services.events.head() == head


def test_sign_in_and_out_are_recorded_under_the_operator(services, staffed):
    admin, tech = staffed
    ops = services.operators
    ops.sign_in_with_badge("B-TECH", "3333")
    ops.sign_in_by_id(admin.operator_id, "1111")  # takes over the station from Terry
    ops.sign_out(reason="end of shift")
    ops.sign_out()  # nobody signed in: nothing recorded
    tail = [(e.type, e.operator_id, e.payload) for e in all_entries(services)[-4:]]
    assert tail == [
        ("operator.signed_in", tech.operator_id, {"display_name": "Terry Tech", "method": "badge"}),
        (
            "operator.signed_out",
            tech.operator_id,
            {"display_name": "Terry Tech", "reason": "another operator signed in"},
        ),
        ("operator.signed_in", admin.operator_id, {"display_name": "Dana Admin", "method": "name"}),
        (
            "operator.signed_out",
            admin.operator_id,
            {"display_name": "Dana Admin", "reason": "end of shift"},
        ),
    ]


def test_pin_hash_is_salted_scrypt_and_never_the_pin(make_operator_service, services):
    pin = "9876543210"
    stored = hash_pin(pin)  # the real cost parameters
    assert pin not in stored
    assert stored.startswith("scrypt$14$8$1$")
    assert hash_pin(pin) != stored  # salted
    assert verify_pin(pin, stored)
    assert not verify_pin("9876543211", stored)
    for damaged in ("", "plain", "bcrypt$x$y$z$a$b", stored.replace("scrypt$14", "scrypt$x")):
        assert not verify_pin(pin, damaged)

    real = make_operator_service()  # default, real hasher
    admin = real.enrol(display_name="Dana Admin", badge="B-ADMIN", role=Role.ADMIN, pin=pin)
    assert admin.pin_hash.startswith("scrypt$14$")
    assert verify_pin(pin, admin.pin_hash)
    for entry in all_entries(services):
        assert pin not in repr(entry.payload)
    assert real.sign_in_with_badge("B-ADMIN", pin).operator_id == admin.operator_id


def test_every_event_names_an_operator(services, staffed):
    ops = services.operators
    ops.sign_in_with_badge("B-ADMIN", "1111")
    ops.enrol(display_name="Gale", badge="B-GR", role=Role.GRADER, pin="4444")
    ops.sign_in_with_badge("B-GR", "4444")
    ops.sign_in_with_badge("B-TECH", "3333")
    ops.sign_out()
    known = {o.operator_id for o in ops.operators()}
    entries = all_entries(services)
    assert len(entries) == 12
    by_system = [e.type for e in entries if e.operator_id == SYSTEM_OPERATOR_ID]
    assert by_system == ["station.initialized", "operator.enrolled"]
    for entry in entries:
        assert entry.operator_id in known | {SYSTEM_OPERATOR_ID}, entry
    assert {e.operator_id for e in entries} == known | {SYSTEM_OPERATOR_ID}


def test_operator_list_is_sorted_by_name(services, staffed):
    assert [o.display_name for o in services.operators.operators()] == ["Dana Admin", "Terry Tech"]
