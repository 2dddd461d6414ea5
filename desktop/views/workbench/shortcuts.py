"""The workbench's keyboard shortcuts, as data: the widgets, the shell's help menu and the user
manual all read this one table, so they cannot disagree.

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

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from desktop.domain.workflow import Action

_CONTEXT = "WorkbenchShortcuts"

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

BY_ID: dict[str, Shortcut] = {s.id: s for s in SHORTCUTS}
BY_ACTION: dict[Action, Shortcut] = {s.action: s for s in SHORTCUTS if s.action is not None}


def keys(shortcut_id: str) -> tuple[str, ...]:
    """All key sequences (portable text) for one shortcut id."""
    return BY_ID[shortcut_id].keys


def help_html() -> str:
    """The table as HTML, grouped by scope, for the help popup and the manual."""
    from html import escape

    rows: list[str] = []
    scope = ""
    for s in SHORTCUTS:
        if s.scope != scope:
            scope = s.scope
            title = QCoreApplication.translate(_CONTEXT, scope)
            rows.append(f'<tr><th colspan="2" align="left"><br>{escape(title)}</th></tr>')
        rows.append(
            f"<tr><td><b>{escape(s.keys_text)}</b>&nbsp;&nbsp;</td><td>{escape(s.label_tr)}</td></tr>"
        )
    return "<table cellspacing='2'>" + "".join(rows) + "</table>"


def help_text() -> str:
    """The table as plain text (manual, tooltips, logs)."""
    lines: list[str] = []
    scope = ""
    for s in SHORTCUTS:
        if s.scope != scope:
            scope = s.scope
            lines.append(f"{QCoreApplication.translate(_CONTEXT, scope)}:")
        lines.append(f"  {s.keys_text:<24} {s.label_tr}")
    return "\n".join(lines)
