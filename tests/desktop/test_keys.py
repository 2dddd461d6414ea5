"""Keys and offline sign-in (issue 10): the encrypted store (SQLCipher, real files), the vault in
the keyring (argon2id + AES-GCM), and offline sign-in against the real server taken away and
brought back (`TcpProxy` in front of it)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from desktop.models import cipher
from desktop.models import outbox as outbox_table
from desktop.models.outbox import EntryKind
from desktop.models.store import Store
from desktop.models.store_locator import open_checked_store, remove_unless_unsent
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ConnectionFailure, SessionExpired
from desktop.services.auth import OFFLINE_SIGNIN_CODE, AuthService, SignInError
from desktop.services.secrets import SecretStore
from desktop.services.vault import (
    RECORD_LIMIT,
    KdfParams,
    OfflineSignInError,
    Vault,
    calibrate,
    pc_params,
)
from tests.desktop.support import MemoryKeyring, TcpProxy
from tests.live_server import LiveServer

CHEAP = KdfParams(time_cost=1, memory_kib=1024)
SERVER = "https://loket.pekanbaru.go.id"
PASSWORD = "loket-demo"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def user_json(office: str = "14.71.01", days: int = 7) -> dict[str, object]:
    return {
        "id": "u-1",
        "username": "operator1",
        "full_name": "Operator Satu",
        "roles": ["operator"],
        "office": {"code": office, "name": "Kelurahan", "level": "kelurahan", "parent_code": None},
        "device_code": "D01",
        "offline_policy": {"max_offline_days": days},
    }


def queue_unsent(store: Store) -> str:
    tid = str(uuid.uuid4())
    store.write(
        lambda conn: outbox_table.add_entry(
            conn,
            transaction_id=tid,
            app_id="app-1",
            kind=EntryKind.DECISION,
            payload={"action": "verify"},
            label="Verifikasi",
            user_id="u-1",
            now=1,
        )
    )
    return tid


def unsent_ids(store: Store) -> list[str]:
    return [e.transaction_id for e in store.outbox_entries()]


# -- the encrypted store ------------------------------------------------------------------------


def test_plain_store_is_converted_on_first_keyed_open_keeping_unsent_work(tmp_path: Path) -> None:
    path = tmp_path / "14.71.01.sqlite3"
    plain = Store(path)
    tid = queue_unsent(plain)
    plain.close()
    assert cipher.is_plain(path) is True
    key = os.urandom(32)
    encrypted = Store(path, key=key)
    try:
        assert encrypted.encrypted and unsent_ids(encrypted) == [tid]
    finally:
        encrypted.close()
    assert cipher.is_plain(path) is False  # no plain SQLite header any more
    assert b"Verifikasi" not in path.read_bytes()  # nor the entry's text
    assert not path.with_name(path.name + cipher.ENCRYPTING_SUFFIX).exists()
    again = Store(path, key=key)
    try:
        assert unsent_ids(again) == [tid]
    finally:
        again.close()


def test_a_wrong_key_or_no_key_fails_closed_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    key = os.urandom(32)
    store = Store(path, key=key)
    queue_unsent(store)
    store.close()
    before = path.read_bytes()
    with pytest.raises(cipher.StoreKeyError) as wrong:
        Store(path, key=os.urandom(32))
    assert "tidak dapat dibuka dengan kunci Anda" in wrong.value.message
    with pytest.raises(cipher.StoreKeyError):
        Store(path)  # never opened (or made anew) as plain SQLite
    with pytest.raises(cipher.StoreKeyError):  # the locator: the key was proven, not new
        open_checked_store(path, os.urandom(32))
    assert path.read_bytes() == before
    assert list(tmp_path.glob("s.sqlite3.rusak-*")) == []


def test_a_new_key_sets_an_unopenable_store_aside_and_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path, key=os.urandom(32))
    store.close()
    before = path.read_bytes()
    fresh, notice = open_checked_store(path, os.urandom(32), key_is_new=True)
    fresh.close()
    assert "tidak dihapus" in notice
    (kept,) = tmp_path.glob("s.sqlite3.rusak-*")
    assert kept.read_bytes() == before


def test_another_offices_encrypted_store_with_unsent_work_is_never_deleted(tmp_path: Path) -> None:
    key = os.urandom(32)
    busy, idle = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    store = Store(busy, key=key)
    queue_unsent(store)
    store.close()
    Store(idle, key=key).close()
    assert remove_unless_unsent(busy, [os.urandom(32)]) is False  # cannot read it: kept
    assert remove_unless_unsent(busy, [os.urandom(32), key]) is False  # unsent: kept
    assert busy.exists()
    assert remove_unless_unsent(idle, []) is False  # cannot tell without its key: kept
    assert remove_unless_unsent(idle, [key]) is True and not idle.exists()


# -- the vault ----------------------------------------------------------------------------------


def vault(backend: MemoryKeyring, clock: Clock | None = None) -> Vault:
    return Vault(SecretStore(backend), SERVER, params=CHEAP, clock=clock or Clock())


def test_remember_then_unlock_gives_the_same_keys_and_the_password_is_nowhere() -> None:
    backend, clock = MemoryKeyring(), Clock()
    keys = vault(backend, clock).remember("operator1", PASSWORD, user_json())
    assert keys.is_new("14.71.01")
    again = vault(backend, clock).remember("operator1", PASSWORD, user_json())
    assert not again.is_new("14.71.01") and again.keys == keys.keys
    unlocked = vault(backend, clock).unlock("operator1", PASSWORD)
    assert unlocked.keys.keys == keys.keys and unlocked.user["username"] == "operator1"
    (text,) = backend.entries.values()
    assert PASSWORD not in text and keys.keys["14.71.01"].hex() not in text


def test_offline_refusals_name_their_reason() -> None:
    backend, clock = MemoryKeyring(), Clock()
    v = vault(backend, clock)
    with pytest.raises(OfflineSignInError) as never:
        v.unlock("operator1", PASSWORD)
    assert never.value.code == "never_online"
    assert "Belum pernah masuk secara daring di komputer ini" in never.value.message
    v.remember("operator1", PASSWORD, user_json(days=3))
    with pytest.raises(OfflineSignInError) as wrong:
        v.unlock("operator1", "salah-sandi")
    assert wrong.value.code == "wrong_password"
    clock.now += 3 * 86400 - 60
    v.unlock("operator1", PASSWORD)  # still inside max_offline_days
    clock.now += 120
    with pytest.raises(OfflineSignInError) as expired:
        v.unlock("operator1", PASSWORD)
    assert expired.value.code == "expired" and "batasnya 3 hari" in expired.value.message


def test_an_edited_record_fails_the_verifier() -> None:
    """Someone at the same Windows account moves the last online sign-in forward."""
    backend, clock = MemoryKeyring(), Clock()
    vault(backend, clock).remember("operator1", PASSWORD, user_json(days=1))
    ((service, name), text) = next(iter(backend.entries.items()))
    record = json.loads(text)
    record["at"] += 30 * 86400
    backend.entries[(service, name)] = json.dumps(record)
    clock.now += 20 * 86400
    with pytest.raises(OfflineSignInError) as refused:
        vault(backend, clock).unlock("operator1", PASSWORD)
    assert refused.value.code == "wrong_password"


def test_disabled_account_loses_the_verifier_but_keeps_its_wrapped_keys() -> None:
    backend = MemoryKeyring()
    v = vault(backend)
    keys = v.remember("operator1", PASSWORD, user_json())
    v.forget("operator1")
    assert not v.knows("operator1")
    with pytest.raises(OfflineSignInError) as refused:
        v.unlock("operator1", PASSWORD)
    assert refused.value.code == "disabled"
    record = json.loads(next(iter(backend.entries.values())))
    assert "c" not in record and "u" not in record and set(record["k"]) == set(keys.keys)


def test_a_changed_password_keeps_the_old_keys_aside_and_records_stay_small() -> None:
    backend = MemoryKeyring()
    v = vault(backend)
    old = v.remember("operator1", PASSWORD, user_json("14.71.01"))
    v.remember("operator1", PASSWORD, user_json("14.71.02"))
    v.remember("operator1", PASSWORD, user_json("14.71.03.1001"))
    fresh = v.remember("operator1", "sandi-baru-2026", user_json("14.71.01"))
    assert fresh.is_new("14.71.01") and fresh.keys["14.71.01"] != old.keys["14.71.01"]
    record = json.loads(next(iter(backend.entries.values())))
    assert set(record["old"]["k"]) == {"14.71.01", "14.71.02", "14.71.03.1001"}
    assert 0 < v.record_size("operator1") < RECORD_LIMIT


def test_calibration_aims_at_a_third_of_a_second_and_is_kept_per_pc(tmp_path: Path) -> None:
    ticks = iter(float(n) * 0.05 for n in range(10_000))  # every derivation "takes" 50 ms

    def timer() -> float:
        return next(ticks)

    params = calibrate(timer=timer)
    assert params.memory_kib == 64 * 1024 and params.time_cost == 6  # 6 x 50 ms = 0.3 s
    saved = pc_params(tmp_path, timer=lambda: next(ticks))
    assert pc_params(tmp_path, timer=lambda: pytest.fail("calibrated twice")) == saved
    assert saved.time_cost >= 2


# -- offline sign-in against the real server ----------------------------------------------------


def offline_auth(url: str, backend: MemoryKeyring, data_path: Path) -> AuthService:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
    secrets = SecretStore(backend)
    return AuthService(
        api, secrets, vault=Vault(secrets, api.server_url, params=CHEAP, data_path=data_path)
    )


def test_offline_sign_in_after_an_online_one_then_the_server_returns(
    live_server: LiveServer, tmp_path: Path
) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    backend = MemoryKeyring()
    try:
        never = offline_auth(proxy.url, backend, tmp_path)
        proxy.close()
        with pytest.raises(SignInError) as unreachable:
            never.sign_in("verifier1", PASSWORD)
        assert unreachable.value.code == "unreachable" and not unreachable.value.offline_possible
        with pytest.raises(SignInError) as first_time:
            never.sign_in_offline("verifier1", PASSWORD)
        assert "Belum pernah masuk secara daring" in first_time.value.message
        proxy.up()
        online = offline_auth(proxy.url, backend, tmp_path)
        user = online.sign_in("verifier1", PASSWORD)
        keys = online.store_keys
        assert keys is not None and keys.for_office(user.office.code) is not None
        online.forget_session()  # the app closed; the offline record stays
        proxy.close()
        offline = offline_auth(proxy.url, backend, tmp_path)
        with pytest.raises(SignInError) as down:
            offline.sign_in("verifier1", PASSWORD)
        assert down.value.offline_possible
        with pytest.raises(SignInError) as wrong:
            offline.sign_in_offline("verifier1", "salah-sandi")
        assert wrong.value.code == "wrong_password"
        again = offline.sign_in_offline("verifier1", PASSWORD)
        assert again.id == user.id and offline.offline and offline.verify_password(PASSWORD)
        assert offline.store_keys is not None and offline.store_keys.keys == keys.keys
        with pytest.raises(ConnectionFailure):  # offline: requests fail as offline
            offline.api.get_json("/me")
        proxy.up()  # no refresh token was kept (signed out): the password is asked once
        with pytest.raises(SessionExpired) as ask:
            offline.api.get_json("/me")
        assert ask.value.code == OFFLINE_SIGNIN_CODE
        assert "Masukkan kata sandi" in ask.value.message
        offline.reauthenticate(PASSWORD)
        assert not offline.offline and offline.api.get_json("/me")["username"] == "verifier1"
    finally:
        proxy.close()


def test_offline_session_resumes_by_itself_with_the_refresh_token_left_in_the_keyring(
    live_server: LiveServer, tmp_path: Path
) -> None:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    backend = MemoryKeyring()
    try:
        crashed = offline_auth(proxy.url, backend, tmp_path)
        crashed.sign_in("verifier1", PASSWORD)  # then the PC lost power: the token stays
        assert backend.sessions
        proxy.close()
        offline = offline_auth(proxy.url, backend, tmp_path)
        offline.discard_leftover_session("verifier1")  # at start: cannot revoke, so kept
        assert backend.sessions
        offline.sign_in_offline("verifier1", PASSWORD)
        with pytest.raises(ConnectionFailure):
            offline.api.get_json("/me")
        proxy.up()
        assert offline.api.get_json("/me")["username"] == "verifier1"  # no password asked
        assert not offline.offline and offline.session_valid
    finally:
        proxy.close()


def test_account_disabled_wipes_offline_sign_in_and_never_the_unsent_store(
    live_server: LiveServer, tmp_path: Path
) -> None:
    from tests.desktop.test_auth import admin_create_user, admin_disable

    username = admin_create_user(live_server)
    backend = MemoryKeyring()
    auth = offline_auth(live_server.url, backend, tmp_path)
    user = auth.sign_in(username, PASSWORD)
    assert auth.store_keys is not None
    key = auth.store_keys.for_office(user.office.code)
    assert key is not None
    path = tmp_path / "store.sqlite3"
    store = Store(path, key=key)
    tid = queue_unsent(store)
    admin_disable(live_server, username)
    with pytest.raises(SessionExpired) as ended:
        auth.api.get_json("/me")  # the server answers 403 account_disabled
    assert ended.value.disabled
    store.close()
    assert backend.sessions == {} and not auth.can_sign_in_offline(username)
    with pytest.raises(SignInError) as refused:
        offline_auth(live_server.url, backend, tmp_path).sign_in_offline(username, PASSWORD)
    assert refused.value.code == "disabled"
    assert remove_unless_unsent(path, []) is False and path.exists()  # never deleted
    reopened = Store(path, key=key)
    try:
        assert unsent_ids(reopened) == [tid]
    finally:
        reopened.close()
