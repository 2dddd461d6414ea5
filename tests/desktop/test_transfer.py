"""USB transfer (issue 10, "long outages") against the real reference server, real store files
and the suite's keyring: PC1 decides while cut off, exports its unsent work to one file; PC2 of
the same office imports it and the server has it, as PC1's user and device; a second import
changes nothing; a changed byte or another office's file is refused with nothing sent; a
forged origin header is refused by the server."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.commands import outbox as outbox_command
from desktop.domain import origin
from desktop.models.outbox import EntryState, OutboxEntry
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService, PendingDecision
from desktop.services.auth import AuthService, UserInfo
from desktop.services.secrets import SecretStore
from desktop.services.transfer import Origin, build
from desktop.services.transfer_keys import (
    TransferKeys,
    prepare_offline_transfer,
)
from desktop.settings import load_settings
from tests.desktop.support import Pc, Remote, keep_verify_for_transfer
from tests.live_server import REPO, LiveServer

PASSWORD = "loket-demo"


def sign_in(url: str, username: str, store: Store | None = None) -> tuple[ApiClient, UserInfo]:
    api = ApiClient(url, device_id=load_settings().device_id, timeout=10)
    user = AuthService(api, SecretStore()).sign_in(username, PASSWORD)
    return api, user


def history(remote: Remote, app_id: str) -> list[dict[str, Any]]:
    return list(remote.get(app_id)["history"])


def offline_decision(pc: Pc, url: str, remote: Remote) -> tuple[str, str, UserInfo]:
    """PC1: verifier1 signs in online (keys kept), claims an application, then decides it
    while cut off (the decision is written to the outbox, nothing reaches the server)."""
    app_id = remote.create("Kiriman USB " + uuid.uuid4().hex[:6])["id"]
    store = Store(pc.store_path)
    try:
        api, user = sign_in(url, "verifier1")
        tx = keep_verify_for_transfer(
            api, store, pc.data, username="verifier1", user_id=user.id, app_id=app_id
        )
    finally:
        store.close()
    return app_id, tx, user


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[int, str]:
    code = outbox_command.main(argv, stdin=io.StringIO(stdin))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def pcs(tmp_path: Path, live_server: LiveServer) -> tuple[Pc, Pc]:
    return Pc(tmp_path / "pc1", live_server.url), Pc(tmp_path / "pc2", live_server.url)


def test_round_trip_second_import_changes_nothing(
    live_server: LiveServer,
    pcs: tuple[Pc, Pc],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc1, pc2 = pcs
    operator = Remote(live_server.api, "operator1", PASSWORD)
    pc1.use(monkeypatch)
    device1 = load_settings().device_id
    app_id, tx, verifier = offline_decision(pc1, live_server.url, operator)
    before = operator.get(app_id)
    assert before["status"] == "submitted"

    code, out = run(["status"], capsys)
    assert code == 0
    assert "verifier1 @ kantor" in out and "1 menunggu" in out and "tertua" in out

    bundle = pc1.root / "usb" / "kiriman.loket"
    bundle.parent.mkdir()
    code, out = run(["export", str(bundle)], capsys)
    assert code == 0, out
    assert f"Ditulis: {bundle}" in out and "1 entri (1 keputusan), 0 berkas dokumen" in out
    assert bundle.read_bytes().startswith(b"LOKET-KIRIMAN 1\n")
    assert b"verify" not in bundle.read_bytes()  # encrypted, not just signed

    pc2.use(monkeypatch)
    assert load_settings().device_id != device1
    code, out = run(
        ["import", str(bundle), "--user", "verifier2", "--password-stdin"], capsys, PASSWORD + "\n"
    )
    assert code == 0, out
    assert "Berkas sah: 1 entri" in out
    assert "1 baru terkirim, 0 sudah ada di server" in out
    after = operator.get(app_id)
    assert after["status"] == "verified"
    (entry,) = [h for h in after["history"] if h.get("transaction_id") == tx]
    # As the original user and device, not the carrier's; the carrier in the server's audit.
    assert entry["actor"]["user_id"] == verifier.id and entry["actor"]["username"] == "verifier1"
    assert entry["device_id"] == device1
    assert carried_by(live_server, app_id) == ["verifier2/D"]

    code, out = run(
        ["import", str(bundle), "--user", "verifier2", "--password-stdin"], capsys, PASSWORD + "\n"
    )
    assert code == 0, out
    assert "0 baru terkirim, 1 sudah ada di server" in out
    again = operator.get(app_id)
    assert again["version"] == after["version"]
    assert again["history"] == after["history"]

    # PC1 back online later sends its own entry: the server answers it as the first time.
    pc1.use(monkeypatch)
    store = Store(pc1.store_path)
    try:
        api, user = sign_in(live_server.url, "verifier1")
        apps = ApplicationService(api, store)
        apps.my_user_id = user.id
        from desktop.services.outbox import OutboxSender

        report = OutboxSender(apps, store).send_due()
        assert report.sent == [tx]
        assert [e.state for e in store.outbox_entries()] == [EntryState.SENT]
    finally:
        store.close()
    assert operator.get(app_id)["history"] == after["history"]


def carried_by(server: LiveServer, app_id: str) -> list[str]:
    """`carried_by` of the application's server audit rows (carrier username and device code
    prefix), read from the server's database file."""
    if server.db_path is None:
        pytest.skip("audit read from the SQLite file")
    with sqlite3.connect(server.db_path) as db:
        rows = db.execute(
            "SELECT json_extract(details, '$.carried_by') FROM audit_log "
            "WHERE application_id = ? AND json_extract(details, '$.carried_by') IS NOT NULL",
            (app_id,),
        ).fetchall()
    return [str(r[0])[: len("verifier2/D")] for r in rows]


def test_tampered_or_foreign_file_is_refused_with_nothing_sent(
    live_server: LiveServer,
    pcs: tuple[Pc, Pc],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc1, pc2 = pcs
    operator = Remote(live_server.api, "operator1", PASSWORD)
    pc1.use(monkeypatch)
    app_id, _tx, _user = offline_decision(pc1, live_server.url, operator)
    bundle = pc1.root / "kiriman.loket"
    assert run(["export", str(bundle)], capsys)[0] == 0
    data = bundle.read_bytes()
    before = operator.get(app_id)

    pc2.use(monkeypatch)
    for at in (len(data) - 5, len(data) // 2, data.index(b"\n") + 20):
        tampered = pc2.root / f"rusak-{at}.loket"
        tampered.parent.mkdir(parents=True, exist_ok=True)
        tampered.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])
        code, out = run(
            ["import", str(tampered), "--user", "verifier2", "--password-stdin"],
            capsys,
            PASSWORD + "\n",
        )
        assert code == 1
        assert "Berkas rusak atau diubah" in out or "bukan untuk kantor ini" in out, out
        assert "terkirim" not in out
    assert operator.get(app_id) == before  # nothing sent

    # A file of another office (operator1's kelurahan) read at the dinas.
    pc3 = Pc(pc2.root.parent / "pc3", live_server.url)
    pc3.use(monkeypatch)
    api, user = sign_in(live_server.url, "operator1")
    keys = TransferKeys(SecretStore(), api.server_url)
    assert (
        prepare_offline_transfer(
            api, SecretStore(), pc3.data, pc3.store_path, username="operator1", user_id=user.id
        )
        == ""
    )
    office_key = keys.office_key(user.office.code)
    device_key = keys.device_key(api.device_id)
    assert office_key is not None and device_key is not None
    pending = PendingDecision.create(app_id, "verify", expected_version=before["version"])
    entry = OutboxEntry(
        1, pending.transaction_id, app_id, "decision", pending.payload(), "Verifikasi",
        user.id, EntryState.WAITING, 0, None, "", None, 0, 0,
    )  # fmt: skip
    foreign, _left, _kinds, _docs = build(
        [entry], Origin(api.server_url, user.office.code, api.device_id), device_key, office_key
    )
    path = pc3.root / "lain.loket"
    path.write_bytes(foreign)
    pc2.use(monkeypatch)
    code, out = run(
        ["import", str(path), "--user", "verifier2", "--password-stdin"], capsys, PASSWORD + "\n"
    )
    assert code == 1 and "Berkas ini bukan untuk kantor ini." in out
    assert operator.get(app_id) == before


def test_forged_origin_headers_are_refused_by_the_server(
    live_server: LiveServer, pcs: tuple[Pc, Pc], monkeypatch: pytest.MonkeyPatch
) -> None:
    pc1, pc2 = pcs
    operator = Remote(live_server.api, "operator1", PASSWORD)
    pc1.use(monkeypatch)
    device1 = load_settings().device_id
    app_id, _tx, verifier = offline_decision(pc1, live_server.url, operator)
    keys = TransferKeys(SecretStore(), live_server.url)
    real_key = keys.device_key(device1)
    assert real_key is not None
    pc2.use(monkeypatch)
    carrier = requests.post(
        live_server.api + "/auth/login",
        json={
            "username": "verifier2",
            "password": PASSWORD,
            "device_id": "pc2-" + uuid.uuid4().hex,
        },
        timeout=10,
    ).json()["access_token"]
    version = operator.get(app_id)["version"]
    path = f"/api/v1/applications/{app_id}/actions"

    def attempt(key: Ed25519PrivateKey, body: dict[str, Any], signed: bytes | None = None) -> Any:
        raw = json.dumps(body).encode()
        message = origin.statement(
            device_id=device1, office_code=verifier.office.code, user_id=verifier.id,
            method="POST", path=path, idempotency_key="",
            body_sha256=hashlib.sha256(signed if signed is not None else raw).hexdigest(),
        )  # fmt: skip
        return requests.post(
            live_server.url + path,
            data=raw,
            headers={
                "Authorization": f"Bearer {carrier}",
                "Content-Type": "application/json",
                origin.HEADER_DEVICE: device1,
                origin.HEADER_USER: verifier.id,
                origin.HEADER_SIGNATURE: base64.b64encode(key.sign(message)).decode(),
            },
            timeout=10,
        )

    def body() -> dict[str, Any]:
        return {
            "action": "verify",
            "expected_version": version,
            "reason": None,
            "transaction_id": str(uuid.uuid4()),
            "device_time": None,
            "checklist": None,
        }

    made_up = attempt(Ed25519PrivateKey.generate(), body())  # not the registered key
    assert made_up.status_code == 403 and made_up.json()["code"] == "origin_refused"
    good = body()
    changed = attempt(real_key, {**good, "action": "reject"}, signed=json.dumps(good).encode())
    assert changed.status_code == 403 and changed.json()["code"] == "origin_refused"
    assert operator.get(app_id)["status"] == "submitted"
    # The device's key is registered once: another key for it later is refused (409).
    api = ApiClient(live_server.url, device_id=device1, timeout=10)
    pc1.use(monkeypatch)
    AuthService(api, SecretStore()).sign_in("verifier1", PASSWORD)
    other = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes_raw()).decode()
    with pytest.raises(Exception) as refused:
        api.request("PUT", "/devices/current/key", json_body={"public_key": other})
    assert getattr(refused.value, "code", "") == "device_key_mismatch"


def test_commands_import_no_qt() -> None:
    code = (
        "import sys, desktop.commands.outbox, desktop.commands.sync, desktop.commands.common;"
        "from desktop.commands import outbox; outbox.main(['status']);"
        # what `loket sync --once` loads in run_once (the sender, the pull, the store)
        "import desktop.services.outbox, desktop.services.sync, desktop.models.store;"
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "LOKET_DATA_DIR": "/nonexistent-loket", "HOME": "/tmp"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def entry_of(kind: str, payload: dict[str, Any]) -> OutboxEntry:
    return OutboxEntry(
        1, str(uuid.uuid4()), str(uuid.uuid4()), kind, payload, "x", "u",
        EntryState.WAITING, 0, None, "", None, 0, 0,
    )  # fmt: skip


def test_intake_entries_become_the_requests_the_intake_sender_sends(tmp_path: Path) -> None:
    from desktop.services.transfer_requests import NotTransferable, plan

    app_id, doc_id = str(uuid.uuid4()), str(uuid.uuid4())
    scan = tmp_path / "ktp scan.pdf"
    scan.write_bytes(b"%PDF-1.4 test")
    sha = hashlib.sha256(scan.read_bytes()).hexdigest()
    doc = entry_of(
        "document",
        {"app_id": app_id, "doc_id": doc_id, "sha256": sha, "media_type": "application/pdf",
         "path": str(scan), "requirement_code": "KTP"},
    )  # fmt: skip
    put = plan(doc)
    assert (put.method, put.content_type, put.body, put.document_id) == (
        "PUT", "application/pdf", b"%PDF-1.4 test", doc_id,
    )  # fmt: skip
    assert put.path == (
        f"/applications/{app_id}/documents/{doc_id}?filename=ktp%20scan.pdf&requirement_code=KTP"
    )
    assert put.idempotency_key == doc.transaction_id and put.body_sha256 == sha
    create = plan(entry_of("application", {"step": "create", "body": {"id": app_id, "x": 1}}))
    assert (create.method, create.path, json.loads(create.body)) == (
        "POST", "/applications", {"id": app_id, "x": 1},
    )  # fmt: skip
    decision = PendingDecision.create(app_id, "submit", expected_version=1)
    submit = plan(entry_of("application", {"step": "submit", "decision": decision.payload()}))
    assert submit.path == f"/applications/{app_id}/actions"
    assert json.loads(submit.body)["transaction_id"] == decision.transaction_id
    scan.write_bytes(b"%PDF-1.4 changed")  # changed since it was kept: not carried
    with pytest.raises(NotTransferable):
        plan(doc)
