"""The shortcut table is data the shell and the manual list: it must be complete, parse as Qt
key sequences, and never bind one key to two things that can be active together."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from desktop.domain.workflow import Action
from desktop.views.workbench import shortcuts


def test_every_workflow_action_has_a_key(qtbot: QtBot) -> None:
    del qtbot  # a QApplication for QKeySequence
    assert set(shortcuts.BY_ACTION) == set(Action)


def test_keys_parse(qtbot: QtBot) -> None:
    del qtbot
    for entry in shortcuts.SHORTCUTS:
        assert entry.keys, entry.id
        for key in entry.keys:
            sequence = QKeySequence(key)
            assert sequence.count() == 1 and not sequence.isEmpty(), (entry.id, key)


def test_no_key_means_two_things() -> None:
    owners: dict[str, set[str]] = {}
    for entry in shortcuts.SHORTCUTS:
        if entry.scope == shortcuts.SCOPE_DIALOG:
            continue
        for key in entry.keys:
            owners.setdefault(QKeySequence(key).toString(), set()).add(entry.id)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    # Ajukan and Ajukan ulang share a key: draft vs needs_revision, never offered together.
    assert shared == {"Ctrl+Shift+J": {"submit", "resubmit"}}


def test_decisions_avoid_text_editing_keys() -> None:
    editing = {
        "Ctrl+Shift+V",
        "Ctrl+Shift+Z",
        "Ctrl+Shift+A",
        "Ctrl+V",
        "Ctrl+Z",
        "Ctrl+A",
        "Ctrl+C",
        "Ctrl+X",
    }
    for entry in shortcuts.BY_ACTION.values():
        assert not editing & set(entry.keys), entry.id
        assert all(k.startswith("Ctrl+Shift+") for k in entry.keys), entry.id


def test_help_lists_everything(qtbot: QtBot) -> None:
    del qtbot
    text = shortcuts.help_text()
    html = shortcuts.help_html()
    for entry in shortcuts.SHORTCUTS:
        assert entry.label in text and entry.keys[0] in text
        assert entry.keys[0] in html
