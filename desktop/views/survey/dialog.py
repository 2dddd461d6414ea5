"""Survei Kepuasan Masyarakat: the nine elements of Permenpan RB 14/2017, one per step.

Turned towards the citizen at the counter (or on a tablet): one question at a time, in large
type, with four large answers - the number and the regulation's words (`domain.ikm`), coloured
from red (1) to green (4) - so it reads at arm's length and works with a finger. One element
per step rather than one long page: nine questions with four big answers each do not fit
1366x768 without scrolling, and scrolling by touch loses the place.

Keys (for the officer, or a keypad): 1-4 answer the current element and move to the next;
Backspace goes back one element; after the ninth, the last step shows the answers and an
optional comment, where Enter sends ("Kirim"). Enter does nothing before that and Escape never
closes the dialog, so nothing is sent or lost by accident; "Lewati survei" (Alt+L) is the
deliberate way out - the citizen may skip.

The survey goes to the outbox (`controllers.survey.SurveyController`) under ONE transaction id
made when the dialog opens: a double click on Kirim is still one survey, offline it waits.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.survey import SurveyController
from desktop.domain import ikm
from desktop.services.survey import MAX_COMMENT, QueuedSurvey, new_transaction_id

COLOURS = ("#c62828", "#ef6c00", "#7cb342", "#2e7d32")
"""Answer 1..4, red to green: the scale reads without the words."""
ANSWER_KEYS = {
    Qt.Key.Key_1: 1,
    Qt.Key.Key_2: 2,
    Qt.Key.Key_3: 3,
    Qt.Key.Key_4: 4,
}
SIZE = (1120, 660)
"""Fits 1366x768 with the window's frame and the taskbar; a 10-inch tablet at 1280x800 too."""


def _answer_style(colour: str) -> str:
    return (
        "QPushButton { border: 3px solid %1; border-radius: 14px; background: white;"
        " color: #1b1b1b; font-size: 20px; padding: 8px; }"
        " QPushButton:checked { background: %1; color: white; font-weight: bold; }"
        " QPushButton:focus { outline: none; }"
    ).replace("%1", colour)


class SurveyDialog(QDialog):
    """See the module docstring."""

    submitted = Signal(object)
    """The `QueuedSurvey` kept in the outbox."""
    skipped = Signal()

    def __init__(
        self,
        app_id: str,
        number: str,
        controller: SurveyController,
        parent: QWidget | None = None,
        *,
        transaction_id: Callable[[], str] = new_transaction_id,
    ) -> None:
        super().__init__(parent)
        self.app_id = app_id
        self.number = number
        self.controller = controller
        self.transaction_id = transaction_id()
        self.answers: list[int | None] = [None] * len(ikm.ELEMENTS)
        self.step = 0
        self.sending = False
        self.setWindowTitle(self.tr("Survei Kepuasan Masyarakat"))
        self.setModal(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # 1-4 and Backspace come here
        self.resize(*SIZE)

        title = QLabel(self.tr("Survei Kepuasan Masyarakat"), self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(
            self.tr(
                "Permohonan %1 sudah diserahkan. Bantu kami memperbaiki pelayanan: pilih satu "
                "jawaban untuk setiap pertanyaan (sentuh pilihan, atau tekan angka 1-4)."
            ).replace("%1", number),
            self,
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._question_page())
        self.pages.addWidget(self._final_page())

        self.skip_button = QPushButton(self.tr("Lewati survei (Alt+L)"), self)
        self.skip_button.setMinimumHeight(48)
        self.skip_button.clicked.connect(self._skip)
        self.back_button = QPushButton(self.tr("Kembali (Backspace)"), self)
        self.back_button.setMinimumHeight(48)
        self.back_button.clicked.connect(self.back)
        self.send_button = QPushButton(self.tr("Kirim (Enter)"), self)
        self.send_button.setMinimumHeight(48)
        self.send_button.setStyleSheet("font-size: 18px; font-weight: bold; padding: 0 28px;")
        self.send_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 20)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter never presses the focused button
            button.setDefault(False)
        for key, slot in (("Alt+L", self._skip), ("Alt+K", self.back)):
            QShortcut(QKeySequence(key), self).activated.connect(slot)
        self._show()

    # -- pages -------------------------------------------------------------------------------

    def _question_page(self) -> QWidget:
        page = QWidget(self)
        self.progress = QProgressBar(page)
        self.progress.setRange(0, len(ikm.ELEMENTS))
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(10)
        self.position = QLabel(page)
        self.position.setTextFormat(Qt.TextFormat.PlainText)
        self.question = QLabel(page)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        self.question.setWordWrap(True)
        font = self.question.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        self.question.setFont(font)
        self.question.setMinimumHeight(110)
        self.question.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        grid = QGridLayout()
        grid.setSpacing(16)
        self.answer_buttons: list[QPushButton] = []
        for value in range(ikm.LOWEST, ikm.HIGHEST + 1):
            button = QPushButton(page)
            button.setCheckable(True)
            button.setMinimumSize(220, 170)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.setStyleSheet(_answer_style(COLOURS[value - 1]))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the dialog
            button.clicked.connect(lambda _c=False, v=value: self.answer(v))
            grid.addWidget(button, 0, value - 1)
            self.answer_buttons.append(button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 12, 0, 12)
        layout.addWidget(self.position)
        layout.addWidget(self.progress)
        layout.addSpacing(12)
        layout.addWidget(self.question)
        layout.addSpacing(12)
        layout.addLayout(grid, 1)
        return page

    def _final_page(self) -> QWidget:
        page = QWidget(self)
        heading = QLabel(self.tr("Terima kasih. Periksa jawaban Anda, lalu tekan Kirim."), page)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self.summary = QGridLayout()
        self.summary.setHorizontalSpacing(24)
        self.summary.setVerticalSpacing(4)
        self.summary_answers: list[QLabel] = []
        for row, element in enumerate(ikm.ELEMENTS):
            name = QLabel(f"{element.code}  {element.name}", page)
            answer = QLabel(page)
            answer.setTextFormat(Qt.TextFormat.PlainText)
            for label in (name, answer):
                big = label.font()
                big.setPointSizeF(big.pointSizeF() * 1.2)
                label.setFont(big)
            self.summary.addWidget(name, row, 0)
            self.summary.addWidget(answer, row, 1)
            self.summary_answers.append(answer)
        self.summary.setColumnStretch(1, 1)
        comment_label = QLabel(self.tr("Saran atau masukan (boleh dikosongkan):"), page)
        self.comment = QLineEdit(page)
        self.comment.setMaxLength(MAX_COMMENT)
        self.comment.setMinimumHeight(48)
        self.comment.setStyleSheet("font-size: 18px;")
        self.comment.setAccessibleName(self.tr("Saran atau masukan"))
        self.comment.setPlaceholderText(self.tr("Tulis saran Anda di sini"))
        comment_label.setBuddy(self.comment)
        self.problem = QLabel(page)
        self.problem.setStyleSheet("color: #b3261e; font-size: 16px;")
        self.problem.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 12, 0, 12)
        layout.addWidget(heading)
        layout.addSpacing(8)
        layout.addLayout(self.summary)
        layout.addStretch(1)
        layout.addWidget(comment_label)
        layout.addWidget(self.comment)
        layout.addWidget(self.problem)
        return page

    # -- steps -------------------------------------------------------------------------------

    @property
    def on_last_step(self) -> bool:
        return self.step == len(ikm.ELEMENTS)

    def _show(self) -> None:
        last = self.on_last_step
        self.pages.setCurrentIndex(1 if last else 0)
        self.back_button.setEnabled(self.step > 0 and not self.sending)
        self.send_button.setVisible(last)
        # On the last step Backspace edits the comment: Alt+K goes back there.
        self.back_button.setText(
            self.tr("Kembali (Alt+K)") if last else self.tr("Kembali (Backspace)")
        )
        self.send_button.setEnabled(last and not self.sending)
        if last:
            for label, e, a in zip(self.summary_answers, ikm.ELEMENTS, self.answers, strict=True):
                label.setText(f"{a} \u2013 {e.answers[(a or 1) - 1]}")
                label.setStyleSheet(f"color: {COLOURS[(a or 1) - 1]}; font-weight: bold;")
            self.comment.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        element = ikm.ELEMENTS[self.step]
        self.position.setText(
            self.tr("Pertanyaan %1 dari %2 \u00b7 %3")
            .replace("%1", str(self.step + 1))
            .replace("%2", str(len(ikm.ELEMENTS)))
            .replace("%3", element.name)
        )
        self.progress.setValue(self.step)
        self.question.setText(element.question)
        chosen = self.answers[self.step]
        for value, button in enumerate(self.answer_buttons, start=1):
            button.setText(f"{value}\n\n{element.answers[value - 1]}")
            button.setChecked(chosen == value)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def answer(self, value: int) -> None:
        """Answer the current element and move on (the last answer shows the summary)."""
        if self.on_last_step or self.sending:
            return
        self.answers[self.step] = value
        self.step += 1
        self._show()

    def back(self) -> None:
        if self.step == 0 or self.sending:
            return
        self.step -= 1
        self._show()

    def _skip(self) -> None:
        if self.sending:
            return
        self.skipped.emit()
        self.reject()

    def submit(self) -> None:
        """Kirim: keep the survey in the outbox (one transaction id whatever happens)."""
        if not self.on_last_step or self.sending:
            return
        answers = [a for a in self.answers if a is not None]
        if len(answers) != len(ikm.ELEMENTS):  # pragma: no cover - every step needs an answer
            return
        self.sending = True
        self.problem.setText("")
        self._show()
        self.controller.queue(
            self.app_id,
            self.number,
            answers,
            self.comment.text(),
            transaction_id=self.transaction_id,
            done=self._kept,
            failed=self._failed,
        )

    def _kept(self, queued: QueuedSurvey) -> None:
        self.sending = False
        self.submitted.emit(queued)
        self.accept()

    def _failed(self, message: str) -> None:
        self.sending = False
        self.problem.setText(message)
        self._show()

    # -- keys --------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in ANSWER_KEYS and plain and not self.on_last_step:
            self.answer(ANSWER_KEYS[Qt.Key(key)])
        elif key == Qt.Key.Key_Backspace and plain:
            self.back()  # in the comment box Backspace edits the text (it never gets here)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.on_last_step:
                self.submit()
        elif key == Qt.Key.Key_Escape:
            pass  # never closes by accident: Lewati survei is the way out
        else:
            super().keyPressEvent(event)
        event.accept()


__all__ = ["SurveyDialog"]
