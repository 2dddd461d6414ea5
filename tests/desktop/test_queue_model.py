"""The lazy queue model over a real store: ids only, blocks on demand, SQL order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
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
    assert model.data(model.index(0, 4)) == "Status baru: archived"
    s.close()
