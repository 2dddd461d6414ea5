"""The desktop's log file: rotating, owner-only, every record masked when it is created.

Logs name applicants and officers, so the directory is 0700 and each file 0600 on POSIX (the
files made by rotation too), and `services.logmask` masks NIKs and secrets before any handler
sees a record.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
from io import TextIOWrapper
from pathlib import Path
from typing import cast

from desktop.services.logmask import install_log_masking
from desktop.settings import PRIVATE_FILE_MODE, private_dir

LOG_FILE = "loket.log"


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, PRIVATE_FILE_MODE)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log file (and each new one after rotation) is created 0600 on POSIX."""

    def _open(self) -> TextIOWrapper:
        stream = open(  # noqa: SIM115 - the handler owns and closes the stream
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=_private_opener,
        )
        return cast(TextIOWrapper, stream)


def setup_logging(directory: Path, level: int = logging.INFO) -> Path:
    """Rotating log file in `directory` (once per process); returns its path."""
    install_log_masking()
    private_dir(directory)
    path = directory / LOG_FILE
    for old in [path, *directory.glob(LOG_FILE + ".*")]:  # from before files were private
        if os.name == "posix" and old.is_file() and old.stat().st_mode & 0o077:
            with contextlib.suppress(OSError):
                old.chmod(PRIVATE_FILE_MODE)
    root = logging.getLogger()
    if not any(getattr(h, "_loket", False) for h in root.handlers):
        handler = PrivateRotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._loket = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    # urllib3 would log full URLs at DEBUG; keep it at WARNING.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    return path
