"""Blank pages in the batch when "Buang halaman kosong" is on (issue 12, wave 2 fix (a)).

Removal used to drop blank pages in the run, so "Pisah di lembar kosong" never saw a separator
sheet unless the officer had switched removal off first. Now the batch keeps them as
`dropped_blank`: the split still finds them, and no PDF ever holds them.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
from PIL import Image

from desktop.services.scanning.batch import ScanBatch, Step
from desktop.services.scanning.device import ColourMode, Paper
from desktop.services.scanning.pipeline import ProcessedPage


def page_file(folder: Path, name: str, *, blank: bool = False) -> ProcessedPage:
    path = folder / f"{name}.jpg"
    Image.new("L", (60, 85), 255 if blank else 120).save(path, dpi=(25, 25))
    return ProcessedPage(path, 60, 85, 25, ColourMode.GREY, blank, 0.0, path.stat().st_size)


def filled(
    tmp_path: Path, order: list[str], *, remove_blank: bool, duplex: bool = False
) -> ScanBatch:
    """Pages named s* are blank; with `duplex`, every second page is a back side."""
    b = ScanBatch(tmp_path / "b", ["KTP", "KK"], default_requirement="KTP")
    b.folder.mkdir(parents=True)
    for i, n in enumerate(order):
        page = page_file(b.folder, n, blank=n.startswith("s"))
        b.add(page, Paper.A4, remove_blank=remove_blank, back=duplex and i % 2 == 1)
    return b


def stems(b: ScanBatch) -> list[str]:
    return [p.page.path.stem for p in b.pages]


def test_blank_pages_scanned_with_removal_stay_out_of_every_pdf(tmp_path: Path) -> None:
    b = filled(tmp_path, ["k1", "s1", "k2"], remove_blank=True)
    assert [p.dropped_blank for p in b.pages] == [False, True, False]
    assert b.dropped_blanks() == 1
    assert len(b.pages_for("KTP")) == 2
    b.assign([1], None)
    assert b.unassigned() == []  # a dropped blank never waits to be assigned
    out = b.export_all(tmp_path / "pdf")
    with pikepdf.open(out["KTP"]) as pdf:
        assert len(pdf.pages) == 2


def test_split_finds_separators_with_removal_on_or_off(tmp_path: Path) -> None:
    for remove in (True, False):
        b = filled(tmp_path / str(remove), ["k1", "k2", "s1", "a1"], remove_blank=remove)
        assert b.split_at_separators() == 1
        assert [(p.page.path.stem, p.requirement) for p in b.pages] == [
            ("k1", "KTP"),
            ("k2", "KTP"),
            ("a1", "KK"),
        ]
        assert b.undo() is Step.SPLIT and len(b) == 4


def test_a_blank_page_only_at_the_ends_is_no_separator(tmp_path: Path) -> None:
    b = filled(tmp_path, ["s0", "k1", "k2", "s9"], remove_blank=True)
    assert b.split_at_separators() == 0
    assert len(b) == 4 and b.undo_step is Step.ADD  # no split step


def test_duplex_blank_backs_separate_nothing_a_blank_sheet_does(tmp_path: Path) -> None:
    # sheet 1: k1 / blank back; sheet 2: k2 / k2b; sheet 3: blank / blank (separator); sheet 4
    order = ["k1", "s1b", "k2", "k2b", "s3", "s3b", "a1", "s4b"]
    b = filled(tmp_path, order, remove_blank=True, duplex=True)
    assert b.split_at_separators() == 1
    assert [(p.page.path.stem, p.requirement) for p in b.pages] == [
        ("k1", "KTP"),
        ("k2", "KTP"),
        ("k2b", "KTP"),
        ("a1", "KK"),
    ]


def test_a_rescan_of_a_blank_page_with_removal_is_dropped_and_keeps_its_side(
    tmp_path: Path,
) -> None:
    b = filled(tmp_path, ["k1", "k1b"], remove_blank=True, duplex=True)
    b.replace(1, page_file(b.folder, "s-new", blank=True), remove_blank=True)
    assert b[1].dropped_blank and b[1].back
    b.replace(1, page_file(b.folder, "k-new"), remove_blank=True)
    assert not b[1].dropped_blank
