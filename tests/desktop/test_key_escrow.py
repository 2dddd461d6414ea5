"""Key escrow and the IT commands on encrypted stores (issue 10, "encrypted at rest" and "long
outages"), against the real server, real SQLCipher files and the suite's keyring:

- an administrator resets a password: the next online sign-in opens the store keys with the
  server's escrow secret and wraps them under the new password; nothing is set aside;
- an administrator, signed in online on the PC, exports a disabled user's unsent work with
  that user's escrow secret (audited on the server); the user's password is never asked;
- ``loket outbox status|export|import`` and ``loket sync --once`` on an encrypted store, with
  the owner's password; a tampered file still refused;
- ``loket outbox export --store <office>.sqlite3.rusak-…`` on a damaged encrypted store.
"""

from __future__ import annotations

import io
import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from desktop.commands import outbox as outbox_command
from desktop.commands import sync as sync_command
from desktop.models import cipher
from desktop.models.outbox import EntryState
from desktop.models.store import Store
from desktop.models.store_locator import cache_problem, prepare_store, store_location
from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService, SignInError, UserInfo
from desktop.services.secrets import SecretStore
from desktop.services.vault import RECORD_LIMIT, EscrowNeeded, KdfParams, Vault
from desktop.settings import load_settings
from tests.desktop.support import Pc, Remote, keep_verify_for_transfer
from tests.desktop.test_auth import admin_create_user, admin_disable, admin_patch
from tests.live_server import LiveServer

CHEAP = KdfParams(time_cost=1, memory_kib=1024)
PASSWORD = "loket-demo"
NEW_PASSWORD = "sandi-baru-2026"


def online_auth(pc: Pc) -> AuthService:
    api = ApiClient(pc.url, device_id=load_settings().device_id, timeout=10)
    secrets = SecretStore()  # the suite's keyring (tests/desktop/fixtures.py)
    return AuthService(
        api, secrets, vault=Vault(secrets, api.server_url, params=CHEAP, data_path=pc.data)
    )


def decided_offline(
    pc: Pc, remote: Remote, username: str, password: str = PASSWORD
) -> tuple[Path, bytes, str, str, UserInfo]:
    """`username` signs in online on `pc` (store keys, escrow, transfer keys kept), claims an
    application and decides it; the decision stays in the encrypted store's outbox (never
    sent). Returns the store path, its key, the application, the transaction id, the user."""
    app_id = remote.create("Kunci cadangan " + uuid.uuid4().hex[:6])["id"]
    auth = online_auth(pc)
    user = auth.sign_in(username, password)
    assert auth.store_keys is not None
    key = auth.store_keys.for_office(user.office.code)
    assert key is not None
    server = auth.api.server_url
    prepared = prepare_store(pc.data, server, username, user.office.code, key=key, key_is_new=True)
    store = prepared.store
    try:
        tx = keep_verify_for_transfer(
            auth.api, store, pc.data, username=username, user_id=user.id, app_id=app_id
        )
    finally:
        store.close()
        auth.sign_out()
    assert cipher.is_plain(store.path) is False
    return store.path, key, app_id, tx, user


def run(
    main: object, argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str]:
    code = main(argv, stdin=io.StringIO(stdin))  # type: ignore[operator]
    captured = capsys.readouterr()
    return int(code), captured.out + captured.err


def server_audit(server: LiveServer, kind: str) -> list[dict[str, object]]:
    if server.db_path is None:
        pytest.skip("audit read from the SQLite file")
    with sqlite3.connect(server.db_path) as db:
        rows = db.execute("SELECT details FROM audit_log WHERE kind = ?", (kind,)).fetchall()
    return [json.loads(r[0]) for r in rows]


@pytest.fixture
def pcs(tmp_path: Path, live_server: LiveServer) -> tuple[Pc, Pc]:
    return Pc(tmp_path / "pc1", live_server.url), Pc(tmp_path / "pc2", live_server.url)


# -- the vault ----------------------------------------------------------------------------------


def test_escrow_wrap_opens_the_keys_a_new_password_does_not_and_records_stay_small() -> None:
    from tests.desktop.support import MemoryKeyring

    backend = MemoryKeyring()
    vault = Vault(SecretStore(backend), "https://loket.example", params=CHEAP)
    escrow = bytes(range(32))
    user: dict[str, object] = {"username": "op", "office": {"code": "14.71.01"}}
    first = vault.remember("op", PASSWORD, user, escrow)
    key = first.for_office("14.71.01")
    assert key is not None
    record = str(backend.offline_records)
    assert escrow.hex() not in record and PASSWORD not in record  # neither half is kept
    assert vault.recover("op", escrow) == {"14.71.01": key}
    assert vault.recover("op", bytes(32)) == {}  # another secret opens nothing
    # The password was reset but the secret did not come (a failed request): refused, nothing
    # changed (new keys would set the store aside and lose the escrow wrap of the old one).
    before = dict(backend.entries)
    with pytest.raises(EscrowNeeded):
        vault.remember("op", NEW_PASSWORD, user, None)
    assert backend.entries == before
    # The password was reset: the escrow secret opens the key, the new password wraps it.
    again = vault.remember("op", NEW_PASSWORD, user, escrow)
    assert again.for_office("14.71.01") == key and not again.is_new("14.71.01")
    assert vault.open_with_password("op", NEW_PASSWORD) == {"14.71.01": key}
    assert vault.unlock("op", NEW_PASSWORD).keys.keys == {"14.71.01": key}  # offline: password
    # A record without escrow wraps (made before escrow): a reset gives a new key, the old one
    # kept aside under the old password, as before.
    bare = Vault(SecretStore(MemoryKeyring()), "https://loket.example", params=CHEAP)
    old_key = bare.remember("op", PASSWORD, user, None).for_office("14.71.01")
    lost = bare.remember("op", NEW_PASSWORD, user, None)
    assert lost.is_new("14.71.01") and lost.for_office("14.71.01") != old_key
    assert bare.open_with_password("op", PASSWORD) == {"14.71.01": old_key}
    # Many offices, each wrapped twice: still under the keyring's limit.
    for n in range(4):
        office = f"14.71.1{n}"
        vault.remember("op", NEW_PASSWORD, {**user, "office": {"code": office}}, escrow)
    assert len(vault.offices("op")) == 5
    assert vault.record_size("op") < RECORD_LIMIT
    print(f"keyring record with 5 offices, escrow wraps and old keys: {vault.record_size('op')} B")
    vault.forget("op")  # account disabled: the escrow wraps stay for an administrator
    assert set(vault.recover("op", escrow)) >= {"14.71.01", "14.71.13"}


# -- against the real server --------------------------------------------------------------------


def test_password_reset_by_an_administrator_keeps_the_encrypted_store(
    live_server: LiveServer, pcs: tuple[Pc, Pc], monkeypatch: pytest.MonkeyPatch
) -> None:
    pc1, _pc2 = pcs
    pc1.use(monkeypatch)
    username = admin_create_user(live_server)
    operator = Remote(live_server.api, "operator1", PASSWORD)
    path, key, _app, tx, user = decided_offline(pc1, operator, username)

    admin_patch(live_server, username, {"password": NEW_PASSWORD})
    auth = online_auth(pc1)
    with pytest.raises(SignInError):
        auth.sign_in(username, PASSWORD)
    auth.sign_in(username, NEW_PASSWORD)
    keys = auth.store_keys
    assert keys is not None
    assert keys.for_office(user.office.code) == key and not keys.is_new(user.office.code)
    server = auth.api.server_url
    prepared = prepare_store(
        pc1.data, server, username, user.office.code, key=key, key_is_new=False
    )
    try:
        assert prepared.notice == ""
        assert [e.transaction_id for e in prepared.store.outbox_entries()] == [tx]
    finally:
        prepared.store.close()
        auth.sign_out()
    assert not [p for p in path.parent.iterdir() if ".rusak-" in p.name]  # nothing set aside
    # Offline sign-in now takes the new password only.
    offline = online_auth(pc1)
    assert offline.sign_in_offline(username, NEW_PASSWORD).username == username
    assert offline.store_keys is not None and offline.store_keys.for_office(user.office.code) == key
    with pytest.raises(SignInError):
        online_auth(pc1).sign_in_offline(username, PASSWORD)


def test_an_administrator_exports_a_disabled_users_unsent_work(
    live_server: LiveServer,
    pcs: tuple[Pc, Pc],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc1, pc2 = pcs
    pc1.use(monkeypatch)
    username = admin_create_user(live_server)
    operator = Remote(live_server.api, "operator1", PASSWORD)
    path, _key, app_id, tx, _user = decided_offline(pc1, operator, username)
    admin_disable(live_server, username)
    bundle = pc1.root / "usb" / "pulih.loket"
    bundle.parent.mkdir()

    # Not an administrator: refused by the server, nothing written, nothing audited.
    code, out = run(
        outbox_command.main,
        ["export", str(bundle), "--recover-user", username, "--user", "verifier1",
         "--password-stdin"],
        capsys,
        PASSWORD + "\n",
    )  # fmt: skip
    assert code == 1 and not bundle.exists(), out
    assert not [d for d in server_audit(live_server, "escrow_secret_released")
                if d["username"] == username]  # fmt: skip

    code, out = run(
        outbox_command.main,
        ["export", str(bundle), "--recover-user", username, "--user", "admin",
         "--password-stdin"],
        capsys,
        PASSWORD + "\n",  # the administrator's own password; the user's is never asked
    )  # fmt: skip
    assert code == 0, out
    assert "1 entri (1 keputusan)" in out and f"dari {username}" in out
    (released,) = [
        d for d in server_audit(live_server, "escrow_secret_released") if d["username"] == username
    ]
    assert released["disabled"] is True and "ekspor" in str(released["reason"])
    assert path.exists()  # the store itself is untouched

    # The work arrives once the account is enabled again (a disabled user's requests are
    # refused by the server as before), as the user's and PC1's, carried by verifier2.
    admin_patch(live_server, username, {"disabled": False})
    pc2.use(monkeypatch)
    code, out = run(
        outbox_command.main,
        ["import", str(bundle), "--user", "verifier2", "--password-stdin"],
        capsys,
        PASSWORD + "\n",
    )
    assert code == 0, out
    assert "1 baru terkirim" in out
    (entry,) = [h for h in operator.get(app_id)["history"] if h.get("transaction_id") == tx]
    assert entry["actor"]["username"] == username


def test_escrow_endpoint_is_for_administrators_within_scope(live_server: LiveServer) -> None:
    verifier = Remote(live_server.api, "verifier1", PASSWORD)
    own = verifier.http.post(live_server.api + "/me/escrow", json={})
    assert own.status_code == 200 and own.headers["Cache-Control"] == "no-store"
    again = verifier.http.post(live_server.api + "/me/escrow", json={})
    assert again.json()["escrow_secret"] == own.json()["escrow_secret"]  # stable per user
    uid = own.json()["user_id"]
    refused = verifier.http.post(
        f"{live_server.api}/users/{uid}/escrow", json={"reason": "ingin tahu"}
    )
    assert refused.status_code == 403
    admin = Remote(live_server.api, "admin", PASSWORD)
    given = admin.http.post(f"{live_server.api}/users/{uid}/escrow", json={"reason": "uji"})
    assert given.status_code == 200
    assert given.json()["escrow_secret"] == own.json()["escrow_secret"]
    assert admin.http.post(f"{live_server.api}/users/{uid}/escrow", json={}).status_code == 422


# -- the commands on an encrypted store ---------------------------------------------------------


def test_commands_read_an_encrypted_store_with_the_owners_password(
    live_server: LiveServer,
    pcs: tuple[Pc, Pc],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc1, pc2 = pcs
    pc1.use(monkeypatch)
    operator = Remote(live_server.api, "operator1", PASSWORD)
    path, key, app_id, tx, _user = decided_offline(pc1, operator, "verifier1")

    code, out = run(outbox_command.main, ["status"], capsys)  # nobody to ask: said so
    assert code == 0 and "terenkripsi; perlu kata sandi verifier1" in out, out
    code, out = run(outbox_command.main, ["status", "--password-stdin"], capsys, "salah\n")
    assert code == 0 and "kata sandi verifier1 tidak membukanya" in out, out
    code, out = run(outbox_command.main, ["status", "--password-stdin"], capsys, PASSWORD + "\n")
    assert code == 0 and "verifier1 @ kantor" in out and "1 menunggu" in out, out

    bundle = pc1.root / "usb" / "kiriman.loket"
    bundle.parent.mkdir()
    code, out = run(
        outbox_command.main, ["export", str(bundle), "--password-stdin"], capsys, "salah\n"
    )
    assert code == 1 and not bundle.exists(), out
    code, out = run(
        outbox_command.main, ["export", str(bundle), "--password-stdin"], capsys, PASSWORD + "\n"
    )
    assert code == 0 and "1 entri (1 keputusan)" in out, out
    assert cipher.opens_with(path, key)  # still encrypted, same key

    data = bundle.read_bytes()
    tampered = pc2.root / "ubah.loket"
    tampered.parent.mkdir(parents=True)
    tampered.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    pc2.use(monkeypatch)
    code, out = run(
        outbox_command.main,
        ["import", str(tampered), "--user", "verifier2", "--password-stdin"],
        capsys,
        PASSWORD + "\n",
    )
    assert code == 1 and "Berkas rusak atau diubah" in out, out
    assert operator.get(app_id)["status"] == "submitted"
    code, out = run(
        outbox_command.main,
        ["import", str(bundle), "--user", "verifier2", "--password-stdin"],
        capsys,
        PASSWORD + "\n",
    )
    assert code == 0 and "1 baru terkirim" in out, out
    assert operator.get(app_id)["status"] == "verified"

    # PC1's scheduled task later: the encrypted store opened with verifier1's key.
    pc1.use(monkeypatch)
    code, out = run(
        sync_command.main,
        ["--once", "--store", str(path), "--user", "verifier1", "--password-stdin"],
        capsys,
        PASSWORD + "\n",
    )
    assert code == 0 and "Masih menunggu: 0" in out, out
    store = Store(path, key=key)
    try:
        assert [(e.transaction_id, e.state) for e in store.outbox_entries()] == [
            (tx, EntryState.SENT)
        ]
    finally:
        store.close()


def test_a_damaged_store_set_aside_is_exported_from_what_can_be_read(
    live_server: LiveServer,
    pcs: tuple[Pc, Pc],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc1, _pc2 = pcs
    pc1.use(monkeypatch)
    operator = Remote(live_server.api, "operator1", PASSWORD)
    path, key, _app, _tx, _user = decided_offline(pc1, operator, "verifier1")
    conn = cipher.connect(path, key)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        roots = dict(conn.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 1"))
        size = int(conn.execute("PRAGMA cipher_page_size").fetchone()[0])
    finally:
        conn.close()
    aside = path.with_name(path.name + ".rusak-20261203-101500")
    path.rename(aside)
    cache = [page for name, page in roots.items() if name.startswith("applications")]
    assert cache and roots["outbox"] not in cache
    with aside.open("r+b") as fh:  # the cache tables' root pages are garbage now
        for page in cache:
            fh.seek((page - 1) * size)
            fh.write(b"\xa5" * size)
    assert cache_problem(aside, key) is not None  # the locator would set it aside as damaged
    before = aside.read_bytes()

    code, out = run(outbox_command.main, ["status", "--password-stdin"], capsys, PASSWORD + "\n")
    assert "disimpan terpisah: " + aside.name in out, out
    bundle = pc1.root / "dari-rusak.loket"
    code, out = run(
        outbox_command.main,
        ["export", str(bundle), "--store", str(aside), "--password-stdin"],
        capsys,
        PASSWORD + "\n",
    )
    assert code == 0, out
    assert "1 entri (1 keputusan)" in out and "dari verifier1" in out
    assert aside.read_bytes() == before  # read, never written
    assert store_location(pc1.data, live_server.url, "verifier1", "14.71") == path


def test_a_damaged_plain_store_set_aside_is_exported_without_a_password(
    live_server: LiveServer,
    pcs: tuple[Pc, Pc],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A PC whose keyring could not hold keys keeps a plain store; damaged, set aside."""
    pc1, _pc2 = pcs
    pc1.use(monkeypatch)
    operator = Remote(live_server.api, "operator1", PASSWORD)
    path, key, _app, _tx, _user = decided_offline(pc1, operator, "verifier1")
    aside = path.with_name(path.name + ".rusak-20261203-111500")
    conn = cipher.connect(path, key)
    try:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(aside),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    with sqlite3.connect(aside) as raw:
        size = int(raw.execute("PRAGMA page_size").fetchone()[0])
        cache = [
            int(r[0])
            for r in raw.execute(
                "SELECT rootpage FROM sqlite_master WHERE name LIKE 'applications%' "
                "AND rootpage > 1"
            )
        ]
    assert cache
    with aside.open("r+b") as fh:
        for page in cache:
            fh.seek((page - 1) * size)
            fh.write(b"\x5a" * size)
    assert cipher.is_plain(aside) and cache_problem(aside) is not None
    before = aside.read_bytes()
    bundle = pc1.root / "dari-rusak-polos.loket"
    code, out = run(outbox_command.main, ["export", str(bundle), "--store", str(aside)], capsys)
    assert code == 0, out
    assert "1 entri (1 keputusan)" in out and "dari verifier1" in out
    assert aside.read_bytes() == before  # kept as it was: never opened as a store
    assert not aside.with_name(aside.name + "-wal").exists()
