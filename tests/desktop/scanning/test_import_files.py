"""File import as a scanner ("file:"): real files written in tmp, read with the real Pillow,
pikepdf and PDFium; each page arrives as a ScannedPage, a bad file ends the stream with
BAD_FILE naming it and the pages before it kept."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from desktop.services.scanning.device import (
    CancelToken,
    ColourMode,
    ScanError,
    ScannedPage,
    ScanProblem,
    ScanSettings,
)
from desktop.services.scanning.file_import import FileImportBackend
from tests.desktop.test_attachments import jpeg, png_header_only

SHADES = (30, 90, 150, 210)


def shaded_pdf(path: Path, shades: tuple[int, ...] = SHADES, dpi: float = 100.0) -> Path:
    """A PDF whose page i is a flat grey of shades[i], A6-ish, so order can be read back."""
    pages = [Image.new("L", (413, 583), shade) for shade in shades]
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return path


def tiff(path: Path, shades: tuple[int, ...] = SHADES) -> Path:
    frames = [Image.new("L", (60, 80), shade) for shade in shades]
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], dpi=(150, 150))
    return path


def scan_all(backend: FileImportBackend, settings: ScanSettings | None = None) -> list[ScannedPage]:
    return list(backend.scan("file:", settings or ScanSettings(dpi=100), CancelToken()))


def scan_until_error(
    backend: FileImportBackend, settings: ScanSettings | None = None
) -> tuple[list[ScannedPage], ScanError]:
    pages: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        for page in backend.scan("file:", settings or ScanSettings(dpi=100), CancelToken()):
            pages.append(page)
    return pages, caught.value


def centre(page: ScannedPage) -> int:
    value = page.image.convert("L").getpixel((page.image.width // 2, page.image.height // 2))
    assert isinstance(value, int)
    return value


def test_images_tiff_frames_and_pdf_pages_arrive_in_order(tmp_path: Path) -> None:
    photo = tmp_path / "ktp.jpg"
    Image.new("RGB", (320, 200), (200, 40, 40)).save(photo, "JPEG", dpi=(200, 200))
    backend = FileImportBackend()
    backend.set_files([photo, tiff(tmp_path / "kk.tif"), shaded_pdf(tmp_path / "akta.pdf")])

    pages = scan_all(backend, ScanSettings(dpi=150))

    assert [p.index for p in pages] == list(range(9))
    assert all(p.dpi == 150 for p in pages)
    assert pages[0].reported_dpi == 200 and pages[0].image.size == (320, 200)
    assert pages[1].reported_dpi == 150
    assert [centre(p) for p in pages[1:5]] == list(SHADES)
    assert [abs(centre(p) - s) <= 2 for p, s in zip(pages[5:], SHADES, strict=True)] == [True] * 4
    assert pages[5].reported_dpi is None


def test_pdf_is_rendered_at_the_chosen_dpi(tmp_path: Path) -> None:
    """413 x 583 px at 100 dpi is 4.13 x 5.83 in; at 300 dpi that is 1239 x 1749 px."""
    backend = FileImportBackend()
    backend.set_files([shaded_pdf(tmp_path / "a.pdf", (120,))])

    (page,) = scan_all(backend, ScanSettings(dpi=300, mode=ColourMode.COLOUR))

    assert abs(page.image.width - 1239) <= 1 and abs(page.image.height - 1749) <= 1
    assert page.image.mode == "RGB"
    (grey,) = scan_all(backend, ScanSettings(dpi=72, mode=ColourMode.GREY))
    assert grey.image.mode == "L"


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    """Orientation 6: the camera was turned; the picture is stored 40 wide and shown 20 wide."""
    path = tmp_path / "foto.jpg"
    image = Image.new("RGB", (40, 20), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 20, 20))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, "JPEG", exif=exif, quality=95)
    backend = FileImportBackend()
    backend.set_files([path])

    (page,) = scan_all(backend)

    assert page.image.size == (20, 40)
    top, bottom = page.image.getpixel((10, 5)), page.image.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and bottom[0] < 50  # rotated 90 degrees clockwise: left went to the top


def test_transparent_png_lands_on_white(tmp_path: Path) -> None:
    path = tmp_path / "potongan.png"
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(path, "PNG")
    backend = FileImportBackend()
    backend.set_files([path])

    (page,) = scan_all(backend)

    assert page.image.mode == "RGB" and page.image.getpixel((15, 15)) == (255, 255, 255)


def test_a_non_image_ends_the_stream_and_keeps_the_pages_before_it(tmp_path: Path) -> None:
    notes = tmp_path / "catatan.pdf"
    notes.write_bytes(b"PK\x03\x04 this is a Word file really" * 10)
    backend = FileImportBackend()
    backend.set_files([jpeg(tmp_path / "a.jpg"), notes, jpeg(tmp_path / "b.jpg")])

    pages, error = scan_until_error(backend)

    assert len(pages) == 1
    assert error.problem is ScanProblem.BAD_FILE and error.pages_done == 1
    assert "'catatan.pdf'" in error.message and "tidak didukung" in error.message
    assert "1 halaman yang sudah terpindai tetap tersimpan" in error.message


def test_truncated_jpeg_is_refused_by_name(tmp_path: Path) -> None:
    whole = jpeg(tmp_path / "utuh.jpg").read_bytes()
    cut = tmp_path / "terpotong.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    backend = FileImportBackend()
    backend.set_files([cut])

    pages, error = scan_until_error(backend)

    assert pages == []
    assert error.problem is ScanProblem.BAD_FILE and "'terpotong.jpg'" in error.message


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    backend = FileImportBackend()
    backend.set_files([png_header_only(tmp_path / "bom.png", 30_000, 30_000)])

    _, error = scan_until_error(backend)

    assert error.problem is ScanProblem.BAD_FILE
    assert "'bom.png'" in error.message and "megapiksel" in error.message


def test_pdf_pages_come_one_at_a_time_and_a_giant_page_is_refused(tmp_path: Path) -> None:
    """Page 2 is 200 x 200 inches (PDF's largest): 3.6 gigapixels at 300 dpi. Page 1 arrives
    before page 2 is looked at, and page 2 is refused before PDFium renders it."""
    path = tmp_path / "peta.pdf"
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(595, 842))
    doc.add_blank_page(page_size=(14_400, 14_400))
    doc.save(path)
    backend = FileImportBackend()
    backend.set_files([path])

    pages, error = scan_until_error(backend, ScanSettings(dpi=300))

    assert len(pages) == 1
    assert error.problem is ScanProblem.BAD_FILE and error.pages_done == 1
    assert "Halaman 2 berkas 'peta.pdf' terlalu besar" in error.message


def test_cancel_stops_at_the_next_page(tmp_path: Path) -> None:
    backend = FileImportBackend()
    backend.set_files([tiff(tmp_path / "kk.tif")])
    cancel = CancelToken()
    stream = backend.scan("file:", ScanSettings(dpi=100), cancel)

    first = next(stream)
    cancel.cancel()
    with pytest.raises(ScanError) as caught:
        next(stream)

    assert first.index == 0
    assert caught.value.problem is ScanProblem.CANCELLED and caught.value.pages_done == 1


def test_nothing_chosen_and_the_device(tmp_path: Path) -> None:
    backend = FileImportBackend()
    assert [d.id for d in backend.devices()] == ["file:"]
    with pytest.raises(ScanError) as caught:
        backend.scan("file:", ScanSettings(), CancelToken())
    assert caught.value.problem is ScanProblem.NO_PAPER
    backend.set_files([tmp_path / "hilang.jpg"])
    _, error = scan_until_error(backend)
    assert error.problem is ScanProblem.BAD_FILE and "'hilang.jpg' tidak ditemukan" in error.message
