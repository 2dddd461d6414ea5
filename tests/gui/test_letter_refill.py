"""Issue 10, letter numbers refilled by themselves: the signed-in session keeps a block of
reserved letter numbers for every letter type its office issues, reserved on the sync lane
after a pull while the server answers, refilled when one runs low, and never asked for while
the pulls fail; numbers are still taken from the block offline. Real server, real session."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.services.letter_numbers import ASKED, BLOCK_SIZE, LOW_WATER, LetterNumbers
from desktop.session import Session
from tests.desktop.support import MemoryKeyring
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.shell_helpers import WAIT, pull_now, running_app, sign_in
from tests.gui.test_reconnect import start_again, stop
from tests.live_server import LiveServer

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

LETTER = "sktm"


def blocks(letters: LetterNumbers) -> list[tuple[str, str]]:
    """(letter type, state) of every block row this device holds."""
    rows = letters.store.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT letter_type, state FROM letter_blocks ORDER BY created_at"
        ).all()
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def test_blocks_reserved_after_a_pull_refilled_when_low_never_asked_offline(
    qtbot: QtBot, empty_restartable_server: LiveServer, memory_keyring: MemoryKeyring
) -> None:
    server = empty_restartable_server
    with running_app(server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        sign_in(qtbot, loket, "operator1")
        session = loket.session
        assert isinstance(session, Session)
        letters = session.letters
        assert letters is not None  # an operator of a kelurahan numbers its letters
        sync = session.shell.sync
        types = sync.letter_types
        assert LETTER in types and "sk_domisili" in types
        # After the first pull: a block for every letter type this office issues.
        qtbot.waitUntil(
            lambda: all(letters.available(t) == BLOCK_SIZE for t in types), timeout=WAIT
        )
        assert len(blocks(letters)) == len(types)

        # Letters printed: fewer than the threshold left; the next pull refills that type only.
        for _ in range(BLOCK_SIZE - LOW_WATER + 1):
            letters.take(LETTER, refill=False)
        assert letters.available(LETTER) == LOW_WATER - 1
        pull_now(qtbot, loket)
        qtbot.waitUntil(
            lambda: letters.available(LETTER) == LOW_WATER - 1 + BLOCK_SIZE, timeout=WAIT
        )
        qtbot.waitUntil(lambda: not sync.refilling, timeout=WAIT)
        assert len(blocks(letters)) == len(types) + 1
        assert all(letters.available(t) == BLOCK_SIZE for t in types if t != LETTER)

        # The outage: the pull fails and no refill pass starts, whatever runs low.
        stop(server)
        for _ in range(BLOCK_SIZE):
            letters.take(LETTER, refill=False)
        assert letters.available(LETTER) == LOW_WATER - 1
        passes = sync.refill_passes
        failed: list[str] = []
        sync.pull_failed.connect(failed.append)
        pull_now(qtbot, loket)
        assert failed
        assert sync.refill_passes == passes and not sync.refilling
        assert (LETTER, ASKED) not in blocks(letters)  # no request was even written down
        # Numbers are still handed out from the block while offline.
        offline = [letters.take(LETTER, refill=False) for _ in range(LOW_WATER - 1)]
        assert len({t.number for t in offline}) == LOW_WATER - 1
        assert letters.available(LETTER) == 0

        # The server is back: the reconnect's pull refills the empty type by itself.
        start_again(server)
        qtbot.waitUntil(lambda: letters.available(LETTER) == BLOCK_SIZE, timeout=WAIT)
        taken = [t.number for t in letters.taken()]
        assert len(taken) == len(set(taken)) == 2 * BLOCK_SIZE
