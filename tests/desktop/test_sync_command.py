"""`loket sync --once` sends every kind of entry the window sends: an application taken in at
the counter while the server could not be reached (APPLICATION create, DOCUMENT, APPLICATION
submit) arrives from the scheduled command, not refused as unreadable (issue 11). The command
and the window take their senders from one registry (`services.senders`)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from desktop.commands import sync as sync_command
from desktop.domain.records import Applicant
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService
from desktop.services.intake import IntakeService, NewDocument, device_sequence_file
from desktop.services.outbox import OutboxSender
from desktop.services.secrets import SecretStore
from desktop.services.senders import outbox_sender, outbox_senders
from desktop.settings import load_settings
from tests.desktop.support import MemoryKeyring, Pc, Remote, new_nik
from tests.live_server import LiveServer

PASSWORD = "loket-demo"
REPO = Path(__file__).resolve().parents[2]


def test_an_application_taken_in_offline_is_sent_by_sync_once(
    live_server: LiveServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc = Pc(tmp_path / "pc", live_server.url)
    pc.use(monkeypatch)
    # Who operator1 is on this PC (its device code goes into the provisional number).
    api = ApiClient(pc.url, device_id=load_settings().device_id, timeout=10)
    auth = AuthService(api, SecretStore(MemoryKeyring()))
    user = auth.sign_in("operator1", PASSWORD)
    auth.sign_out()

    path = tmp_path / "operator1.sqlite3"
    store = Store(path)
    try:  # taken in at the counter with no server: only the store is written
        intake = IntakeService(
            store,
            office_code=user.office.code,
            device_code=user.device_code,
            user_id=user.id,
            sequence_file=device_sequence_file(path),
        )
        scan = tmp_path / "pengantar.pdf"
        scan.write_bytes(b"%PDF-1.4\n" + os.urandom(4000) + b"\n%%EOF\n")
        name = "Sinkron Terjadwal " + uuid.uuid4().hex[:6]
        app = intake.create(
            service_code="SK-DOMISILI",
            applicant=Applicant(nik=new_nik(), name=name, sex="P", phone="081234567890"),
            documents=[NewDocument(scan, "SURAT-PENGANTAR-RT-RW")],
        )
        kinds = [e.kind for e in store.outbox_entries(app.id)]
        assert kinds == ["application", "document", "application"]
    finally:
        store.close()

    code = sync_command.main(
        ["--once", "--store", str(path), "--user", "operator1", "--password-stdin"],
        stdin=io.StringIO(PASSWORD + "\n"),
    )
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert "Terkirim: 3." in out.out and "Ditolak server: 0." in out.out, out.out

    seen = Remote(live_server.api, "operator1", PASSWORD).get(app.id)
    assert seen["provisional_number"] == app.provisional_number
    assert seen["status"] == "submitted" and seen["registration_number"]
    assert len(seen["documents"]) == 1
    again = Store(path)
    try:
        assert {e.state for e in again.outbox_entries(app.id)} == {EntryState.SENT}
    finally:
        again.close()


def test_the_one_registry_knows_every_entry_kind(tmp_path: Path) -> None:
    """Every kind the desktop writes has a sender: the built-in decisions and the registry."""
    store = Store(tmp_path / "s.sqlite3")
    try:
        api = ApiClient("http://127.0.0.1:9", device_id=str(uuid.uuid4()), timeout=1)
        from desktop.services.applications import ApplicationService

        apps = ApplicationService(api, store)
        sender = outbox_sender(api, store, apps)
        assert set(outbox_senders(api, store, apps)) <= set(sender.senders)
        assert {k.value for k in EntryKind} <= set(sender.senders)
        assert set(OutboxSender(apps, store).senders) < set(sender.senders)
    finally:
        store.close()


def test_the_registry_loads_no_qt() -> None:
    """The scheduled command has no display: the senders it imports must not pull in Qt."""
    code = (
        "import sys, desktop.services.senders, desktop.commands.sync;"
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "LOKET_DATA_DIR": "/nonexistent-loket", "HOME": "/tmp"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
