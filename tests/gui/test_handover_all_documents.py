"""A birth registration's three signed outputs (akta, KK, KIA from SIAK, `services.siak_output`)
are all handed over (issue 13): "Cetak dokumen…" (Alt+C) previews each in turn, and the e-mail
(Alt+E, Alt+K) carries all three in ONE message whose attachments are the registered PDFs (same
SHA-256), recorded as one delivery listing every code. Real reference server on loopback, a
real SMTP relay (`aiosmtpd`), the validator's real PKCS#12, real key events."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

import desktop.views.workbench  # noqa: F401  (first: views.handover and views.workbench import each other)

# isort: split
from desktop.controllers.handover import HandoverController
from desktop.domain.catalogue import load_catalogue
from desktop.domain.records import ApplicationDetail
from desktop.models.store import Store
from desktop.services.applications import ApplicationService
from desktop.services.senders import outbox_sender
from desktop.services.siak_output import OutputFile, SiakOutputService, read_siak_pdf
from desktop.services.signing import Pkcs12Signer, SignRequest
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.handover import HandoverDialog
from desktop.views.handover.delivery import DeliveryAccess
from tests import siak_documents as docs
from tests.desktop.test_siak_output import OFFICIAL, Office, sign_in, validated_birth
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer, free_port, start_server
from tests.server.test_delivery import Sink
from tests.signing_ca import PASSPHRASE, make_pki

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

ALT = Qt.KeyboardModifier.AltModifier
EMAIL = "siti.rahmawati@contoh.co.id"


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    relay = Sink(free_port())
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


@pytest.fixture(scope="module")
def server(sink: Sink) -> Iterator[LiveServer]:
    env = {
        "LOKET_SMTP_HOST": "127.0.0.1",
        "LOKET_SMTP_PORT": str(sink.port),
        "LOKET_SMTP_SECURITY": "none",
        "LOKET_SMTP_TIMEOUT": "10",
        "LOKET_MAIL_FROM": "layanan@disdukcapil.pekanbaru.example.go.id",
        "LOKET_MAIL_FROM_NAME": "Disdukcapil Pekanbaru",
        "LOKET_PUBLIC_URL": "https://loket.pekanbaru.example.go.id",
    }
    with start_server(extra_env=env) as live:
        yield live


def signed_birth(server: LiveServer, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """validator1 signs the akta, KK and KIA of a validated birth registration through
    `SiakOutputService` and sends them; returns the application id and sha256 per type."""
    p12 = tmp_path / "kadis.p12"
    p12.write_bytes(make_pki().valid.p12(PASSPHRASE))
    api, user = sign_in(server, "validator1")
    store = Store(tmp_path / "dinas.sqlite3")
    try:
        apps = ApplicationService(api, store)
        apps.my_user_id = user.id
        service = SiakOutputService(
            store, catalogue=load_catalogue("1471"), user_id=user.id, server_url=server.url
        )
        office = Office(api, user, apps, store, outbox_sender(api, store, apps), service)
        detail = validated_birth(server, office)
        issued = service.issue(
            detail,
            [
                OutputFile(read_siak_pdf(docs.akta_f4_pdf(), "akta.pdf"), "AKTA-KELAHIRAN"),
                OutputFile(read_siak_pdf(docs.kk_pdf(), "kk.pdf"), "KK"),
                OutputFile(read_siak_pdf(docs.kk_pdf(members=2), "kia.pdf"), "KIA"),
            ],
            Pkcs12Signer(p12),
            SignRequest(verification_url="", signer_name=OFFICIAL.name, passphrase=PASSPHRASE),
            official=OFFICIAL,
        )
        report = office.sender.send_due()
        assert not (report.retry or report.conflicts or report.refused), report.reasons
        return detail.id, {i.document_type: i.sha256 for i in issued}
    finally:
        store.close()
        api.close()


def press(qtbot: QtBot, widget: QWidget, key: Qt.Key, mods: Qt.KeyboardModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget() or widget, key, mods)


def test_print_and_email_hand_over_every_signed_output(
    qtbot: QtBot, server: LiveServer, sink: Sink, tmp_path: Path
) -> None:
    app_id, shas = signed_birth(server, tmp_path)
    assert set(shas) == {"AKTA-KELAHIRAN", "KK", "KIA"}
    client, user = sign_in(server, "operator1")
    client.post_json(f"/applications/{app_id}/claim", {})
    runner = TaskRunner()
    store = Store(tmp_path / "loket.sqlite3")
    host = QWidget()
    host.resize(1366, 768)
    qtbot.addWidget(host)
    host.show()
    try:
        controller = HandoverController(runner, store, user.id, client=client)
        access = DeliveryAccess(controller, Settings(), online=lambda: True)
        raw = client.get_json(f"/applications/{app_id}")
        raw["applicant"] = {**raw["applicant"], "email": EMAIL}  # as if typed at intake
        detail = ApplicationDetail.from_json(raw)
        dialog = HandoverDialog(detail, ["Akta kelahiran", "KK", "KIA"], host, delivery=access)
        dialog.open()
        qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())

        # Cetak dokumen: the akta (the sign action's), then the KK, then the KIA.
        press(qtbot, dialog, Qt.Key.Key_C, ALT)
        printed: list[str] = []
        for place in (1, 2, 3):
            qtbot.waitUntil(lambda: dialog.preview is not None and dialog.preview.isVisible())
            preview = dialog.preview
            assert preview is not None
            assert f"Dokumen {place} dari 3: " in preview.windowTitle()
            printed.append(hashlib.sha256(preview.pdf).hexdigest())
            qtbot.waitUntil(preview.isActiveWindow)
            qtbot.keyClick(preview, Qt.Key.Key_Escape)
            qtbot.waitUntil(lambda p=preview: dialog.preview is not p)  # type: ignore[misc]
        qtbot.waitUntil(lambda: dialog.preview is None and dialog.isActiveWindow())
        assert printed[0] == shas["AKTA-KELAHIRAN"] and set(printed) == set(shas.values())

        # E-mail: one message, three PDFs.
        press(qtbot, dialog, Qt.Key.Key_E, ALT)
        page = dialog.email_page
        assert page is not None
        qtbot.waitUntil(page.send_button.isEnabled)
        assert "3 dokumen" in page.document_line.text()
        dialog.grab().save("/tmp/handover-email-three-documents.png")
        before = len(sink.received)
        with qtbot.waitSignal(dialog.delivered, timeout=30_000) as delivered:
            press(qtbot, dialog, Qt.Key.Key_K, ALT)
        assert len(sink.received) == before + 1
        _from, rcpt, raw = sink.received[-1]
        assert rcpt == [EMAIL]
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        attached = []
        for part in message.iter_attachments():
            assert part.get_content_type() == "application/pdf"
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            attached.append(hashlib.sha256(payload).hexdigest())
        assert sorted(attached) == sorted(shas.values())
        assert "dan 2 dokumen lain" in str(message["Subject"])
        result = delivered.args[0]
        assert result.completed
        assert {sha for _code, sha in result.delivery.documents} == set(shas.values())
        listed = client.get_json(f"/applications/{app_id}/deliveries")["items"]
        assert len(listed) == 1
        assert {d["sha256"] for d in listed[0]["documents"]} == set(shas.values())
        history = client.get_json(f"/applications/{app_id}")["history"]
        deliver = [h for h in history if h["action"] == "deliver"]
        assert len(deliver) == 1 and len(deliver[0]["details"]["delivery"]["documents"]) == 3
        dialog.reject()
    finally:
        assert runner.wait_idle(10_000)
        store.close()
        client.close()
