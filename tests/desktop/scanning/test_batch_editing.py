"""The page editor's batch (desktop/services/scanning/batch.py): every change and its undo.

Pages here are real files written with Pillow and described by `ProcessedPage` as the
pipeline would (the pipeline itself is tested by its owner); export is in test_batch_export.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from desktop.services.scanning.batch import ScanBatch, Step
from desktop.services.scanning.device import ColourMode, Paper
from desktop.services.scanning.pipeline import ProcessedPage


def page_file(folder: Path, name: str, *, blank: bool = False) -> ProcessedPage:
    path = folder / f"{name}.jpg"
    Image.new("L", (60, 85), 255 if blank else 120).save(path, dpi=(25, 25))
    return ProcessedPage(path, 60, 85, 25, ColourMode.GREY, blank, 0.0, path.stat().st_size)


def names(batch: ScanBatch) -> list[str]:
    return [p.page.path.stem for p in batch.pages]


@pytest.fixture
def batch(tmp_path: Path) -> ScanBatch:
    b = ScanBatch(tmp_path / "batch", ["KTP", "KK", "AKTA"])
    b.folder.mkdir()
    for n in "abcde":
        b.add(page_file(b.folder, n), Paper.A4)
    return b


def test_move_and_shift_keep_the_other_pages_in_order(batch: ScanBatch) -> None:
    batch.move(0, 3)
    assert names(batch) == ["b", "c", "d", "a", "e"]
    assert batch.shift([3], -1) == [2]
    assert names(batch) == ["b", "c", "a", "d", "e"]
    assert batch.shift([1, 2], +1) == [2, 3]  # a block moves together
    assert names(batch) == ["b", "d", "c", "a", "e"]
    assert batch.shift([0], -1) == [0]  # at the edge nothing moves, no undo step
    assert batch.undo_step is Step.MOVE
    batch.undo()
    batch.undo()
    batch.undo()
    assert names(batch) == list("abcde")


def test_rotate_accumulates_and_undoes(batch: ScanBatch) -> None:
    batch.rotate(1, 90)
    batch.rotate([1, 2], 90)
    batch.rotate(2, -90)
    assert [p.rotation for p in batch.pages] == [0, 180, 0, 0, 0]
    batch.rotate(1, -270)
    assert batch[1].rotation == 270
    batch.undo()
    assert batch[1].rotation == 180
    with pytest.raises(ValueError):
        batch.rotate(0, 45)


def test_delete_then_undo_brings_the_page_and_its_file_back(batch: ScanBatch) -> None:
    deleted = batch[2]
    batch.delete([2, 4])
    assert names(batch) == ["a", "b", "d"]
    assert deleted.page.path.exists()  # kept until the batch is closed
    assert batch.undo() is Step.DELETE
    assert names(batch) == list("abcde")
    assert batch[2] is deleted  # the very same page: no copy was made
    assert batch.redo() is Step.DELETE
    assert names(batch) == ["a", "b", "d"]


def test_a_new_change_clears_redo(batch: ScanBatch) -> None:
    batch.delete(0)
    batch.undo()
    assert batch.can_redo
    batch.rotate(0, 90)
    assert not batch.can_redo
    assert batch.redo() is None


def test_replace_keeps_place_and_requirement_but_not_rotation(batch: ScanBatch) -> None:
    batch.assign([1], "KK")
    batch.rotate(1, 90)
    old = batch[1]
    batch.replace(1, page_file(batch.folder, "b2"))
    assert names(batch) == ["a", "b2", "c", "d", "e"]
    assert (batch[1].requirement, batch[1].rotation) == ("KK", 0)
    assert batch[1].key != old.key
    batch.undo()
    assert batch[1] is old


def test_assign_to_two_requirements(batch: ScanBatch) -> None:
    batch.assign([0, 1], "KTP")
    batch.assign([2, 3, 4], "KK")
    assert batch.assigned_codes() == ["KTP", "KK"]
    assert [p.page.path.stem for p in batch.pages_for("KK")] == ["c", "d", "e"]
    batch.assign([4], None)
    assert batch.unassigned() == [4]
    batch.undo()
    assert batch.unassigned() == []


def test_default_requirement_for_added_pages(tmp_path: Path) -> None:
    b = ScanBatch(tmp_path, ["KTP", "KK"], default_requirement="KK")
    b.add(page_file(tmp_path, "x"), Paper.F4)
    assert b[0].requirement == "KK" and b[0].paper is Paper.F4


def test_split_at_blank_separators(tmp_path: Path) -> None:
    b = ScanBatch(tmp_path, ["KTP", "KK", "AKTA"])
    order = ["s0", "k1", "s1", "s1b", "k2", "k3", "s2", "a1", "s3", "x1"]
    for n in order:
        b.add(page_file(tmp_path, n, blank=n.startswith("s")), Paper.A4)
    assert b.split_at_separators() == 3  # a leading blank separates nothing; s1+s1b is one
    assert [(p.page.path.stem, p.requirement) for p in b.pages] == [
        ("k1", "KTP"),
        ("k2", "KK"),
        ("k3", "KK"),
        ("a1", "AKTA"),
        ("x1", None),  # past the last requirement: the officer assigns it
    ]
    assert b.undo() is Step.SPLIT
    assert names(b) == order
    assert all(p.requirement is None for p in b.pages)


def test_split_starts_at_the_first_pages_requirement(tmp_path: Path) -> None:
    b = ScanBatch(tmp_path, ["KTP", "KK", "AKTA"], default_requirement="KK")
    for n in ["k1", "s", "a1"]:
        b.add(page_file(tmp_path, n, blank=n == "s"), Paper.A4)
    b.split_at_separators()
    assert [(p.page.path.stem, p.requirement) for p in b.pages] == [("k1", "KK"), ("a1", "AKTA")]


def test_split_without_blank_pages_changes_nothing(batch: ScanBatch) -> None:
    steps = batch.undo_step
    assert batch.split_at_separators() == 0
    assert batch.undo_step is steps


def test_listener_hears_every_change_undo_and_redo(batch: ScanBatch) -> None:
    heard: list[int] = []
    batch.subscribe(lambda: heard.append(len(batch)))
    batch.delete(0)
    batch.undo()
    batch.redo()
    assert heard == [4, 5, 4]


def test_close_removes_every_page_file_deleted_ones_too(batch: ScanBatch) -> None:
    files = [p.page.path for p in batch.pages]
    batch.delete(0)
    batch.close()
    assert not any(f.exists() for f in files)
    assert not batch.folder.exists()
    batch.close()  # twice is fine
    with pytest.raises(RuntimeError):
        batch.add(page_file(batch.folder.parent, "late"), Paper.A4)


def test_out_of_range_index_raises(batch: ScanBatch) -> None:
    with pytest.raises(IndexError):
        batch.delete(5)
    assert len(batch) == 5
