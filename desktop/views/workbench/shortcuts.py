"""The keyboard shortcuts, as data: the widgets, the shell's help (F1, `ShortcutHelpDialog`) and
the user manual all read these tables, so they cannot disagree. `SHORTCUTS` is the workbench's
(its keys are installed from it); `SHELL_SHORTCUTS` lists the keys of the whole window (F1, F5,
Ctrl+F, Ctrl+L) and of the queue, which are never active at the same time as the workbench's
own Enter/Esc.

Key choice: a verifier types notes and reasons while deciding, so decisions use Ctrl+Shift with
letters that mean nothing in a text field (not V: Ctrl+Shift+V is "paste as plain text" in many
programs, and pasting a note must never verify an application; not Z: redo; not A: deselect on
Linux). Two modifiers also make an accidental decision unlikely. Ajukan and Ajukan ulang share
Ctrl+Shift+J: they are never offered together. Navigation follows the browser (Alt+Left/Right);
Esc closes the application, except in a note, where it first only leaves the field;
zoom and fit follow common PDF readers (Ctrl+= / Ctrl+- / Ctrl+0 / Ctrl+1 / Ctrl+2). Keys are
written in QKeySequence's portable form; `QKeySequence(k).toString(NativeText)` shows them per
platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from desktop.domain.workflow import Action
from desktop.views.dialogs import set_main_button

_CONTEXT = "WorkbenchShortcuts"

SCOPE_SHELL = "Di mana saja"
SCOPE_QUEUE = "Antrean"
SCOPE_APPLICATION = "Permohonan"
SCOPE_CHECKLIST = "Persyaratan"
SCOPE_VIEWER = "Penampil dokumen"
SCOPE_DIALOG = "Dialog"


@dataclass(frozen=True)
class Shortcut:
    """One entry: `keys[0]` is the one shown on buttons; the others are alternatives."""

    id: str
    keys: tuple[str, ...]
    label: str
    scope: str
    action: Action | None = None

    @property
    def label_tr(self) -> str:
        return QCoreApplication.translate(_CONTEXT, self.label)

    @property
    def keys_text(self) -> str:
        """Keys for people: "Alt+Right atau Ctrl+."."""
        return QCoreApplication.translate(_CONTEXT, " atau ").join(self.keys)


SHORTCUTS: tuple[Shortcut, ...] = (
    # application level (whole workbench)
    Shortcut(
        "next_application", ("Alt+Right", "Ctrl+."), "Permohonan berikutnya", SCOPE_APPLICATION
    ),
    Shortcut(
        "previous_application", ("Alt+Left", "Ctrl+,"), "Permohonan sebelumnya", SCOPE_APPLICATION
    ),
    Shortcut("close", ("Ctrl+W", "Esc"), "Tutup permohonan, kembali ke antrean", SCOPE_APPLICATION),
    Shortcut("claim", ("Ctrl+Shift+K",), "Tangani", SCOPE_APPLICATION),
    Shortcut("verify", ("Ctrl+Shift+Y",), "Verifikasi", SCOPE_APPLICATION, Action.VERIFY),
    Shortcut("validate", ("Ctrl+Shift+L",), "Validasi", SCOPE_APPLICATION, Action.VALIDATE),
    Shortcut("sign", ("Ctrl+Shift+E",), "Tandatangani", SCOPE_APPLICATION, Action.SIGN),
    Shortcut(
        "request_revision",
        ("Ctrl+Shift+P",),
        "Minta perbaikan",
        SCOPE_APPLICATION,
        Action.REQUEST_REVISION,
    ),
    Shortcut("reject", ("Ctrl+Shift+X",), "Tolak", SCOPE_APPLICATION, Action.REJECT),
    Shortcut("submit", ("Ctrl+Shift+J",), "Ajukan", SCOPE_APPLICATION, Action.SUBMIT),
    Shortcut("resubmit", ("Ctrl+Shift+J",), "Ajukan ulang", SCOPE_APPLICATION, Action.RESUBMIT),
    Shortcut("discard", ("Ctrl+Shift+D",), "Buang draf", SCOPE_APPLICATION, Action.DISCARD),
    Shortcut("cancel", ("Ctrl+Shift+B",), "Batalkan", SCOPE_APPLICATION, Action.CANCEL),
    Shortcut("deliver", ("Ctrl+Shift+S",), "Serahkan", SCOPE_APPLICATION, Action.DELIVER),
    Shortcut("shortcut_help", ("Ctrl+/",), "Daftar pintasan keyboard", SCOPE_APPLICATION),
    # checklist
    Shortcut("next_document", ("Ctrl+PgDown",), "Persyaratan/dokumen berikutnya", SCOPE_CHECKLIST),
    Shortcut(
        "previous_document", ("Ctrl+PgUp",), "Persyaratan/dokumen sebelumnya", SCOPE_CHECKLIST
    ),
    Shortcut("mark_ok", ("Ctrl+Shift+O",), "Tandai persyaratan terpilih: sesuai", SCOPE_CHECKLIST),
    Shortcut(
        "mark_not_ok",
        ("Ctrl+Shift+N",),
        "Tandai persyaratan terpilih: tidak sesuai (lalu isi catatan)",
        SCOPE_CHECKLIST,
    ),
    # document viewer
    Shortcut("zoom_in", ("Ctrl+=", "Ctrl++"), "Perbesar", SCOPE_VIEWER),
    Shortcut("zoom_out", ("Ctrl+-",), "Perkecil", SCOPE_VIEWER),
    Shortcut("fit_page", ("Ctrl+0",), "Pas halaman", SCOPE_VIEWER),
    Shortcut("actual_size", ("Ctrl+1",), "Ukuran asli (100%)", SCOPE_VIEWER),
    Shortcut("fit_width", ("Ctrl+2",), "Pas lebar", SCOPE_VIEWER),
    Shortcut("rotate_right", ("Ctrl+R",), "Putar tampilan 90° searah jarum jam", SCOPE_VIEWER),
    Shortcut(
        "rotate_left", ("Ctrl+Shift+R",), "Putar tampilan 90° berlawanan jarum jam", SCOPE_VIEWER
    ),
    Shortcut("next_page", ("PgDown",), "Halaman berikutnya (fokus di penampil)", SCOPE_VIEWER),
    Shortcut("previous_page", ("PgUp",), "Halaman sebelumnya (fokus di penampil)", SCOPE_VIEWER),
    Shortcut("first_page", ("Home",), "Halaman pertama (fokus di penampil)", SCOPE_VIEWER),
    Shortcut("last_page", ("End",), "Halaman terakhir (fokus di penampil)", SCOPE_VIEWER),
    # dialogs
    Shortcut("dialog_accept", ("Ctrl+Return",), "Kirim alasan", SCOPE_DIALOG),
    Shortcut("dialog_cancel", ("Esc",), "Batal / tutup dialog", SCOPE_DIALOG),
)

SHELL_SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("shell_help", ("F1",), "Daftar pintasan keyboard ini", SCOPE_SHELL),
    Shortcut("refresh", ("F5",), "Perbarui antrean dari server", SCOPE_SHELL),
    Shortcut("find", ("Ctrl+F",), "Cari permohonan (permohonan yang terbuka ditutup)", SCOPE_SHELL),
    Shortcut("lock", ("Ctrl+L",), "Kunci layar", SCOPE_SHELL),
    Shortcut("sync_page", ("F9",), "Halaman Sinkronisasi (Esc: kembali ke antrean)", SCOPE_SHELL),
    Shortcut(
        "nav_page",
        tuple(f"Alt+{n}" for n in range(1, 10)),
        "Halaman di daftar kiri menurut urutannya (Alt+1 Antrean)",
        SCOPE_SHELL,
    ),
    Shortcut(
        "queue_open",
        ("Enter",),
        "Buka permohonan terpilih. Di kotak cari: buka nomor pendaftaran yang diketik, "
        "atau satu-satunya hasil",
        SCOPE_QUEUE,
    ),
    Shortcut("queue_results", ("Down", "Tab"), "Dari kotak cari ke daftar hasil", SCOPE_QUEUE),
    Shortcut("queue_clear", ("Esc",), "Di kotak cari: hapus teks pencarian", SCOPE_QUEUE),
)
"""Keys of the main window and the queue (installed by the window and the queue page)."""

ALL_SHORTCUTS: tuple[Shortcut, ...] = SHELL_SHORTCUTS + SHORTCUTS

BY_ID: dict[str, Shortcut] = {s.id: s for s in ALL_SHORTCUTS}
BY_ACTION: dict[Action, Shortcut] = {s.action: s for s in SHORTCUTS if s.action is not None}


def keys(shortcut_id: str) -> tuple[str, ...]:
    """All key sequences (portable text) for one shortcut id."""
    return BY_ID[shortcut_id].keys


def scanner_note() -> str:
    return QCoreApplication.translate(
        _CONTEXT,
        "Pemindai kode batang/QR: pindai kode pada tanda terima, dan permohonan bernomor itu "
        "langsung dibuka (di mana pun kursor berada). Kode yang bukan nomor pendaftaran yang sah "
        "tidak membuka apa pun.",
    )


def help_html(entries: Sequence[Shortcut] = ALL_SHORTCUTS) -> str:
    """The tables as HTML, grouped by scope, for the help popup and the manual."""
    rows: list[str] = []
    scope = ""
    for s in entries:
        if s.scope != scope:
            scope = s.scope
            title = QCoreApplication.translate(_CONTEXT, scope)
            rows.append(f'<tr><th colspan="2" align="left"><br>{escape(title)}</th></tr>')
        rows.append(
            f"<tr><td><b>{escape(s.keys_text)}</b>&nbsp;&nbsp;</td><td>{escape(s.label_tr)}</td></tr>"
        )
    return "<table cellspacing='2'>" + "".join(rows) + "</table>"


def help_text(entries: Sequence[Shortcut] = ALL_SHORTCUTS) -> str:
    """The table as plain text (manual, tooltips, logs)."""
    lines: list[str] = []
    scope = ""
    for s in entries:
        if s.scope != scope:
            scope = s.scope
            lines.append(f"{QCoreApplication.translate(_CONTEXT, scope)}:")
        lines.append(f"  {s.keys_text:<24} {s.label_tr}")
    return "\n".join(lines)


class ShortcutHelpDialog(QDialog):
    """Every shortcut, in Indonesian, with one "Tutup" button (Qt ships no Indonesian
    translation for its standard buttons, so the text is set here)."""

    def __init__(
        self, parent: QWidget | None = None, entries: Sequence[Shortcut] = ALL_SHORTCUTS
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pintasan keyboard"))
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("shortcut_table")
        self.browser.setHtml(help_html(entries) + "<p>" + escape(scanner_note()) + "</p>")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("Tutup"))
        set_main_button(self, close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(self.buttons)
        self.resize(620, 600)
