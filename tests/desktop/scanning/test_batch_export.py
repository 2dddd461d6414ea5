"""ScanBatch.export: one PDF per requirement through the real assemble_pdf, read back with
pikepdf (page count, /Rotate from the editor, the page size of the paper)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from desktop.services.scanning.batch import ScanBatch
from desktop.services.scanning.device import ColourMode, Paper
from desktop.services.scanning.pipeline import ProcessedPage

A4_PT = (595.28, 841.89)


def page_file(folder: Path, name: str) -> ProcessedPage:
    """A JPEG of A4 at 30 dpi, as the pipeline writes pages (it is not run here)."""
    path = folder / f"{name}.jpg"
    Image.new("L", (248, 351), 90).save(path, dpi=(30, 30))
    return ProcessedPage(path, 248, 351, 30, ColourMode.GREY, False, 0.0, path.stat().st_size)


def test_export_one_pdf_per_requirement_with_rotation(tmp_path: Path) -> None:
    batch = ScanBatch(tmp_path / "b", ["KTP", "KK"])
    batch.folder.mkdir()
    for n in "abcde":
        batch.add(page_file(batch.folder, n), Paper.A4)
    batch.assign([0, 1], "KTP")
    batch.assign([2, 3, 4], "KK")
    batch.rotate(1, 90)
    batch.move(4, 2)  # e before c: order in the PDF follows the batch
    batch.rotate(2, 180)
    out = batch.export_all(tmp_path / "pdf")
    assert list(out) == ["KTP", "KK"]
    with pikepdf.open(out["KTP"]) as pdf:
        assert len(pdf.pages) == 2
        assert [int(p.obj.get("/Rotate", 0)) for p in pdf.pages] == [0, 90]
        w, h = (float(v) for v in pdf.pages[0].mediabox[2:])
        assert (w, h) == pytest.approx(A4_PT, abs=0.5)
    with pikepdf.open(out["KK"]) as pdf:
        assert [int(p.obj.get("/Rotate", 0)) for p in pdf.pages] == [180, 0, 0]
    batch.close()
    assert out["KK"].exists()  # the exports are the caller's


def test_export_of_a_requirement_without_pages_is_refused(tmp_path: Path) -> None:
    batch = ScanBatch(tmp_path, ["KTP"])
    batch.add(page_file(tmp_path, "a"), Paper.A4)
    with pytest.raises(ValueError):
        batch.export("KTP", tmp_path / "pdf")
