"""The interface language: Indonesian is the source language of every string; another language
is loaded from ``resources/translations/loket_<lang>.qm`` when present."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "translations"


def install_translator(app: QApplication, language: str) -> list[QTranslator]:
    """Install the translators for `language` on `app`; returns them (kept alive by `app`).

    For Indonesian only Qt's own texts (standard buttons) need translating."""
    installed: list[QTranslator] = []
    if language == "id":
        qt = QTranslator(app)
        if qt.load(
            QLocale("id_ID"),
            "qtbase",
            "_",
            QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
        ):
            app.installTranslator(qt)
            installed.append(qt)
        return installed
    ours = QTranslator(app)
    if ours.load(f"loket_{language}", str(TRANSLATIONS_DIR)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning(
            "no translation for language %s in %s; showing Indonesian", language, TRANSLATIONS_DIR
        )
    return installed
