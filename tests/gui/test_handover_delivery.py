"""The signed document out of the handover dialog (issue 13), with real key events, against the
real reference server and a real SMTP relay (`aiosmtpd` on 127.0.0.1) as the office's relay:

- Alt+C previews the very signed PDF (downloaded from the application's documents by the issued
  document's SHA-256, or this PC's copy when the server cannot be reached);
- Alt+E, the applicant's address prefilled; Enter sends nothing; Alt+K sends: the message
  arrives with the signed PDF attached (same SHA-256), the application is completed, the
  dialog says to whom and when;
- the relay down: "Server surat sedang tidak tersedia; coba lagi nanti", the page stays,
  nothing is completed, and the next Alt+K sends one message;
- an address the server refuses is marked under the field;
- offline: the e-mail button is disabled with the reason; printing still works.

Screenshots at 1366x768 (the dialog over a window of that size) go to LOKET_SHOTS_DIR (else
/tmp)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

import desktop.views.workbench  # noqa: F401  (first: views.handover and views.workbench import each other)

# isort: split
from desktop.controllers.handover import HandoverController
from desktop.domain.records import ApplicationDetail
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import SessionExpired
from desktop.services.intake import documents_folder
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.handover import HandoverDialog
from desktop.views.handover.delivery import DeliveryAccess
from server.issued import new_code
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import running_app, sign_in
from tests.gui.shell_helpers import workbench as shell_workbench
from tests.live_server import LiveServer, free_port
from tests.server.conftest import Api, new_nik
from tests.server.harness import ServerClock, start_harness_server
from tests.server.test_delivery import Sink

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

SENDER = "layanan@jadirejo.pekanbaru.example.go.id"
EMAIL = "rina.marlina@contoh.co.id"
ALT = Qt.KeyboardModifier.AltModifier
WIB = ZoneInfo("Asia/Jakarta")


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
        "LOKET_MAIL_FROM": SENDER,
        "LOKET_MAIL_FROM_NAME": "Kelurahan Jadirejo",
        "LOKET_PUBLIC_URL": "https://loket.pekanbaru.example.go.id",
    }
    with start_harness_server(extra_env=env) as live:
        yield live


@pytest.fixture
def staff(server: LiveServer) -> dict[str, Api]:
    return {role: Api(server, *server.accounts[role]) for role in ("operator", "lurah")}


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_idle(10_000)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    kept = Store(tmp_path / "loket.db")
    yield kept
    kept.close()


class _Tokens:
    """The test account's bearer token for the desktop's `ApiClient`."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def access_token(self) -> str | None:
        token: str = self.api.tokens["access_token"]
        return token

    def refresh_access(self, stale: str) -> str | None:
        return None

    def session_ended(self, code: str) -> SessionExpired:
        return SessionExpired("Sesi berakhir.", code)


@dataclass
class Signed:
    app_id: str
    code: str
    pdf: bytes
    doc_id: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def signed_pdf() -> bytes:
    """A real one-page A4 PDF (the preview renders it), unique by its title."""
    out = BytesIO()
    with pikepdf.new() as doc:
        doc.add_blank_page(page_size=(595, 842))
        doc.docinfo["/Title"] = f"SK-DOMISILI {uuid.uuid4()}"
        doc.save(out)
    return out.getvalue()


def signed_application(staff: dict[str, Api]) -> Signed:
    """An SK-DOMISILI application in state `signed`, as an office makes it through the API: the
    issued document registered, its signed PDF uploaded, the sign action with its SHA-256;
    the operator holds the claim."""
    operator, lurah = staff["operator"], staff["lurah"]
    app = operator.create(
        service_code="SK-DOMISILI", nik=new_nik(), name="Rina Marlina", email=EMAIL
    )
    app_id = app["id"]
    lurah.claim(app_id)
    version = app["version"]
    for action in ("verify", "validate"):
        version = lurah.act(app_id, action, version)["application"]["version"]
    pdf = signed_pdf()
    sha = hashlib.sha256(pdf).hexdigest()
    code = new_code()
    r = lurah.post(
        f"/applications/{app_id}/issued",
        json={
            "transaction_id": str(uuid.uuid4()),
            "code": code,
            "document_type": "SK-DOMISILI",
            "letter_number": f"470/{uuid.uuid4().int % 9000 + 100}/Kel.Jadirejo/XII/2026",
            "issued_on": ServerClock(lurah.server).now().date().isoformat(),
            "sha256": sha,
        },
    )
    assert r.status_code == 201, r.text
    doc_id = str(uuid.uuid4())
    r = lurah.put(
        f"/applications/{app_id}/documents/{doc_id}",
        params={"filename": "surat-ditandatangani.pdf"},
        data=pdf,
        headers={"Content-Type": "application/pdf", "X-Content-SHA256": sha},
    )
    assert r.status_code == 201, r.text
    version = lurah.get(f"/applications/{app_id}").json()["version"]
    signed = lurah.act(app_id, "sign", version, document_sha256=sha)
    assert signed["application"]["status"] == "signed"
    operator.claim(app_id)
    return Signed(app_id, code, pdf, doc_id)


def client_for(server: LiveServer, api: Api, url: str | None = None) -> ApiClient:
    return ApiClient(url or server.url, device_id=api.device_id, tokens=_Tokens(api))


def detail_of(client: ApiClient, app_id: str) -> ApplicationDetail:
    return ApplicationDetail.from_json(client.get_json(f"/applications/{app_id}"))


def status(api: Api, app_id: str) -> str:
    value: str = api.get(f"/applications/{app_id}").json()["status"]
    return value


def mail(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@dataclass
class Desk:
    host: QWidget
    dialog: HandoverDialog


def open_dialog(
    qtbot: QtBot,
    detail: ApplicationDetail,
    controller: HandoverController,
    *,
    online: bool = True,
) -> Desk:
    """The dialog over a 1366x768 window, as on the counter's screen."""
    host = QWidget()
    host.resize(1366, 768)
    qtbot.addWidget(host)
    host.show()
    access = DeliveryAccess(controller, Settings(), online=lambda: online, tz=WIB)
    dialog = HandoverDialog(detail, ["Surat keterangan domisili"], host, delivery=access)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.isActiveWindow())
    return Desk(host, dialog)


def press(qtbot: QtBot, widget: QWidget, key: Qt.Key, mods: Any = Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget() or widget, key, mods)


def shot(desk: Desk, name: str) -> Path:
    """The 1366x768 window with the dialog where it stands on it."""
    QApplication.processEvents()
    canvas = QPixmap(desk.host.size())
    canvas.fill(Qt.GlobalColor.lightGray)
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, desk.host.grab())
    dialog = desk.dialog
    at = desk.host.mapFromGlobal(dialog.mapToGlobal(QPoint(0, 0)))
    x = max(0, min(at.x(), 1366 - dialog.width()))
    y = max(0, min(at.y(), 768 - dialog.height()))
    painter.drawPixmap(x, y, dialog.grab())
    painter.end()
    path = Path(os.environ.get("LOKET_SHOTS_DIR", "/tmp")) / name
    assert canvas.save(str(path))
    return path


def test_print_then_email_by_keys_sends_the_signed_pdf_and_completes(
    qtbot: QtBot,
    server: LiveServer,
    sink: Sink,
    staff: dict[str, Api],
    runner: TaskRunner,
    store: Store,
) -> None:
    doc = signed_application(staff)
    client = client_for(server, staff["operator"])
    controller = HandoverController(runner, store, staff["operator"].me["id"], client=client)
    desk = open_dialog(qtbot, detail_of(client, doc.app_id), controller)
    dialog = desk.dialog
    assert dialog.email_button.isEnabled() and dialog.print_button.isEnabled()

    # Cetak dokumen: the preview shows the very PDF signed (not on this PC: downloaded).
    press(qtbot, dialog, Qt.Key.Key_C, ALT)
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.preview.isVisible())
    preview = dialog.preview
    assert preview is not None
    assert hashlib.sha256(preview.pdf).hexdigest() == doc.sha256
    assert dialog.document is not None and not dialog.document.from_this_pc
    qtbot.waitUntil(lambda: len(preview.pages) == 1)
    qtbot.waitUntil(preview.isActiveWindow)
    press(qtbot, preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: dialog.preview is None)
    qtbot.waitUntil(dialog.isActiveWindow)

    # Kirim lewat e-mail: the applicant's address prefilled, the focus in it.
    press(qtbot, dialog, Qt.Key.Key_E, ALT)
    page = dialog.email_page
    assert page is not None
    assert dialog.pages.currentWidget() is page
    qtbot.waitUntil(page.send_button.isEnabled)
    assert page.address.text() == EMAIL
    assert QApplication.focusWidget() is page.address
    assert doc.code in page.document_line.text()
    shot(desk, "handover-email-1366x768.png")

    # Enter never sends.
    sent = len(sink.received)
    press(qtbot, page.address, Qt.Key.Key_Return)
    assert not page.sending and page.result is None and dialog.isVisible()
    assert status(staff["operator"], doc.app_id) == "signed"

    with qtbot.waitSignal(dialog.delivered, timeout=20_000) as delivered:
        press(qtbot, dialog, Qt.Key.Key_K, ALT)  # Kirim
    result = delivered.args[0]
    assert result.completed and result.application.status_raw == "completed"
    assert len(sink.received) == sent + 1
    _from, rcpt, raw = sink.received[-1]
    assert rcpt == [EMAIL]
    attachments = list(mail(raw).iter_attachments())
    assert len(attachments) == 1
    payload = attachments[0].get_payload(decode=True)
    assert isinstance(payload, bytes) and hashlib.sha256(payload).hexdigest() == doc.sha256
    assert status(staff["operator"], doc.app_id) == "completed"
    text = page.status.text()
    assert text.startswith(f"Terkirim ke {EMAIL} pukul ") and "permohonan selesai" in text
    assert result.delivery.sent_at is not None
    assert result.delivery.sent_at.astimezone(WIB).strftime("%H.%M") in text
    assert page.close_button.text() == "Tutup" and not page.send_button.isEnabled()
    assert not dialog.email_button.isEnabled()
    shot(desk, "handover-email-sent-1366x768.png")
    press(qtbot, dialog, Qt.Key.Key_K, ALT)  # again: nothing more is sent
    assert len(sink.received) == sent + 1
    press(qtbot, dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    client.close()


def test_relay_down_keeps_the_dialog_and_completes_nothing_then_sends_once(
    qtbot: QtBot,
    server: LiveServer,
    sink: Sink,
    staff: dict[str, Api],
    runner: TaskRunner,
    store: Store,
) -> None:
    doc = signed_application(staff)
    client = client_for(server, staff["operator"])
    controller = HandoverController(runner, store, staff["operator"].me["id"], client=client)
    desk = open_dialog(qtbot, detail_of(client, doc.app_id), controller)
    dialog = desk.dialog
    page = dialog.email_page
    assert page is not None
    press(qtbot, dialog, Qt.Key.Key_E, ALT)
    qtbot.waitUntil(page.send_button.isEnabled)
    sent = len(sink.received)
    sink.stop()
    try:
        press(qtbot, dialog, Qt.Key.Key_K, ALT)
        qtbot.waitUntil(lambda: not page.sending, timeout=20_000)
    finally:
        sink.start()
    assert "Server surat sedang tidak tersedia; coba lagi nanti." in page.status.text()
    assert dialog.isVisible() and dialog.pages.currentWidget() is page
    assert page.result is None and page.send_button.isEnabled()
    assert status(staff["operator"], doc.app_id) == "signed"
    assert staff["operator"].get(f"/applications/{doc.app_id}/deliveries").json()["items"] == []
    assert len(sink.received) == sent
    shot(desk, "handover-email-relay-down-1366x768.png")

    with qtbot.waitSignal(dialog.delivered, timeout=20_000):
        press(qtbot, dialog, Qt.Key.Key_K, ALT)
    assert len(sink.received) == sent + 1
    assert status(staff["operator"], doc.app_id) == "completed"
    client.close()


def test_an_address_the_server_refuses_is_marked_on_the_field(
    qtbot: QtBot,
    server: LiveServer,
    sink: Sink,
    staff: dict[str, Api],
    runner: TaskRunner,
    store: Store,
) -> None:
    doc = signed_application(staff)
    client = client_for(server, staff["operator"])
    controller = HandoverController(runner, store, staff["operator"].me["id"], client=client)
    desk = open_dialog(qtbot, detail_of(client, doc.app_id), controller)
    dialog = desk.dialog
    page = dialog.email_page
    assert page is not None
    press(qtbot, dialog, Qt.Key.Key_E, ALT)
    qtbot.waitUntil(page.send_button.isEnabled)
    qtbot.keyClick(page.address, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.address, "rina@")
    sent = len(sink.received)
    press(qtbot, dialog, Qt.Key.Key_K, ALT)
    qtbot.waitUntil(lambda: bool(page.address_problem.text()), timeout=20_000)
    assert "Alamat e-mail tidak valid" in page.address_problem.text()
    assert QApplication.focusWidget() is page.address and page.status.text() == ""
    assert len(sink.received) == sent and status(staff["operator"], doc.app_id) == "signed"
    shot(desk, "handover-email-bad-address-1366x768.png")

    qtbot.keyClick(page.address, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.address, "rina@contoh.co.id")
    assert page.address_problem.text() == ""
    with qtbot.waitSignal(dialog.delivered, timeout=20_000) as delivered:
        press(qtbot, dialog, Qt.Key.Key_K, ALT)
    assert delivered.args[0].delivery.to == "rina@contoh.co.id"
    assert len(sink.received) == sent + 1
    client.close()


def test_offline_email_is_disabled_with_the_reason_and_this_pcs_copy_prints(
    qtbot: QtBot,
    server: LiveServer,
    staff: dict[str, Api],
    runner: TaskRunner,
    store: Store,
) -> None:
    doc = signed_application(staff)
    online = client_for(server, staff["operator"])
    detail = detail_of(online, doc.app_id)
    online.close()
    # Signed on this PC: the issuing service kept the PDF as <documents>/<app>/<doc id>.pdf.
    folder = documents_folder(store.path) / doc.app_id
    folder.mkdir(parents=True)
    (folder / f"{doc.doc_id}.pdf").write_bytes(doc.pdf)
    gone = client_for(server, staff["operator"], url=f"http://127.0.0.1:{free_port()}")
    controller = HandoverController(runner, store, staff["operator"].me["id"], client=gone)
    desk = open_dialog(qtbot, detail, controller, online=False)
    dialog = desk.dialog
    assert not dialog.email_button.isEnabled()
    assert "tidak terhubung ke server" in dialog.delivery_status.text()
    assert "tidak terhubung ke server" in dialog.email_button.toolTip()
    press(qtbot, dialog, Qt.Key.Key_E, ALT)
    assert dialog.pages.currentIndex() == 0
    shot(desk, "handover-offline-1366x768.png")

    press(qtbot, dialog, Qt.Key.Key_C, ALT)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    preview = dialog.preview
    assert preview is not None and hashlib.sha256(preview.pdf).hexdigest() == doc.sha256
    assert dialog.document is not None and dialog.document.from_this_pc
    assert dialog.document.code == doc.code
    preview.reject()
    qtbot.waitUntil(lambda: dialog.preview is None)
    qtbot.waitUntil(dialog.isActiveWindow)
    press(qtbot, dialog, Qt.Key.Key_K, ALT)  # on this step Alt+K is still "Kuasa"
    assert dialog.kuasa.isChecked() and dialog.pages.currentIndex() == 0
    gone.close()


def test_a_void_issued_document_is_neither_printed_nor_sent(
    qtbot: QtBot,
    server: LiveServer,
    sink: Sink,
    staff: dict[str, Api],
    runner: TaskRunner,
    store: Store,
) -> None:
    doc = signed_application(staff)
    r = staff["lurah"].post(
        f"/applications/{doc.app_id}/issued/{doc.code}/void",
        json={"transaction_id": str(uuid.uuid4()), "reason": "salah ketik nama"},
    )
    assert r.status_code == 200, r.text
    client = client_for(server, staff["operator"])
    controller = HandoverController(runner, store, staff["operator"].me["id"], client=client)
    desk = open_dialog(qtbot, detail_of(client, doc.app_id), controller)
    dialog = desk.dialog
    press(qtbot, dialog, Qt.Key.Key_C, ALT)
    qtbot.waitUntil(lambda: "dokumen terbit yang sah" in dialog.delivery_status.text())
    assert dialog.preview is None and dialog.document is None
    press(qtbot, dialog, Qt.Key.Key_E, ALT)
    page = dialog.email_page
    assert page is not None
    qtbot.waitUntil(lambda: "dokumen terbit yang sah" in page.document_line.text())
    sent = len(sink.received)
    press(qtbot, dialog, Qt.Key.Key_K, ALT)
    assert not page.send_button.isEnabled() and not page.sending
    assert len(sink.received) == sent
    client.close()


def test_the_shell_gives_serahkan_its_print_and_email(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The shell wires what the dialog tests give by hand: the operator's workbench has the
    delivery access, its handover controller the session's client, and the connection state;
    a delivered application is fetched again. A verifier (no handover) gets none."""
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "operator1")
        wb = shell_workbench(loket)
        access = wb.delivery
        assert access is not None
        assert access.controller.client is not None and access.controller.can_email
        assert access.online() is True
        assert access.tz is not None  # the office's zone for "pukul …"
