"""Shell review fixes: an opaque lock, read-only opening, claims per application, the lock over
a dialog, Next after a decision, unsent ticks kept, unlock attempts, a retried decision's id."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.domain.workflow import Action
from desktop.models.outbox import summary_text
from desktop.services.api.errors import ConnectionFailure, FailureKind
from desktop.services.applications import PendingDecision
from desktop.services.tasks import TaskRunner
from desktop.views.shell.lock_overlay import COVER, LockOverlay, delay_after
from desktop.views.shell.main_window import remove_scanned_text
from tests.access_log import ServerRequests
from tests.desktop.support import MemoryKeyring, Remote
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    decide,
    running_app,
    search,
    sign_in,
    tick_all,
    wait_message,
    wait_open,
    workbench,
)
from tests.gui.shell_helpers import open_row as _open_row
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

SECRET = QColor("#ff0000")


def _count(image: QImage, color: QColor, step: int = 3) -> tuple[int, int]:
    """(pixels of `color`, pixels sampled) on a grid."""
    hits = total = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            total += 1
            if image.pixelColor(x, y).rgb() == color.rgb():
                hits += 1
    return hits, total


def open_row(qtbot: QtBot, loket: LoketApp, row: int = 0) -> str:
    """`shell_helpers.open_row` after a pause: search text typed by `keyClicks` comes faster
    than a person types, and its Enter must not look like the end of a barcode scan."""
    qtbot.wait(120)
    return _open_row(qtbot, loket, row)


def _open(loket: LoketApp, app_id: str) -> None:
    assert loket.shell is not None
    loket.shell.open_application(app_id)


def _claim_user(remote: Remote, app_id: str) -> str | None:
    claim = remote.get(app_id).get("claim") or {}
    return claim.get("username") or claim.get("user_id")


# -- 1. the lock hides what is under it ----------------------------------------------------------


@pytest.fixture
def overlay_runner() -> Iterator[TaskRunner]:
    """The lock overlay's own runner (its password check runs there)."""
    runner = TaskRunner()
    yield runner
    runner.shutdown()


def test_lock_cover_paints_over_the_page(qtbot: QtBot, overlay_runner: TaskRunner) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    page.resize(900, 600)
    secret = QLabel("NIK 1471010101010001", page)
    secret.setAutoFillBackground(True)
    palette = secret.palette()
    palette.setColor(secret.backgroundRole(), SECRET)
    secret.setPalette(palette)
    layout = QVBoxLayout(page)
    layout.addWidget(secret)
    overlay = LockOverlay(
        page,
        overlay_runner,
        verify_local=lambda p: p == PASSWORD,
        reauthenticate=lambda p: None,  # type: ignore[arg-type,return-value]
        user_label="Siti",
    )
    page.show()
    qtbot.waitExposed(page)
    before, _ = _count(page.grab().toImage(), SECRET)
    assert before > 0  # the page shows its personal data
    overlay.lock("local")
    image = page.grab().toImage()
    hidden, total = _count(image, SECRET)
    assert hidden == 0
    cover, _ = _count(image, COVER)
    assert cover > total * 0.5  # opaque cover, the card in the middle


# -- 2. read-only opening --------------------------------------------------------------------------


def _spy_claims(loket: LoketApp) -> list[str]:
    calls: list[str] = []
    real = loket.apps.claim

    def claim(app_id: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(app_id)
        return real(app_id, *args, **kwargs)

    loket.apps.claim = claim  # type: ignore[method-assign]
    return calls


def test_supervisor_and_finished_applications_open_read_only(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Baca" + uuid.uuid4().hex[:6]
    op = Remote(live_server.api, "operator1", PASSWORD)
    open_app = op.create(f"{tag} Ani")
    done = op.create(f"{tag} Budi")
    verifier = Remote(live_server.api, "verifier1", PASSWORD)
    assert verifier.claim(done["id"]).status_code == 200
    r = verifier.act(done["id"], "reject", verifier.get(done["id"])["version"], "bukan warga")
    assert r.status_code == 200, r.text
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "supervisor1")
        claims = _spy_claims(loket)
        wb = workbench(loket)
        _open(loket, open_app["id"])
        wait_open(qtbot, loket, open_app["id"])
        assert wb.message_label.text() == "Hanya baca: peran Anda tidak memproses tahap ini."
        assert wb.message_kind == "info"
        assert not any(b.isVisible() for b in wb.action_buttons.values())
        assert claims == []
        assert wb.applicant_panel.isVisible()  # the data is shown

        _open(loket, done["id"])
        wait_open(qtbot, loket, done["id"])
        text = wb.message_label.text()
        assert text.startswith("Hanya baca: permohonan ini sudah berstatus")
        assert "periksa kembali" not in text and wb.message_kind == "info"
        assert claims == []  # finished applications are never claimed


def _taken_in(api: str, service: str) -> dict[str, Any]:
    """An application of `service` taken in at operator1's kelurahan (Jadirejo), submitted."""
    return Remote(api, "operator1", PASSWORD).create(
        "Wenang" + uuid.uuid4().hex[:6], service_code=service
    )


@pytest.mark.parametrize(
    ("username", "service", "verified_first", "says"),
    [
        # The lurah verifies his kelurahan's letters, but Disdukcapil decides adminduk: before
        # authority lived in the domain, this claim was tried and refused with a 403.
        (
            "lurah1",
            "KK-KTPEL-WNI",
            False,
            "ditandatangani di tingkat dinas (Disdukcapil); kantor tingkat kelurahan tidak "
            "berwenang",
        ),
        # Disdukcapil's verifier, on a kelurahan letter the lurah has verified already.
        ("verifier1", "SK-DOMISILI", True, "peran Anda tidak memproses tahap ini"),
    ],
)
def test_authority_opens_read_only_without_asking_the_server(
    qtbot: QtBot,
    live_server: LiveServer,
    memory_keyring: MemoryKeyring,
    username: str,
    service: str,
    verified_first: bool,
    says: str,
) -> None:
    """Whether to claim is decided before any request (`domain.authority`): no claim is sent,
    no 403 comes back, no action is offered, and the person reads why."""
    app = _taken_in(live_server.api, service)
    if verified_first:
        Remote(live_server.api, "lurah1", PASSWORD).decide(app["id"], "verify")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, username)
        wb = workbench(loket)
        seen = ServerRequests(live_server)
        _open(loket, app["id"])
        wait_open(qtbot, loket, app["id"])
        qtbot.waitUntil(lambda: wb.message_label.text() != "", timeout=WAIT)
        fetched = f"GET /api/v1/applications/{app['id']} 200"
        asked = seen.about(app["id"], lambda ok: qtbot.waitUntil(ok, timeout=WAIT), expect=fetched)
        assert fetched in asked, asked
        assert not [r for r in asked if r.startswith("POST") or r.endswith(" 403")], asked
        text = wb.message_label.text()
        assert text.startswith("Hanya baca: ") and says in text, text
        assert wb.message_kind == "info"
        assert wb.read_only and wb.decision_actions == []
        assert not any(b.isVisible() for b in wb.action_buttons.values())
        assert wb.claim_line.claim_button.isHidden()  # no "Tangani" that cannot be done
        assert wb.applicant_panel.isVisible()  # the data is shown
        assert _claim_user(Remote(live_server.api, "operator1", PASSWORD), app["id"]) is None


def test_a_claim_the_server_still_refuses_is_said_as_an_error(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """The roles changed on the server during the session: the desktop still judges with the
    roles it signed in with, claims, and is refused (403). Not the normal path: an error over
    a read-only view, never a crash nor an empty workbench."""
    admin = Remote(live_server.api, "admin", PASSWORD)
    name = "peran" + uuid.uuid4().hex[:8]
    r = admin.http.post(
        admin.api + "/users",
        json={
            "username": name,
            "full_name": "Petugas Uji Peran",
            "password": PASSWORD,
            "roles": ["verifier"],
            "office_code": "14.71",
        },
        timeout=30,
    )
    assert r.status_code == 201, r.text
    app = _taken_in(live_server.api, "SK-DOMISILI")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, name)
        r = admin.http.patch(
            f"{admin.api}/users/{r.json()['id']}", json={"roles": ["supervisor"]}, timeout=30
        )
        assert r.status_code == 200, r.text
        wb = workbench(loket)
        _open(loket, app["id"])
        wait_open(qtbot, loket, app["id"])
        text = wait_message(qtbot, loket, "error")
        assert text.startswith("Server menolak klaim: ") and "tidak dapat dibuka" not in text
        assert wb.read_only and wb.decision_actions == []
        assert wb.applicant_panel.isVisible()


# -- 3. claims per application ---------------------------------------------------------------------


def _slow_fetch(loket: LoketApp, slow_id: str, delay: float) -> None:
    real = loket.apps.fetch_detail

    def fetch(app_id: str) -> Any:
        if app_id == slow_id:
            time.sleep(delay)
        return real(app_id)

    loket.apps.fetch_detail = fetch  # type: ignore[method-assign]


@pytest.mark.parametrize("slow", ["first", "second"])
def test_fast_switch_keeps_claims_apart(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring, slow: str
) -> None:
    op = Remote(live_server.api, "operator1", PASSWORD)
    a, b = (op.create(f"Race{uuid.uuid4().hex[:5]} {n}") for n in "AB")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        _slow_fetch(loket, (a if slow == "first" else b)["id"], 1.0)
        wc = loket.workbench
        assert wc is not None
        _open(loket, a["id"])
        _open(loket, b["id"])
        wait_open(qtbot, loket, b["id"])
        qtbot.wait(1600)  # every late answer is in
        assert wc.holds(b["id"]) and wc.controller.renew_timer.isActive()
        assert not wc.holds(a["id"])
        qtbot.waitUntil(lambda: _claim_user(op, a["id"]) is None, timeout=WAIT)
        assert _claim_user(op, b["id"]) is not None
        wc.close()
        qtbot.waitUntil(lambda: _claim_user(op, b["id"]) is None, timeout=WAIT)


# -- 4. a decision that ends the claim -------------------------------------------------------------


def test_reject_ends_the_claim_and_its_renewal(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Akhir" + uuid.uuid4().hex[:6]
    Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} Cici")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        wc = loket.workbench
        assert wc is not None and wc.held_claim_id and wc.controller.renew_timer.isActive()
        decide(qtbot, loket, Action.REJECT, "bukan warga wilayah ini")
        wait_message(qtbot, loket, "success")
        assert wc.held_claim_id is None
        assert not wc.controller.renew_timer.isActive()


# -- 5. the lock over an open dialog ---------------------------------------------------------------


def test_lock_parks_the_reason_dialog_and_brings_it_back(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Lk" + uuid.uuid4().hex[:6]
    Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} Dewi")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        wb = workbench(loket)
        qtbot.mouseClick(wb.action_buttons[Action.REJECT], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: wb.reason_dialog is not None and wb.reason_dialog.isVisible(), timeout=WAIT
        )
        dialog = wb.reason_dialog
        assert dialog is not None
        qtbot.keyClicks(dialog.editor, "alamat di luar kota")
        window.idle.idle.emit()
        assert window.locked
        assert not dialog.isVisible()  # hidden, not closed
        assert QApplication.activeModalWidget() is None

        image = window.centralWidget().grab().toImage()
        cover, total = _count(image, COVER, step=5)
        assert cover > total * 0.5  # the page under the lock is not painted through

        overlay = window.overlay
        qtbot.keyClicks(overlay.password_edit, PASSWORD)
        qtbot.keyClick(overlay.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not window.locked)  # the check runs on a worker
        assert wb.reason_dialog is dialog and dialog.isVisible()
        assert dialog.editor.toPlainText() == "alamat di luar kota"
        dialog.reject()


# -- 6. Next after a decision ----------------------------------------------------------------------


def test_next_after_verify_on_the_submitted_tab(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Nx" + uuid.uuid4().hex[:6]
    op = Remote(live_server.api, "operator1", PASSWORD)
    for n in ("A", "B", "C"):
        op.create(f"{tag} {n}")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        page = loket.queue_page
        assert page is not None and page.status_buttons["submitted"].isChecked()
        search(qtbot, loket, tag.lower())
        assert page.model.rowCount() == 3
        second = page.model.id_at(1)
        open_row(qtbot, loket, 0)
        wb = workbench(loket)
        tick_all(loket)
        decide(qtbot, loket, Action.VERIFY)
        wait_message(qtbot, loket, "success")
        qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
        wb.next_requested.emit()
        assert second is not None
        wait_open(qtbot, loket, second)


# -- 7. unsent ticks and notes; a scan into a note -------------------------------------------------


def stamped_keys(widget: QWidget, text: str, start_ms: float, gap_ms: float) -> float:
    """Key presses and releases into `widget`, stamped `gap_ms` apart from `start_ms` as the
    OS stamps a device's keys (the wedge reads `QKeyEvent.timestamp`: a reader's few ms apart
    stay a burst however late a busy PC handles them; QTest's keys carry no stamp, so their
    gaps were the GUI thread's delays). "\n" is Enter. Returns the next free stamp."""
    stamp = start_ms
    for ch in text:
        key, char = (Qt.Key.Key_Return, "\r") if ch == "\n" else (Qt.Key(ord(ch.upper())), ch)
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
            event.setTimestamp(int(stamp))
            QApplication.sendEvent(widget, event)
        stamp += gap_ms
    return stamp


def test_scan_into_a_note_keeps_the_marks_and_the_note_clean(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    """A scan while typing a note opens the scanned application at once; the ticks and the note
    (without the scanned characters) are kept on this PC and come back with the first one."""
    tag = "Sc" + uuid.uuid4().hex[:6]
    op = Remote(live_server.api, "operator1", PASSWORD)
    a = op.create(f"{tag} A")
    b = op.create(f"{tag} B")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        wc = loket.workbench
        assert wc is not None
        search(qtbot, loket, f"{tag} a".lower())
        open_row(qtbot, loket, 0)
        wb = workbench(loket)
        tick_all(loket)
        note = wb.checklist.rows[0].note_edit
        wb.activateWindow()
        qtbot.waitUntil(wb.isActiveWindow, timeout=WAIT)
        note.setFocus()
        qtbot.waitUntil(note.hasFocus, timeout=WAIT)
        typed = stamped_keys(note, "foto buram ", time.monotonic() * 1000, 150)  # a person
        stamped_keys(note, b["registration_number"] + "\n", typed + 500, 5)  # the reader
        wait_open(qtbot, loket, b["id"])
        assert wc.leave_box is None  # nothing asked: nothing was lost
        assert not wb.has_unsent_marks()
        ticks = {k: v[0] for k, v in wb.checklist.judgements().items()}
        assert set(ticks.values()) == {None}  # B starts clean

        wc.open(a["id"])  # back to A: its ticks and its clean note are there again
        wait_open(qtbot, loket, a["id"])
        qtbot.waitUntil(lambda: wb.checklist.rows[0].note == "foto buram", timeout=WAIT)
        assert all(v[0] is True for v in wb.checklist.judgements().values())
        assert "dipulihkan" in wb.message_label.text()


def test_remove_scanned_text_only_takes_the_scan() -> None:
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    edit = QLineEdit()
    edit.setText("foto buram 3171-2026-0001")
    assert remove_scanned_text(edit, "317120260001")
    assert edit.text() == "foto buram "
    edit.setText("tanpa pindaian")
    assert not remove_scanned_text(edit, "317120260001")
    assert edit.text() == "tanpa pindaian"
    plain = QPlainTextEdit()
    plain.setPlainText("alasan\nKK 317120260001")
    cursor = plain.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    plain.setTextCursor(cursor)
    assert remove_scanned_text(plain, "3171-2026-0001")
    assert plain.toPlainText() == "alasan\nKK "


# -- 8. unlock attempts and the manual lock's words ------------------------------------------------


def test_wrong_passwords_slow_down_then_end_the_session(
    qtbot: QtBot, overlay_runner: TaskRunner
) -> None:
    assert [delay_after(n) for n in range(1, 11)] == [0, 0, 2, 4, 8, 16, 32, 60, 60, 60]
    page = QWidget()
    qtbot.addWidget(page)
    overlay = LockOverlay(
        page,
        overlay_runner,
        verify_local=lambda p: p == PASSWORD,
        reauthenticate=lambda p: None,  # type: ignore[arg-type,return-value]
        user_label="Siti",
    )
    ended: list[bool] = []
    overlay.attempts_exhausted.connect(lambda: ended.append(True))
    page.show()
    overlay.lock("local")

    def wrong() -> None:
        overlay.password_edit.setText("salah")
        overlay.submit()
        qtbot.waitUntil(lambda: not overlay.checking)  # the check runs on a worker

    wrong()
    wrong()
    assert overlay.password_edit.isEnabled() and overlay.error_label.text() == "Kata sandi salah."
    wrong()  # the third: wait 2 s
    assert not overlay.password_edit.isEnabled() and not overlay.unlock_button.isEnabled()
    assert "Coba lagi dalam 2 detik" in overlay.error_label.text()
    overlay.password_edit.setText(PASSWORD)
    overlay.submit()  # ignored while waiting
    assert overlay.locked
    qtbot.waitUntil(overlay.password_edit.isEnabled, timeout=4000)
    for _ in range(6):  # 4 … 9
        wrong()
        while overlay._wait_left > 0:
            overlay._tick()
    assert overlay.failures == 9 and not ended
    wrong()
    assert ended == [True]
    assert "masuk lagi" in overlay.error_label.text()


def test_manual_lock_says_it_was_locked(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        window = loket.window
        assert window is not None
        window.lock_action.trigger()
        assert window.locked
        text = window.overlay.reason_label.text()
        assert text.startswith("Loket dikunci.") and "tidak ada aktivitas" not in text


# -- 9. a retried decision keeps its transaction id ------------------------------------------------


def test_retry_after_lost_answer_reuses_the_transaction_id(
    qtbot: QtBot, live_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    tag = "Tx" + uuid.uuid4().hex[:6]
    Remote(live_server.api, "operator1", PASSWORD).create(f"{tag} Eko")
    with running_app(live_server.url, memory_keyring) as loket:
        sign_in(qtbot, loket, "verifier1")
        search(qtbot, loket, tag.lower())
        open_row(qtbot, loket, 0)
        seen: list[str] = []
        real = loket.apps.decide

        def decide_once_lost(pending: PendingDecision) -> Any:
            seen.append(pending.transaction_id)
            if len(seen) == 1:
                real(pending)  # applied on the server, but the answer is lost
                raise ConnectionFailure(FailureKind.TIMEOUT, "Server tidak menjawab.")
            return real(pending)

        loket.apps.decide = decide_once_lost  # type: ignore[method-assign]
        tick_all(loket)
        decide(qtbot, loket, Action.VERIFY)
        # No answer: kept in the outbox (issue 10) with the same transaction id, and the
        # outbox's next round sends it again, which the server answers as the first time.
        assert "disimpan di komputer ini" in wait_message(qtbot, loket, "info")
        assert loket.shell is not None and loket.store is not None
        loket.shell.sync.send_outbox()
        qtbot.waitUntil(lambda: len(seen) == 2, timeout=WAIT)
        store = loket.store
        qtbot.waitUntil(lambda: summary_text(store.outbox_counts()) == "", timeout=WAIT)
        assert len(seen) == 2 and seen[0] == seen[1]
