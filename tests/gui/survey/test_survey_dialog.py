"""The survey dialog with real key events, a real store's outbox and the real server.

The citizen answers the nine elements by keys 1-4 (Backspace goes back and an answer is
changed), writes a comment and sends with Enter; the survey waits in the outbox, is sent by
the session's senders (`services.senders.outbox_sender`) and arrives as ONE row, also when sent
again (double click, replay after a lost answer). Enter and Escape before the last step close
nothing; Lewati skips and keeps nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.controllers.handover import HandoverController
from desktop.controllers.survey import SurveyController
from desktop.domain import ikm
from desktop.domain.records import ApplicationDetail
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.handover import for_applicant
from desktop.services.senders import outbox_sender
from desktop.services.survey_sender import SurveySender
from desktop.services.tasks import TaskRunner
from desktop.views.survey import SurveyDialog
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.live_server import LiveServer
from tests.server.conftest import Api, run_sql
from tests.server.test_survey import completed

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


class _Tokens:
    def __init__(self, api: Api) -> None:
        self.api = api

    def access_token(self) -> str | None:
        token: str = self.api.tokens["access_token"]
        return token

    def refresh(self) -> str | None:
        self.api.refresh()
        return self.access_token()


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


@pytest.fixture
def staff(live_server: LiveServer) -> dict[str, Api]:
    return {r: Api(live_server, *live_server.accounts[r]) for r in ("operator", "lurah")}


def dialog_for(
    qtbot: QtBot, app_id: str, runner: TaskRunner, store: Store, user_id: str
) -> SurveyDialog:
    controller = SurveyController(runner, store, user_id)
    dialog = SurveyDialog(app_id, "REG-UJI", controller)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # the keys and Alt shortcuts go to the active window
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    return dialog


def rows(server: LiveServer, app_id: str) -> list[tuple[Any, ...]]:
    return run_sql(
        server,
        "SELECT u1, u2, u3, u4, u5, u6, u7, u8, u9, comment FROM survey_responses "
        "WHERE application_id = ?",
        (app_id,),
    )


def test_nine_answers_by_keys_then_sent_once(
    qtbot: QtBot, live_server: LiveServer, staff: dict[str, Api], runner: TaskRunner, store: Store
) -> None:
    operator = staff["operator"]
    app = completed(staff.__getitem__)
    dialog = dialog_for(qtbot, app["id"], runner, store, operator.me["id"])
    assert dialog.position.text().startswith("Pertanyaan 1 dari 9")
    assert dialog.answer_buttons[0].text().endswith("Tidak sesuai")
    # Enter and Escape before the last step neither send nor close.
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape):
        qtbot.keyClick(dialog, key)
    assert dialog.isVisible() and dialog.step == 0
    for key in (Qt.Key.Key_4, Qt.Key.Key_3, Qt.Key.Key_3, Qt.Key.Key_1):
        qtbot.keyClick(dialog, key)
    assert dialog.step == 4 and dialog.answers[3] == 1
    qtbot.keyClick(dialog, Qt.Key.Key_Backspace)  # back to U4 (biaya): the 1 was a slip
    assert dialog.step == 3 and dialog.answer_buttons[0].isChecked()
    assert dialog.answer_buttons[3].text().endswith("Gratis")
    for key in "43342":
        qtbot.keyClick(dialog, key)
    if os.environ.get("LOKET_SHOTS", "1") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / "survey-question.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_3)
    assert dialog.on_last_step and dialog.answers == [4, 3, 3, 4, 3, 3, 4, 2, 3]
    assert dialog.summary_answers[3].text() == "4 \u2013 Gratis"
    assert QApplication.focusWidget() is dialog.comment, QApplication.focusWidget()
    qtbot.keyClicks(dialog.comment, "Ruang tunggu panas")
    qtbot.keyClick(dialog.comment, Qt.Key.Key_Backspace)  # edits the text, does not go back
    assert dialog.on_last_step and dialog.comment.text() == "Ruang tunggu pana"
    qtbot.keyClicks(dialog.comment, "s, petugas ramah")
    if os.environ.get("LOKET_SHOTS", "1") == "1":
        dialog.grab().save(str(SHOTS / "survey-final.png"))
    assert dialog.width() <= 1366 and dialog.height() <= 768
    with qtbot.waitSignal(dialog.submitted, timeout=10_000) as kept:
        qtbot.keyClick(dialog.comment, Qt.Key.Key_Return)
        dialog.submit()  # a second press while the first is being kept: nothing more
    assert kept.args is not None and kept.args[0].added
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == SurveyDialog.DialogCode.Accepted

    [entry] = store.outbox_entries(app["id"])
    assert entry.kind == EntryKind.SURVEY.value and entry.state is EntryState.WAITING
    assert entry.transaction_id == dialog.transaction_id
    assert rows(live_server, app["id"]) == []  # offline until a round sends it

    client = ApiClient(live_server.url, device_id=operator.device_id, tokens=_Tokens(operator))
    apps = ApplicationService(client, store)
    report = outbox_sender(client, store, apps).send_due()
    assert report.sent == [entry.transaction_id], report
    assert rows(live_server, app["id"]) == [(4, 3, 3, 4, 3, 3, 4, 2, 3,
                                             "Ruang tunggu panas, petugas ramah")]  # fmt: skip
    # The answer was lost and the entry is sent again: the server answers the first.
    SurveySender(client).send_survey(entry)
    assert len(rows(live_server, app["id"])) == 1


def test_a_second_queue_of_the_same_survey_is_one_entry(
    qtbot: QtBot, live_server: LiveServer, staff: dict[str, Api], runner: TaskRunner, store: Store
) -> None:
    """A double click: the same transaction id queued twice is one outbox entry."""
    app = completed(staff.__getitem__)
    dialog = dialog_for(qtbot, app["id"], runner, store, staff["operator"].me["id"])
    for button_value in (3,) * len(ikm.ELEMENTS):
        qtbot.mouseClick(dialog.answer_buttons[button_value - 1], Qt.MouseButton.LeftButton)
    assert dialog.on_last_step
    controller = dialog.controller
    done: list[Any] = []
    for _ in range(2):
        controller.queue(
            app["id"], "REG-UJI", [3] * 9, "", transaction_id=dialog.transaction_id,
            done=done.append, failed=pytest.fail,
        )  # fmt: skip
    qtbot.waitUntil(lambda: len(done) == 2)
    assert sorted(q.added for q in done) == [False, True]
    assert len(store.outbox_entries(app["id"])) == 1


def test_skip_keeps_nothing(
    qtbot: QtBot, live_server: LiveServer, staff: dict[str, Api], runner: TaskRunner, store: Store
) -> None:
    app = completed(staff.__getitem__)
    dialog = dialog_for(qtbot, app["id"], runner, store, staff["operator"].me["id"])
    qtbot.keyClick(dialog, Qt.Key.Key_2)
    with qtbot.waitSignal(dialog.skipped, timeout=5_000):
        qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert not dialog.isVisible()
    assert dialog.result() == SurveyDialog.DialogCode.Rejected
    assert store.outbox_entries(app["id"]) == []


def test_the_handover_offers_the_survey_and_both_sync_in_order(
    qtbot: QtBot, live_server: LiveServer, staff: dict[str, Api], runner: TaskRunner, store: Store
) -> None:
    """Serahkan kept offline -> `handed_over` -> the survey (as the shell wires it) -> one round
    sends the DELIVER first, then the survey of the now completed application."""
    operator, lurah = staff["operator"], staff["lurah"]
    app = operator.create(service_code="SK-DOMISILI")
    version = app["version"]
    lurah.claim(app["id"])
    for action in ("verify", "validate", "sign"):
        version = lurah.act(app["id"], action, version)["application"]["version"]
    lurah.delete(f"/applications/{app['id']}/claim")
    operator.claim(app["id"])
    client = ApiClient(live_server.url, device_id=operator.device_id, tokens=_Tokens(operator))
    detail = ApplicationDetail.from_json(client.get_json(f"/applications/{app['id']}"))
    handovers = HandoverController(runner, store, operator.me["id"])
    surveys = SurveyController(runner, store, operator.me["id"])
    opened: list[SurveyDialog] = []

    def offer(kept: object) -> None:  # the shell's wiring (see docs/manual/survei.md)
        assert isinstance(kept, ApplicationDetail)
        dialog = SurveyDialog(kept.id, kept.number or kept.id[:8], surveys)
        qtbot.addWidget(dialog)
        opened.append(dialog)
        dialog.open()

    handovers.handed_over.connect(offer)
    queued: list[object] = []
    handovers.queue(detail, for_applicant(detail), queued.append, pytest.fail)
    qtbot.waitUntil(lambda: len(opened) == 1)
    assert queued, "the handover is kept before the survey opens"
    dialog = opened[0]
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    for key in (Qt.Key.Key_4,) * 8 + (Qt.Key.Key_3,):
        qtbot.keyClick(dialog, key)
    with qtbot.waitSignal(dialog.submitted, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Enter)
    kinds = [e.kind for e in store.outbox_entries(app["id"])]
    assert kinds == [EntryKind.DECISION.value, EntryKind.SURVEY.value]
    apps = ApplicationService(client, store)
    sender = outbox_sender(client, store, apps)
    for _ in range(3):  # one application's entries go one at a time, in order
        sender.send_due()
        if not any(e.state is not EntryState.SENT for e in store.outbox_entries(app["id"])):
            break
    assert [e.state for e in store.outbox_entries(app["id"])] == [EntryState.SENT] * 2
    assert rows(live_server, app["id"]) == [(4, 4, 4, 4, 4, 4, 4, 4, 3, None)]
