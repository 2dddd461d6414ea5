"""The lazy queue model over a real store: ids only, blocks on demand, SQL order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # also when run without tests/gui

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from pytestqt.qtbot import QtBot

from bench.fakedata import summaries
from desktop.models.queue_model import ID_ROLE, QueueModel
from desktop.models.store import QueueQuery, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "cache.sqlite3")
    s.bulk_insert(summaries(3000, seed=9, user_id="me"))
    yield s
    s.close()


class CountingStore:
    """Wraps the real store to count block fetches (the store itself is unchanged)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.block_calls: list[int] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def rows(self, rids: list[int]) -> object:
        self.block_calls.append(len(rids))
        return self.store.rows(rids)


def test_holds_ids_and_fetches_rows_lazily(qapp: object, store: Store) -> None:
    counting = CountingStore(store)
    model = QueueModel(counting, block_size=100, cache_blocks=3, user_id="me")  # type: ignore[arg-type]
    model.refresh()
    assert model.rowCount() == 3000 and counting.block_calls == []
    assert model.data(model.index(0, 0)) and counting.block_calls == [100]
    for row in range(1, 100):
        model.data(model.index(row, 1))
    assert counting.block_calls == [100]  # same block: no query
    model.data(model.index(2999, 0))
    model.data(model.index(1500, 0))
    model.data(model.index(700, 0))
    model.data(model.index(0, 0))  # evicted by the LRU (3 blocks): fetched again
    assert len(counting.block_calls) == 5


def test_display_values(qapp: object, store: Store) -> None:
    model = QueueModel(store, service_names={"SKTM": "Surat keterangan tidak mampu"})
    model.set_query(QueueQuery(service_code="SKTM"))
    assert model.rowCount() > 0
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row[3] == "Surat keterangan tidak mampu"
    assert "*" in row[2]  # NIK masked in the list
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Nomor"
    assert model.data(model.index(0, 0), ID_ROLE) == model.id_at(0)


def test_filters_sort_counts_and_neighbours(qapp: object, store: Store) -> None:
    model = QueueModel(store, user_id="me")
    model.set_query(QueueQuery(statuses=("submitted",)))
    n = model.rowCount()
    counts = model.counts_for()
    assert counts["submitted"] == n and sum(counts.values()) == 3000
    model.sort(QueueModel.COLUMNS.index("name"), Qt.SortOrder.AscendingOrder)
    names = [model.data(model.index(r, 1)) for r in range(20)]
    assert names == sorted(names, key=str.casefold)
    first, second = model.id_at(0), model.id_at(1)
    assert first and second
    assert model.ids_around(second) == (first, model.id_at(2))
    assert model.ids_around(first)[0] is None
    model.set_query(QueueQuery(claimed_by="me"))
    assert 0 < model.rowCount() < 3000
    assert {model.data(model.index(r, 8)) for r in range(model.rowCount())} == {"Saya"}


def test_unknown_status_is_labelled(qapp: object, tmp_path: Path, qtbot: QtBot) -> None:
    from desktop.domain.records import ApplicationSummary

    s = Store(tmp_path / "x.sqlite3")
    raw = next(summaries(1))[1]
    raw["status"] = "archived"
    s.save_summary(ApplicationSummary.from_json(raw), raw)
    model = QueueModel(s)
    model.refresh()
    assert model.data(model.index(0, 4)) == "archived (status tidak dikenal)"
    s.close()


def full_ids(model: QueueModel, store: Store) -> list[str]:
    rids = store.query_rids(model.query)
    rows = store.rows(list(rids))
    return [rows[r].id for r in rids]


def test_window_reads_the_first_rows_and_completion_appends_the_rest(
    qapp: object, store: Store
) -> None:
    model = QueueModel(store, window=100)
    inserted: list[tuple[int, int]] = []
    resets: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.modelReset.connect(lambda: resets.append(1))
    model.set_query(QueueQuery(text="1471"))  # every NIK: matches all 3000 rows
    assert model.rowCount() == 100 and not model.is_complete
    want = full_ids(model, store)
    assert [model.id_at(r) for r in range(100)] == want[:100]
    selected = QPersistentModelIndex(model.index(42, 1))
    completion = model.pending_completion()
    assert completion is not None
    resets.clear()
    assert model.complete(completion, completion.run()) == "appended"
    assert model.is_complete and model.pending_completion() is None
    assert model.rowCount() == 3000 and inserted == [(100, 2999)] and resets == []
    assert selected.row() == 42  # a selection (persistent index) stays where it was
    assert [model.id_at(r) for r in range(3000)] == want
    # a small result needs no completion
    model.set_query(QueueQuery(text="zzz"))
    assert model.rowCount() == 0 and model.is_complete and model.pending_completion() is None


def test_completion_of_an_older_query_is_ignored(qapp: object, store: Store) -> None:
    model = QueueModel(store, window=50)
    model.set_query(QueueQuery(text="a"))
    old = model.pending_completion()
    assert old is not None
    model.set_query(QueueQuery(text="1471"))
    assert model.complete(old, old.run()) == "stale"
    assert model.rowCount() == 50 and not model.is_complete
    assert model.ensure_complete() == "appended" and model.rowCount() == 3000
    assert model.ensure_complete() == "stale"


def test_data_changed_between_window_and_completion_resets(
    qapp: object, store: Store, tmp_path: Path
) -> None:
    model = QueueModel(store, window=10)
    model.set_query(QueueQuery())
    completion = model.pending_completion()
    assert completion is not None
    rids = completion.run()
    first = rids[0]
    reordered = rids[1:] + rids[:1]  # what a pull moving the first row to the end would give
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    assert model.complete(completion, reordered) == "reset"
    assert resets == [1] and model.is_complete and model.rowCount() == 3000
    assert model.row_of_id(store.rows([first])[first].id) == 2999


def test_rows_past_the_window_are_found_and_walked(qapp: object, store: Store) -> None:
    model = QueueModel(store, window=100)
    model.set_query(QueueQuery(text="1471"))
    want = full_ids(model, store)
    # the workbench asks for neighbours of the last row of the window: it completes
    assert model.ids_around(want[99]) == (want[98], want[100])
    assert model.is_complete
    model.refresh()
    assert not model.is_complete
    assert model.row_of_id(want[2500]) == 2500 and model.is_complete  # completed on demand
    model.refresh()
    assert model.row_of_id("no-such-id") == -1 and not model.is_complete
    model.set_query(QueueQuery(text="1471", statuses=("submitted",)))
    outside = next(i for i in want if i not in set(full_ids(model, store)))
    assert model.row_of_id(outside) == -1 and not model.is_complete  # no read for a non-match
    model.refresh(min_rows=700)
    assert model.rowCount() == min(700, len(full_ids(model, store)))


def test_masked_nik_fast_path_agrees_with_mask_nik() -> None:
    from desktop.domain.identity import mask_nik
    from desktop.models.queue_model import _masked_nik

    for nik in ("1471015208900001", "3171 0152 0890 0001", "12345", "", "147101520890000１"):
        assert _masked_nik(nik) == mask_nik(nik)


def test_nik_column_sorts_by_the_real_nik(qapp: object, store: Store) -> None:
    model = QueueModel(store)
    model.refresh()
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(QueueModel.COLUMNS.index("nik"), order)
        assert model.query.sort == "nik"
        niks = [row.applicant_nik for r in range(model.rowCount()) if (row := model.row_at(r))]
        assert len(niks) == 3000
        assert niks == sorted(niks, reverse=order == Qt.SortOrder.DescendingOrder)
    # the masked column agrees on what it shows (the region prefix)
    model.sort(QueueModel.COLUMNS.index("nik"), Qt.SortOrder.AscendingOrder)
    shown = [model.data(model.index(r, 2))[:6] for r in range(50)]
    assert shown == sorted(shown)


def test_deadline_and_times_read_as_in_the_workbench(qapp: object, tmp_path: Path) -> None:
    """One deadline wording (`format_deadline`) and the office's zone, not the PC's: the
    queue said "lewat 46 jam" where the workbench said "lewat tenggat 1 hari 22 jam"."""
    from datetime import UTC, datetime

    from desktop.domain.formatting import WIT
    from desktop.domain.records import ApplicationSummary

    submitted = datetime(2026, 11, 30, 1, 15, tzinfo=UTC)  # 10.15 WIT, 08.15 WIB
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()
    late, early = (next(summaries(1, seed=s))[1] for s in (1, 2))
    for raw, hours in ((late, -46), (early, 21 + 40 / 60)):
        raw["status"] = "submitted"
        raw["submitted_at"] = submitted.isoformat()
        raw["due_at"] = datetime.fromtimestamp(now + hours * 3600, UTC).isoformat()
    s = Store(tmp_path / "x.sqlite3")
    for raw in (late, early):
        s.save_summary(ApplicationSummary.from_json(raw), raw)
    model = QueueModel(s, clock=lambda: now, tz=WIT)
    model.refresh()
    due = model.COLUMNS.index("due")
    texts = {model.data(model.index(r, due)) for r in range(model.rowCount())}
    assert texts == {"lewat 1 hari 22 jam", "sisa 21 jam 40 menit"}  # the column says Tenggat
    tips = {model.data(model.index(r, due), Qt.ItemDataRole.ToolTipRole) for r in range(2)}
    assert "lewat tenggat 1 hari 22 jam (29/11/2026 23.00)" in tips
    submitted_col = model.COLUMNS.index("submitted")
    assert model.data(model.index(0, submitted_col)) == "30/11/2026 10.15"
    s.close()


def test_finished_applications_come_after_open_work_in_deadline_order(
    qapp: object, store: Store
) -> None:
    """In "Semua" the most urgent open work is on top, not month-old finished applications
    whose deadline passed long ago."""
    model = QueueModel(store)
    model.set_query(QueueQuery())  # every status, deadline order
    status = model.COLUMNS.index("status")
    finished = {"Selesai", "Ditolak", "Dibatalkan"}
    labels = [model.data(model.index(r, status)) for r in range(model.rowCount())]
    first_finished = next(i for i, label in enumerate(labels) if label in finished)
    assert first_finished > 0
    assert all(label in finished or label == "Draf" for label in labels[first_finished:])
