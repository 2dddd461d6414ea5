"""The queue page over 100,000 cached applications: first window at once, the rest from a worker.

A keystroke reads only the first `ID_WINDOW` ids; the complete id list and the counts per status
arrive from workers when typing pauses. These tests check what a person sees: the right first
rows immediately, the right total once the background reads land, the last row reachable by
scrolling, selection and scroll kept across a refresh, and typing that outruns the workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import Connection

from desktop.models.queue_model import QueueModel
from desktop.models.store import STATUS_ORDER, QueueQuery, Store
from desktop.services.tasks import TaskRunner
from desktop.views.queue.queue_page import ID_WINDOW, QueuePage
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

N = 100_000
WAIT = 30_000  # ms; generous, the CI machine has 2 cores and runs other tests beside these


def fill(conn: Connection) -> None:
    """100,000 rows straight in SQL (a second, not the ~10 s of parsing fake API records).

    Every NIK starts with 1471 (so "1471" matches every row), names are "Pemohon <i>",
    deadlines are shuffled, every fourth application is verified, the rest submitted.
    """
    submitted, verified = STATUS_ORDER.index("submitted"), STATUS_ORDER.index("verified")
    conn.exec_driver_sql(
        f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {N})
        INSERT INTO applications (id, number, registration_number, provisional_number,
            service_code, status, status_rank, version, office_code, applicant_name,
            applicant_nik, sort_name, channel, created_at, updated_at, submitted_at, due_at,
            claim_user_id, claim_full_name, claim_expires_at, seq, search_text)
        SELECT printf('00000000-0000-4000-8000-%012d', i), printf('1471-261124-%06d', i),
            printf('1471-261124-%06d', i), NULL, 'SKTM',
            CASE i % 4 WHEN 0 THEN 'verified' ELSE 'submitted' END,
            CASE i % 4 WHEN 0 THEN {verified} ELSE {submitted} END,
            1, '14.71', printf('Pemohon %d', i), printf('1471%012d', i), printf('pemohon %d', i),
            'counter', 1700000000 + i, 1700000000 + i, 1700000000 + i,
            1800000000 + (i * 7919) % 100003, NULL, NULL, NULL, i,
            printf('pemohon %d 1471%012d 1471261124%06d', i, i, i)
        FROM n
        """
    )


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(Path(tmp_path_factory.mktemp("queue")) / "cache.sqlite3")
    store.write(fill)
    assert store.count() == N
    yield store
    store.close()


@pytest.fixture
def page(qtbot: QtBot, big_store: Store) -> Iterator[QueuePage]:
    runner = TaskRunner()
    page = QueuePage(QueueModel(big_store, user_id="me"), runner, user_id="me")
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitUntil(lambda: page.settled, timeout=WAIT)
    yield page
    runner.shutdown()


def ids_of(store: Store, query: QueueQuery, limit: int | None = None) -> list[str]:
    rids = store.query_rids(query, limit=limit)
    rows = store.rows(list(rids))
    return [rows[r].id for r in rids]


def test_search_matching_every_row_shows_first_rows_at_once_and_the_total_later(
    qtbot: QtBot, page: QueuePage, big_store: Store
) -> None:
    model = page.model
    qtbot.keyClicks(page.search_edit, "1471")  # the city prefix of every NIK
    # Right after the keystroke: the first window, in the right order, and no total yet.
    assert model.rowCount() == ID_WINDOW and not model.is_complete and not page.settled
    first = ids_of(big_store, model.query, limit=ID_WINDOW)
    assert [model.id_at(r) for r in range(ID_WINDOW)] == first
    assert page.total_rows() is None
    assert page.footer_label.text() == "Menampilkan 256+ permohonan (menghitung…)"
    # Once the workers are done: every id, the right total and counts per status.
    qtbot.waitUntil(lambda: page.settled, timeout=WAIT)
    assert model.rowCount() == N and page.total_rows() == N
    assert page.footer_label.text() == "Menampilkan 100.000 permohonan"
    assert page.counts == {"submitted": 75_000, "verified": 25_000}
    assert page.status_buttons[""].text() == "Semua (100.000)"
    assert page.status_buttons["verified"].text().endswith("(25.000)")
    assert [model.id_at(r) for r in range(ID_WINDOW)] == first  # the window did not move
    # With a status tab the total is that tab's count.
    qtbot.mouseClick(page.status_buttons["verified"], Qt.MouseButton.LeftButton)
    assert model.rowCount() == ID_WINDOW
    qtbot.waitUntil(lambda: page.settled, timeout=WAIT)
    assert model.rowCount() == page.total_rows() == 25_000


def test_a_small_result_is_complete_at_once(
    qtbot: QtBot, page: QueuePage, big_store: Store
) -> None:
    qtbot.keyClicks(page.search_edit, "pemohon 9999")
    want = ids_of(big_store, page.model.query)
    assert 10 < len(want) < ID_WINDOW
    assert page.model.is_complete and page.model.rowCount() == len(want)
    assert [page.model.id_at(r) for r in range(len(want))] == want
    assert page.total_rows() == len(want)
    assert page.footer_label.text() == f"Menampilkan {len(want)} permohonan"
    page.search_edit.clear()
    qtbot.keyClicks(page.search_edit, "1471-261124-012345")  # a registration number
    assert page.model.rowCount() == 1 and page.model.is_complete


def test_scrolling_to_the_end_of_a_large_result_reaches_the_last_row(
    qtbot: QtBot, page: QueuePage, big_store: Store
) -> None:
    model, table = page.model, page.table
    qtbot.keyClicks(page.search_edit, "pemohon")
    # Scrolling to the end of the window before the rest has arrived stops there...
    table.scrollToBottom()
    assert table.rowAt(table.viewport().height() - 1) in (ID_WINDOW - 1, -1)
    # ...and goes on to the real last row once it has.
    qtbot.waitUntil(lambda: model.is_complete, timeout=WAIT)
    last_id = ids_of(big_store, model.query)[-1]
    table.setFocus()
    table.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert table.currentIndex().row() == N - 1
    assert model.id_at(N - 1) == last_id and page.current_id() == last_id
    table.viewport().repaint()
    rect = table.visualRect(model.index(N - 1, 1))
    assert table.viewport().rect().intersects(rect)
    assert (
        model.data(model.index(N - 1, 1))
        == big_store.rows([big_store.rid_of(last_id) or 0])[
            big_store.rid_of(last_id) or 0
        ].applicant_name
    )


def test_typing_faster_than_the_workers_settles_on_the_last_text(
    qtbot: QtBot, page: QueuePage, big_store: Store
) -> None:
    # Between keys the event loop runs for longer than the pause that starts the workers,
    # so counts and id reads start and are cancelled by the next key.
    for ch in "pemohon 1":
        qtbot.keyClick(page.search_edit, ch)
        qtbot.wait(140)
    qtbot.waitUntil(lambda: page.settled, timeout=WAIT)
    query = page.model.query
    assert query.text == "pemohon 1"
    full = ids_of(big_store, query)
    assert page.model.rowCount() == len(full) == page.total_rows()
    sample = [*range(0, len(full), 997), len(full) - 1]
    assert [page.model.id_at(r) for r in sample] == [full[r] for r in sample]
    assert page.counts == big_store.count_by_status(query)


def test_reload_keeps_selection_and_scroll_past_the_window(
    qtbot: QtBot, page: QueuePage, big_store: Store
) -> None:
    model, table = page.model, page.table
    assert model.rowCount() == N
    assert page.select_id(model.id_at(5000) or "")
    table.scrollTo(model.index(4990, 0), table.ScrollHint.PositionAtTop)
    selected, top = page.current_id(), model.id_at(table.rowAt(0))
    assert selected and top and table.rowAt(0) == 4990
    # A pull brings 7 applications whose deadline moved to the front of the queue.
    moved = [model.id_at(r) for r in range(90_000, 90_007)]

    def move(conn: Connection, due: int | None) -> None:
        for i, app_id in enumerate(moved):
            conn.exec_driver_sql(
                "UPDATE applications SET due_at = coalesce(?, 1800000000 + "
                "(CAST(substr(id, 25) AS INTEGER) * 7919) % 100003) WHERE id = ?",
                (None if due is None else due + i, app_id),
            )

    big_store.write(lambda conn: move(conn, 1))
    try:
        page.reload()
        # At once: same application selected, same application at the top (7 rows further).
        assert page.current_id() == selected and model.id_at(table.rowAt(0)) == top
        assert table.rowAt(0) == 4997 and model.row_of_id(moved[0]) == 0
        qtbot.waitUntil(lambda: page.settled, timeout=WAIT)
        assert page.current_id() == selected and model.id_at(table.rowAt(0)) == top
        assert model.rowCount() == N
    finally:
        big_store.write(lambda conn: move(conn, None))
