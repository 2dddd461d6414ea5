"""Logs never contain passwords, tokens or full NIKs, whichever handler reads them."""

from __future__ import annotations

import logging

import pytest

from desktop.services.logmask import install_log_masking, mask_text, register_secret


def test_mask_text() -> None:
    register_secret("s3cr3t-refresh-token-value")
    text = mask_text(
        "nik 3171015208900001 Authorization: Bearer abc.def.ghi refresh=s3cr3t-refresh-token-value"
        " password=hunter22 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig"
        ' {"access_token": "tok123456"}'
    )
    assert "3171015208900001" not in text and "317101******0001" in text
    for secret in (
        "abc.def.ghi",
        "s3cr3t-refresh-token-value",
        "hunter22",
        "eyJhbGci",
        "tok123456",
    ):
        assert secret not in text


def test_records_are_masked_for_every_handler(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    log = logging.getLogger("desktop.test")
    with caplog.at_level(logging.INFO):
        log.info("pemohon %s token=%s", "1471015208900001", "abcdefgh12345")
        try:
            raise ValueError("NIK 1471015208900001 salah")
        except ValueError:
            log.exception("gagal")
    assert "1471015208900001" not in caplog.text
    assert "abcdefgh12345" not in caplog.text
    assert all("1471015208900001" not in r.getMessage() for r in caplog.records)
