"""Crash recovery (issue 11 acceptance): a process typing a draft into the encrypted store and
attaching files is killed with SIGKILL mid-save; a fresh store finds the draft and every
attachment recorded, each kept file with its SHA-256, and nothing left that no row names."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.models.store import Store
from desktop.services.drafts import DraftService
from tests.desktop.test_attachments import jpeg, pdf
from tests.live_server import REPO

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX SIGKILL")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("rounds", [1, 7])
def test_draft_and_attachments_survive_sigkill(tmp_path: Path, rounds: int) -> None:
    store_path = tmp_path / "stores" / "srv" / "operator1" / "loket.sqlite3"
    key = os.urandom(32)
    sources = [jpeg(tmp_path / "ktp.jpg"), pdf(tmp_path / "kk.pdf", pages=3)]
    digests = [sha(p) for p in sources]
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.desktop.draft_crash_process",
            str(store_path),
            key.hex(),
            str(tmp_path),
            *map(str, sources),
        ],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        word, draft_id = child.stdout.readline().split()
        assert word == "attached"
        for _ in range(rounds):  # it keeps saving and attaching while it is killed
            assert child.stdout.readline().startswith("round")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdout.close()

    store = Store(store_path, key=key)  # "the app restarted"
    try:
        drafts = DraftService(store, user_id="operator1")
        (draft,) = drafts.list()
        assert draft.id == draft_id and draft.applicant["name"] == "Sebelum Mati Listrik"
        typed = int(draft.applicant["address"].rsplit(" ", 1)[1])
        assert typed >= rounds  # every save it announced is there (maybe one more)
        first = draft.attachments[:2]
        assert [(a.requirement_code, a.sha256) for a in first] == [
            ("SYARAT-0", digests[0]),
            ("SYARAT-1", digests[1]),
        ]
        assert all(not a.missing and sha(a.path) == a.sha256 for a in draft.attachments)
        assert len(draft.attachments) >= 2 + (rounds + 1) // 2  # the odd rounds' real PDFs
        # Nothing in the draft's folder that no row names (orphans of the kill removed).
        named = {a.path.name for a in draft.attachments}
        assert {p.name for p in (drafts.folder / draft_id).iterdir()} == named
    finally:
        store.close()
