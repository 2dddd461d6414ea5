"""The one settings object: documented defaults, tolerant loading, atomic saving."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from desktop import settings as S
from tests.desktop.fixtures import LoketDirs


def test_defaults_on_first_run_and_device_id_is_made_once(loket_dirs: LoketDirs) -> None:
    first = S.load_settings()
    assert first.idle_lock_minutes == 10
    assert first.language == "id"
    assert first.server_url == ""
    assert first.device_id  # made and saved
    assert S.settings_path().parent == loket_dirs.config
    assert S.load_settings().device_id == first.device_id


def test_round_trip(loket_dirs: LoketDirs) -> None:
    s = S.load_settings().with_changes(
        server_url="https://loket.example.go.id", last_username="verifier1", idle_lock_minutes=3
    )
    S.save_settings(s)
    again = S.load_settings()
    assert (again.server_url, again.last_username, again.idle_lock_minutes) == (
        "https://loket.example.go.id",
        "verifier1",
        3,
    )
    assert not again.warnings


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe garbage", ""])
def test_unreadable_file_gives_defaults_and_a_warning(
    loket_dirs: LoketDirs, caplog: pytest.LogCaptureFixture, content: str
) -> None:
    S.settings_path().parent.mkdir(parents=True, exist_ok=True)
    S.settings_path().write_bytes(content.encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        s = S.load_settings()
    assert s.idle_lock_minutes == 10
    assert s.warnings and "bawaan" in s.warnings[0]
    assert any("pengaturan" in r.getMessage().lower() for r in caplog.records)


def test_bad_values_fall_back_per_option(loket_dirs: LoketDirs) -> None:
    S.settings_path().parent.mkdir(parents=True, exist_ok=True)
    S.settings_path().write_text(
        json.dumps(
            {
                "idle_lock_minutes": 0,
                "language": "fr",
                "page_size": "lots",
                "refresh_interval_seconds": 30,
                "unknown_option": 1,
                "server_url": 5,
            }
        )
    )
    s = S.load_settings()
    assert s.idle_lock_minutes == 10 and s.language == "id" and s.page_size == 500
    assert s.refresh_interval_seconds == 30  # the valid one is kept
    assert s.server_url == ""
    joined = " ".join(s.warnings)
    for name in ("idle_lock_minutes", "language", "page_size", "unknown_option", "server_url"):
        assert name in joined


def test_environment_preconfigures_server(
    loket_dirs: LoketDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_SERVER_URL", "http://127.0.0.1:8765")
    assert S.load_settings().server_url == "http://127.0.0.1:8765"


def test_with_changes_validates() -> None:
    with pytest.raises(ValueError):
        S.Settings().with_changes(idle_lock_minutes=-1)
    with pytest.raises(KeyError):
        S.Settings().with_changes(nonsense=1)


def test_schema_is_documented() -> None:
    doc = S.documentation()
    for option in S.OPTIONS:
        assert option.name in doc and option.doc


posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@posix_only
def test_config_dir_and_settings_file_are_private(loket_dirs: LoketDirs) -> None:
    old = os.umask(0o022)  # the usual umask: plain mkdir/open would give 0755/0644
    try:
        S.load_settings()  # first run: makes the dir and saves the device id
    finally:
        os.umask(old)
    assert stat.S_IMODE(loket_dirs.config.stat().st_mode) == 0o700
    assert stat.S_IMODE(S.settings_path().stat().st_mode) == 0o600


@posix_only
def test_private_dir_creates_and_tightens(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        made = S.private_dir(tmp_path / "a" / "b")
        assert stat.S_IMODE(made.stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700  # made by us: ours
        loose = tmp_path / "loose"
        loose.mkdir(mode=0o755)
        S.private_dir(loose)  # left world-readable by an older version
        assert stat.S_IMODE(loose.stat().st_mode) == 0o700
        f = S.private_file(made / "x.sqlite3")
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert stat.S_IMODE(tmp_path.stat().st_mode) != 0 and tmp_path.exists()  # parents untouched


def test_ca_bundle_documentation_says_it_adds_to_the_os_trust_store() -> None:
    doc = next(o.doc for o in S.OPTIONS if o.name == "ca_bundle")
    assert "adds to the trust store" in doc and "never switched off" in doc


def test_proxy_setting_is_normalised_and_a_bad_one_falls_back_with_a_reason(
    loket_dirs: LoketDirs,
) -> None:
    """Issue 10: the proxy is one option of the schema; a bad value is named in Indonesian and
    replaced by automatic (""), without repeating the value (it may hold a password)."""
    s = S.Settings().with_changes(proxy=" proxy.kantor.go.id:8080 ")
    assert s.proxy == "http://proxy.kantor.go.id:8080"
    assert S.Settings().with_changes(proxy="LANGSUNG").proxy == "langsung"
    with pytest.raises(ValueError, match="port proxy belum ditulis"):
        S.Settings().with_changes(proxy="proxy.kantor.go.id")
    S.save_settings(s)
    assert S.load_settings().proxy == "http://proxy.kantor.go.id:8080"
    S.settings_path().write_text(json.dumps({"proxy": "socks5://u:rahasia99@p:1080"}))
    loaded = S.load_settings()
    assert loaded.proxy == ""
    joined = " ".join(loaded.warnings)
    assert "'proxy' tidak valid" in joined and "http://" in joined
    assert "rahasia99" not in joined
