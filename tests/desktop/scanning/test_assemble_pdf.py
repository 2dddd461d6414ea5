"""Scanned pages into a PDF (issue 12): the page size is exactly A4 or F4 whatever dpi the page
was scanned at or the device claimed (read back with pikepdf and poppler's pdfinfo), JPEG and
G4 go in as they are, a rotation is only /Rotate, and a failure leaves no half-written target."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, TiffImagePlugin

from desktop.services.scanning.assemble import assemble_pdf
from desktop.services.scanning.device import (
    ColourMode,
    Paper,
    ScanError,
    ScannedPage,
    ScanProblem,
    ScanSettings,
)
from desktop.services.scanning.pipeline import ProcessedPage, process_page
from tests.synthetic_pages import document_page, scanned

POINTS = {Paper.A4: (595.28, 841.89), Paper.F4: (609.45, 935.43)}


def _page(
    tmp_path: Path, name: str, dpi: int, paper: Paper, mode: ColourMode, reported: int | None
) -> ProcessedPage:
    image = scanned(
        document_page(dpi, paper=paper.value, lines=6, colour=mode is ColourMode.COLOUR),
        dpi=dpi,
        extra_mm=(4.0, 9.0),
    )
    image.info["dpi"] = (reported or dpi,) * 2
    return process_page(
        ScannedPage(image, 0, dpi, reported_dpi=reported),
        ScanSettings(dpi=dpi, mode=mode, paper=paper, deskew=False),
        tmp_path,
        name,
    )


def _pdfinfo_sizes(path: Path) -> list[tuple[float, float]]:
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "99", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", out)]


@pytest.mark.parametrize(
    ("paper", "dpi", "reported"),
    [
        (Paper.A4, 150, None),
        (Paper.A4, 300, 96),  # the device lies about its dpi
        (Paper.A4, 600, 600),
        (Paper.F4, 150, 96),
        (Paper.F4, 300, None),
    ],
)
def test_page_size_is_exactly_the_paper(
    tmp_path: Path, paper: Paper, dpi: int, reported: int | None
) -> None:
    modes = [ColourMode.GREY, ColourMode.BW] if dpi < 600 else [ColourMode.BW]
    pages = [(_page(tmp_path, m.value, dpi, paper, m, reported), 0) for m in modes]
    target = assemble_pdf(pages, paper, tmp_path / "out" / "scan.pdf")
    want_w, want_h = POINTS[paper]
    with pikepdf.open(target) as pdf:
        assert len(pdf.pages) == len(modes)
        for page in pdf.pages:
            box = [float(v) for v in page.mediabox]
            assert box[0] == box[1] == 0
            assert box[2] == pytest.approx(want_w, abs=0.01)
            assert box[3] == pytest.approx(want_h, abs=0.01)
    for width, height in _pdfinfo_sizes(target):
        assert (width, height) == pytest.approx((want_w, want_h), abs=0.01)


def test_images_go_in_unchanged_and_rotation_is_only_rotate(tmp_path: Path) -> None:
    jpeg = _page(tmp_path, "c", 100, Paper.A4, ColourMode.COLOUR, None)
    g4 = _page(tmp_path, "b", 100, Paper.A4, ColourMode.BW, None)
    upright = assemble_pdf([(jpeg, 0), (g4, 0)], Paper.A4, tmp_path / "a.pdf")
    turned = assemble_pdf([(jpeg, 90), (g4, 270)], Paper.A4, tmp_path / "b.pdf")
    with pikepdf.open(upright) as one, pikepdf.open(turned) as two:
        assert [p.obj.get("/Rotate", 0) for p in two.pages] == [90, 270]
        assert [p.obj.get("/Rotate", 0) for p in one.pages] == [0, 0]
        streams = []
        for pdf in (one, two):
            images = [next(iter(p.get_images().values())) for p in pdf.pages]
            streams.append([image.read_raw_bytes() for image in images])
            assert str(images[0].Filter) == "/DCTDecode"
        assert streams[0] == streams[1]  # rotating re-encoded nothing
        assert streams[0][0] == jpeg.path.read_bytes()  # the JPEG file itself, byte for byte
        with Image.open(g4.path) as tif:
            assert isinstance(tif, TiffImagePlugin.TiffImageFile)
            offset, length = tif.tag_v2[273][0], tif.tag_v2[279][0]
        assert streams[0][1] == g4.path.read_bytes()[offset : offset + length]


def test_a_broken_page_fails_and_leaves_the_target_alone(tmp_path: Path) -> None:
    good = _page(tmp_path, "g", 100, Paper.A4, ColourMode.GREY, None)
    target = tmp_path / "scan.pdf"
    target.write_bytes(b"previous")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(good.path.read_bytes()[:200])
    bad = ProcessedPage(broken, 827, 1169, 100, ColourMode.GREY, False, 0.0, 200)
    with pytest.raises(ScanError) as caught:
        assemble_pdf([(good, 0), (bad, 0)], Paper.A4, target)
    assert caught.value.problem is ScanProblem.FAILED
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pdf") == ["scan.pdf"]
    with pytest.raises(ScanError):
        assemble_pdf([(good, 45)], Paper.A4, target)
