"""NIST SP 800-88 rules (docs/sanitization.md §5): the outcome comes from technique + media +
result, never from the tool's label."""

from __future__ import annotations

import pytest

from app.domain.sanitization import (
    MediaKind,
    Outcome,
    Technique,
    WipeResult,
    classify,
    sample_size,
    usable_serial,
)

T, M, R = Technique, MediaKind, WipeResult


def test_every_overwrite_is_clear_even_when_the_tool_says_dod():
    verdict = classify(T.OVERWRITE, M.HDD, R.PASSED, tool_claim="DoD 5220.22-M")
    assert verdict.outcome is Outcome.CLEAR and not verdict.route_to_destruction


@pytest.mark.parametrize("kind", [M.SSD, M.NVME, M.FLASH])
def test_ata_security_erase_on_flash_is_clear_in_both_modes(kind):
    assert classify(T.ATA_SECURITY_ERASE, kind, R.PASSED).outcome is Outcome.CLEAR
    assert classify(T.ATA_ENHANCED_SECURITY_ERASE, kind, R.PASSED).outcome is Outcome.CLEAR


def test_enhanced_security_erase_on_an_hdd_is_purge_normal_mode_is_clear():
    assert classify(T.ATA_ENHANCED_SECURITY_ERASE, M.HDD, R.PASSED).outcome is Outcome.PURGE
    assert classify(T.ATA_SECURITY_ERASE, M.HDD, R.PASSED).outcome is Outcome.CLEAR


@pytest.mark.parametrize("result", [R.FAILED, R.ABORTED])
def test_failed_or_aborted_wipe_routes_to_destruction(result):
    verdict = classify(T.OVERWRITE, M.HDD, result)
    assert verdict.outcome is None and verdict.route_to_destruction


def test_degaussing_flash_never_counts():
    verdict = classify(T.DEGAUSS, M.SSD, R.PASSED)
    assert verdict.outcome is None and verdict.route_to_destruction
    assert classify(T.DEGAUSS, M.HDD, R.PASSED).outcome is Outcome.PURGE


def test_firmware_sanitize_is_purge_only_on_reported_success():
    assert classify(T.BLOCK_ERASE, M.NVME, R.PASSED).outcome is Outcome.PURGE
    unverified = classify(T.BLOCK_ERASE, M.NVME, R.UNVERIFIED)
    assert unverified.outcome is Outcome.CLEAR and unverified.needs_validation


def test_crypto_erase_needs_documented_conditions_for_purge():
    assert classify(T.CRYPTO_ERASE, M.SSD, R.PASSED).outcome is Outcome.CLEAR
    documented = classify(T.CRYPTO_ERASE, M.SSD, R.PASSED, ce_conditions_documented=True)
    assert documented.outcome is Outcome.PURGE


def test_verify_only_and_factory_reset_are_not_sanitization():
    assert classify(T.VERIFY_ONLY, M.HDD, R.PASSED).outcome is None
    assert classify(T.FACTORY_RESET, M.PHONE, R.PASSED).outcome is None


def test_shred_is_destroy_and_a_purge_claim_above_clear_is_flagged():
    assert classify(T.SHRED, M.SSD, R.PASSED).outcome is Outcome.DESTROY
    flagged = classify(T.OVERWRITE, M.HDD, R.PASSED, tool_claim="NIST 800-88 Purge")
    assert flagged.outcome is Outcome.CLEAR and flagged.needs_validation


def test_hidden_sectors_need_validation():
    assert classify(T.OVERWRITE, M.HDD, R.PARTIAL_WARNING).needs_validation


def test_unusable_serials_and_sample_size():
    assert not usable_serial("") and not usable_serial("XXXXXXXXXXXXXXX")
    assert usable_serial("S3YZNB0KB00864E")
    assert [sample_size(n) for n in (0, 1, 20, 21, 100)] == [0, 1, 1, 2, 5]
