"""One calm line when the session cannot be kept in the OS keyring, with a "why" link.

Loket refuses to keep its refresh token anywhere but the operating system's credential store
(`desktop.services.secrets`). Without one (a bare Linux PC, the demo) the session lives in memory
only. That is safe, so it is said in one quiet line, not a red warning; "Mengapa?" opens the
full explanation (from `SecretStore.problem` or the keyring's refusal).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from desktop.views.dialogs import set_main_button


class KeyringNote(QLabel):
    """"Sesi ini hanya disimpan di memori. Mengapa?" — hidden while there is nothing to say."""

    def __init__(
        self, explanation: str = "", parent: QWidget | None = None, *, short: bool = False
    ) -> None:
        """`short`: the status bar's wording ("Sesi hanya di memori.")."""
        super().__init__(parent)
        self.explanation = ""
        self.box: QMessageBox | None = None
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.setStyleSheet("QLabel { color: #605e5c; }")
        line = (
            self.tr("Sesi hanya di memori.")
            if short
            else self.tr("Sesi ini hanya disimpan di memori.")
        )
        self.setText(
            line
            + ' <a href="#mengapa" style="color: #0f6cbd;">'
            + self.tr("Mengapa?")
            + "</a>"
        )
        self.linkActivated.connect(self.explain)
        self.set_explanation(explanation)

    def set_explanation(self, explanation: str) -> None:
        self.explanation = explanation
        self.setToolTip(explanation)
        self.setVisible(bool(explanation))

    def explain(self, _link: str = "") -> None:
        """The explanation in a small box (OK closes it; nothing else to decide)."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Loket — Penyimpanan sesi"),
            self.tr("Mengapa sesi hanya disimpan di memori?"),
            QMessageBox.StandardButton.Ok,
            self.window(),
        )
        box.setInformativeText(self.explanation)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ok = box.button(QMessageBox.StandardButton.Ok)
        assert isinstance(ok, QPushButton)
        ok.setText(self.tr("Mengerti"))
        set_main_button(box, ok)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda _result: setattr(self, "box", None))
        self.box = box
        box.show()
