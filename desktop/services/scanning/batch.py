"""The pages of one scanning session, as the page editor changes them (issue 12).

A `ScanBatch` holds `BatchPage`s in order: a processed page (`pipeline.ProcessedPage`, its
file on disk), the rotation the officer gave it and the checklist requirement it belongs to.
Every change (add, move, rotate, delete, rescan, assign, split at separator sheets) is one
step on an undo stack. A step keeps the page list before and after as tuples of the same
frozen `BatchPage` objects, so undo is a pointer swap: no image is copied or re-read, and a
deleted page's file stays on disk until `close()` (undo brings it back).

Blank pages and "Buang halaman kosong": the batch keeps every blank page the device gave,
because a blank sheet is also the separator "Pisah di lembar kosong" looks for. A blank page
scanned with removal on is kept as `dropped_blank` (the editor shows it dimmed) and is left
out of every PDF; so the split works whether removal was on or off, and removal still removes.

`export(code, folder)` assembles one requirement's pages into a PDF (`assemble.assemble_pdf`:
rotation as /Rotate, no re-encoding). Qt-free: the controller and the views call it on the
GUI thread (every change is cheap); only export, which writes a PDF, belongs on a worker.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from desktop.services.scanning.assemble import assemble_pdf
from desktop.services.scanning.device import Paper
from desktop.services.scanning.pipeline import ProcessedPage

log = logging.getLogger(__name__)

ROTATIONS = (0, 90, 180, 270)


@dataclass(frozen=True)
class BatchPage:
    """One page of the batch. `key` is stable for the page's life in the batch (views keep
    selection and thumbnails by it); a rescan replaces `page` under a new key."""

    key: int
    page: ProcessedPage
    paper: Paper
    rotation: int = 0  # clockwise degrees, one of ROTATIONS; applied as /Rotate on export
    requirement: str | None = None  # the checklist requirement's document code
    dropped_blank: bool = False
    """Blank, scanned with "Buang halaman kosong" on: kept only as a possible separator sheet,
    never exported and never waiting to be assigned."""
    back: bool = False
    """The back side of a duplex sheet: a blank back alone (a one-sided letter) separates
    nothing; a separator sheet is blank on its front too."""

    @property
    def exported(self) -> bool:
        return not self.dropped_blank


class Step(StrEnum):
    """What an undo step did (the editor names it in "Urungkan …")."""

    ADD = "add"
    MOVE = "move"
    ROTATE = "rotate"
    DELETE = "delete"
    REPLACE = "replace"
    ASSIGN = "assign"
    SPLIT = "split"


@dataclass(frozen=True)
class _Change:
    step: Step
    before: tuple[BatchPage, ...]
    after: tuple[BatchPage, ...]


@dataclass(frozen=True)
class BatchSnapshot:
    """The batch's pages at one moment (immutable: safe to export on a worker)."""

    pages: tuple[BatchPage, ...]
    requirements: tuple[str, ...]

    def assigned_codes(self) -> list[str]:
        present = {p.requirement for p in self.pages if p.requirement is not None and p.exported}
        ordered = [c for c in self.requirements if c in present]
        return ordered + sorted(present - set(ordered))

    def export(self, requirement: str, target_dir: Path) -> Path:
        """One PDF `target_dir/<code>.pdf` of the requirement's pages in batch order, each with
        its rotation. The paper is the first page's (the pipeline already cropped each page to
        the paper it was scanned for). Raises `ScanError(FAILED)` from assemble_pdf, and
        ValueError when the requirement has no pages (blank pages dropped by removal are none)."""
        pages = [p for p in self.pages if p.requirement == requirement and p.exported]
        if not pages:
            raise ValueError(f"no pages for requirement {requirement!r}")
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{_safe(requirement)}.pdf"
        return assemble_pdf([(p.page, p.rotation) for p in pages], pages[0].paper, target)

    def export_all(self, target_dir: Path) -> dict[str, Path]:
        """`export` for every requirement with pages, in checklist order."""
        return {code: self.export(code, target_dir) for code in self.assigned_codes()}


class ScanBatch:
    """The pages of one scanning session and the undo stack over them.

    `requirements` are the checklist's document codes in checklist order (split at separator
    sheets walks them); `default_requirement` is given to every added page (the dialog opened
    from one requirement's "Pindai" puts its pages there). `listener` is called after every
    change, undo and redo included.
    """

    def __init__(
        self,
        folder: Path,
        requirements: Sequence[str] = (),
        *,
        default_requirement: str | None = None,
    ) -> None:
        self.folder = folder
        self.requirements: tuple[str, ...] = tuple(requirements)
        self.default_requirement = default_requirement
        self._pages: tuple[BatchPage, ...] = ()
        self._undo: list[_Change] = []
        self._redo: list[_Change] = []
        self._keys = itertools.count(1)
        self._files: set[Path] = set()  # every page file ever in the batch, removed by close()
        self._listeners: list[Callable[[], None]] = []
        self.closed = False

    # -- reading ------------------------------------------------------------------------------

    @property
    def pages(self) -> tuple[BatchPage, ...]:
        return self._pages

    def __len__(self) -> int:
        return len(self._pages)

    def __getitem__(self, index: int) -> BatchPage:
        return self._pages[index]

    def index_of(self, key: int) -> int | None:
        for i, p in enumerate(self._pages):
            if p.key == key:
                return i
        return None

    def pages_for(self, requirement: str) -> list[BatchPage]:
        """The requirement's pages that go into its PDF."""
        return [p for p in self._pages if p.requirement == requirement and p.exported]

    def unassigned(self) -> list[int]:
        """Indices of pages that belong to no requirement yet (dropped blanks need none)."""
        return [i for i, p in enumerate(self._pages) if p.requirement is None and p.exported]

    def dropped_blanks(self) -> int:
        """Blank pages kept only as separators: they stay out of the PDFs."""
        return sum(1 for p in self._pages if p.dropped_blank)

    def assigned_codes(self) -> list[str]:
        """The requirements that have pages: checklist order first, then any others."""
        return self.snapshot().assigned_codes()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_step(self) -> Step | None:
        return self._undo[-1].step if self._undo else None

    @property
    def redo_step(self) -> Step | None:
        return self._redo[-1].step if self._redo else None

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    # -- changes ------------------------------------------------------------------------------

    def add(
        self,
        page: ProcessedPage,
        paper: Paper,
        requirement: str | None = None,
        *,
        remove_blank: bool = False,
        back: bool = False,
    ) -> int:
        """Append a scanned page; returns its index. `remove_blank`: the page was scanned with
        "Buang halaman kosong" on (a blank one is kept only as a separator)."""
        item = BatchPage(
            next(self._keys),
            page,
            paper,
            requirement=requirement or self.default_requirement,
            dropped_blank=remove_blank and page.blank,
            back=back,
        )
        self._files.add(page.path)
        self._apply(Step.ADD, (*self._pages, item))
        return len(self._pages) - 1

    def move(self, source: int, target: int) -> None:
        """Take the page at `source` out and put it back so that it ends up at `target`."""
        self.move_many([source], target)

    def move_many(self, indices: Iterable[int], target: int) -> list[int]:
        """Move the pages at `indices` (kept in their order) together so the first of them
        ends up at `target` (clamped). Returns their new indices. One undo step."""
        chosen = sorted(set(self._check(indices)))
        if not chosen:
            return []
        moving = [self._pages[i] for i in chosen]
        rest = [p for i, p in enumerate(self._pages) if i not in set(chosen)]
        at = max(0, min(target, len(rest)))
        pages = (*rest[:at], *moving, *rest[at:])
        if pages != self._pages:
            self._apply(Step.MOVE, pages)
        return list(range(at, at + len(moving)))

    def shift(self, indices: Iterable[int], delta: int) -> list[int]:
        """Move the selected pages one place left (-1) or right (+1), as Ctrl+Left/Right do.
        The selection moves as a block; at an edge nothing moves."""
        chosen = sorted(set(self._check(indices)))
        if not chosen:
            return []
        target = chosen[0] + delta
        if target < 0 or target + len(chosen) > len(self._pages):
            return chosen
        return self.move_many(chosen, target)

    def rotate(self, indices: int | Iterable[int], degrees: int) -> None:
        """Turn pages by a multiple of 90 degrees (clockwise positive)."""
        if degrees % 90:
            raise ValueError(f"rotation must be a multiple of 90, not {degrees}")
        chosen = set(self._check([indices] if isinstance(indices, int) else indices))
        if not chosen or degrees % 360 == 0:
            return
        pages = tuple(
            replace(p, rotation=(p.rotation + degrees) % 360) if i in chosen else p
            for i, p in enumerate(self._pages)
        )
        self._apply(Step.ROTATE, pages)

    def delete(self, indices: int | Iterable[int]) -> None:
        """Remove pages from the batch (their files stay until `close()`: undo)."""
        chosen = set(self._check([indices] if isinstance(indices, int) else indices))
        if not chosen:
            return
        self._apply(Step.DELETE, tuple(p for i, p in enumerate(self._pages) if i not in chosen))

    def replace(
        self,
        index: int,
        page: ProcessedPage,
        paper: Paper | None = None,
        *,
        remove_blank: bool = False,
    ) -> None:
        """A rescan of one page: same place, requirement and side, the new image upright."""
        (index,) = self._check([index])
        old = self._pages[index]
        new = BatchPage(
            next(self._keys),
            page,
            paper or old.paper,
            0,
            old.requirement,
            dropped_blank=remove_blank and page.blank,
            back=old.back,
        )
        self._files.add(page.path)
        self._apply(Step.REPLACE, (*self._pages[:index], new, *self._pages[index + 1 :]))

    def assign(self, indices: Iterable[int], requirement: str | None) -> None:
        """Put pages under a requirement (None: take them out of any)."""
        chosen = set(self._check(indices))
        pages = tuple(
            replace(p, requirement=requirement) if i in chosen else p
            for i, p in enumerate(self._pages)
        )
        if pages != self._pages:
            self._apply(Step.ASSIGN, pages)

    def split_at_separators(self) -> int:
        """Blank separator sheets end one requirement's document: the pages after each run of
        blank pages go to the next requirement in checklist order; the blank pages leave the
        batch. A run made only of duplex backs (a one-sided page's empty back) is no
        separator: it leaves the batch too, but the document goes on. The first document goes
        to the first page's requirement (else the first in the checklist). Pages past the last
        requirement are left unassigned (the officer assigns them). Returns the number of
        separators found (0: nothing changed); one undo step."""
        runs = self._separator_runs()
        if not runs:
            return 0
        order = list(self.requirements)
        first = next((p for p in self._pages if not p.page.blank), None)
        slot = 0
        if first is not None and first.requirement in order:
            slot = order.index(first.requirement)
        kept: list[BatchPage] = []
        separators = 0
        for i, p in enumerate(self._pages):
            if p.page.blank:
                if i in runs:
                    separators += 1
                    slot += 1
                continue
            code = order[slot] if slot < len(order) else None
            kept.append(replace(p, requirement=code))
        self._apply(Step.SPLIT, tuple(kept))
        return separators

    def _separator_runs(self) -> set[int]:
        """The first index of each run of blank pages that separates two documents: content
        before and after it, and at least one front side in it."""
        starts: set[int] = set()
        pages = self._pages
        i = 0
        seen_content = False
        while i < len(pages):
            if not pages[i].page.blank:
                seen_content = True
                i += 1
                continue
            start = i
            while i < len(pages) and pages[i].page.blank:
                i += 1
            has_front = any(not p.back for p in pages[start:i])
            if seen_content and i < len(pages) and has_front:
                starts.add(start)
        return starts

    def undo(self) -> Step | None:
        if not self._undo:
            return None
        change = self._undo.pop()
        self._redo.append(change)
        self._set(change.before)
        return change.step

    def redo(self) -> Step | None:
        if not self._redo:
            return None
        change = self._redo.pop()
        self._undo.append(change)
        self._set(change.after)
        return change.step

    # -- export and close ---------------------------------------------------------------------

    def snapshot(self) -> BatchSnapshot:
        """The pages as they are now, for an export on a worker while the editor stays live."""
        return BatchSnapshot(self._pages, self.requirements)

    def export(self, requirement: str, target_dir: Path) -> Path:
        """See `BatchSnapshot.export`."""
        return self.snapshot().export(requirement, target_dir)

    def export_all(self, target_dir: Path) -> dict[str, Path]:
        return self.snapshot().export_all(target_dir)

    def close(self) -> None:
        """Forget the pages and remove every page file the batch held (deleted ones too).
        Exported PDFs are the caller's and stay. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        for path in self._files:
            path.unlink(missing_ok=True)
        self._files.clear()
        self._pages, self._undo, self._redo = (), [], []
        for run in sorted(self.folder.glob("run-*")):
            shutil.rmtree(run, ignore_errors=True)
        with contextlib.suppress(OSError):  # only when empty: exports may live inside
            self.folder.rmdir()

    # -- inside -------------------------------------------------------------------------------

    def _check(self, indices: Iterable[int]) -> list[int]:
        chosen = list(indices)
        for i in chosen:
            if not 0 <= i < len(self._pages):
                raise IndexError(f"page {i} not in a batch of {len(self._pages)}")
        return chosen

    def _apply(self, step: Step, pages: tuple[BatchPage, ...]) -> None:
        if self.closed:
            raise RuntimeError("the batch is closed")
        self._undo.append(_Change(step, self._pages, pages))
        self._redo.clear()
        self._set(pages)

    def _set(self, pages: tuple[BatchPage, ...]) -> None:
        self._pages = pages
        for listener in list(self._listeners):
            listener()


def _safe(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in code) or "dokumen"
