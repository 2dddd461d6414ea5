"""The hot folder with real files in tmp: a file still being written by another thread is
waited for; truncated, non-image and bomb files are refused by name and left in place; pages
come in name order; a taken file is moved to "diambil" and never taken twice; a page handed
out but not confirmed is taken again (at-least-once); watch() reports arrivals (watchdog)."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from desktop.services.scanning.device import (
    CancelToken,
    ScanError,
    ScannedPage,
    ScanProblem,
    ScanSettings,
)
from desktop.services.scanning.hot_folder import HotFolderBackend, Timing, is_candidate
from tests.desktop.test_attachments import jpeg, png_header_only

FAST = Timing(poll=0.02, settle=0.2, write_timeout=0.8)
AN_HOUR_AGO = time.time() - 3600


def coloured_jpeg(path: Path, shade: int, size: tuple[int, int] = (120, 90)) -> Path:
    Image.new("L", size, shade).save(path, "JPEG", quality=95)
    return path


def shade_of(page: ScannedPage) -> int:
    value = page.image.convert("L").getpixel((5, 5))
    assert isinstance(value, int)
    return value


def backend(folder: Path) -> HotFolderBackend:
    return HotFolderBackend(folder, timing=FAST)


def scan(hot: HotFolderBackend, cancel: CancelToken | None = None) -> list[ScannedPage]:
    return list(hot.scan(hot.device_id, ScanSettings(dpi=200), cancel or CancelToken()))


def scan_until_error(hot: HotFolderBackend) -> tuple[list[ScannedPage], ScanError]:
    pages: list[ScannedPage] = []
    with pytest.raises(ScanError) as caught:
        for page in hot.scan(hot.device_id, ScanSettings(dpi=200), CancelToken()):
            pages.append(page)
    return pages, caught.value


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def test_pages_in_name_order_then_moved_and_never_taken_twice(tmp_path: Path) -> None:
    for name, shade in (("scan_10.jpg", 200), ("scan_2.jpg", 100), ("scan_1.jpg", 40)):
        coloured_jpeg(tmp_path / name, shade)
    os.utime(tmp_path / "scan_1.jpg", (time.time() + 60, time.time() + 60))  # newest, still first
    hot = backend(tmp_path)

    pages = scan(hot)

    assert [abs(shade_of(p) - s) <= 3 for p, s in zip(pages, (40, 100, 200), strict=True)] == [
        True
    ] * 3
    assert [p.index for p in pages] == [0, 1, 2] and all(p.dpi == 200 for p in pages)
    assert names(tmp_path) == []
    assert names(hot.taken_folder) == ["scan_1.jpg", "scan_10.jpg", "scan_2.jpg"]
    with pytest.raises(ScanError) as caught:
        scan(hot)
    assert caught.value.problem is ScanProblem.NO_PAPER
    assert "Belum ada berkas pindaian" in caught.value.message
    assert names(hot.taken_folder) == ["scan_1.jpg", "scan_10.jpg", "scan_2.jpg"]


def test_a_reused_name_is_kept_beside_the_earlier_one(tmp_path: Path) -> None:
    hot = backend(tmp_path)
    coloured_jpeg(tmp_path / "scan.jpg", 50)
    assert len(scan(hot)) == 1
    coloured_jpeg(tmp_path / "scan.jpg", 150)
    assert len(scan(hot)) == 1
    assert names(hot.taken_folder) == ["scan (2).jpg", "scan.jpg"]


def test_a_file_still_being_written_is_waited_for(tmp_path: Path) -> None:
    """Another thread writes a JPEG in 10 chunks with pauses; scan() starts at once and must
    give the whole page, not refuse or cut the half-written one."""
    buffer = io.BytesIO()
    Image.effect_noise((400, 300), 50).convert("L").save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    target = tmp_path / "pindai_001.jpg"
    done = threading.Event()

    def vendor_program() -> None:
        step = len(data) // 10 + 1
        with target.open("wb") as f:
            for start in range(0, len(data), step):
                f.write(data[start : start + step])
                f.flush()
                time.sleep(0.06)  # the scanner's pace, not a wait for a condition
        done.set()

    writer = threading.Thread(target=vendor_program)
    writer.start()
    try:
        pages = scan(backend(tmp_path))
    finally:
        writer.join()

    assert done.is_set()
    assert len(pages) == 1 and pages[0].image.size == (400, 300)
    assert pages[0].image.tobytes() == Image.open(io.BytesIO(data)).tobytes()


def test_a_truncated_jpeg_is_refused_and_left_in_place(tmp_path: Path) -> None:
    coloured_jpeg(tmp_path / "a_1.jpg", 60)
    whole = jpeg(tmp_path / "utuh.jpg").read_bytes()
    (tmp_path / "utuh.jpg").unlink()
    cut = tmp_path / "a_2.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    coloured_jpeg(tmp_path / "a_3.jpg", 180)

    pages, error = scan_until_error(backend(tmp_path))

    assert len(pages) == 1
    assert error.problem is ScanProblem.BAD_FILE and error.pages_done == 1
    assert "'a_2.jpg'" in error.message and "dibiarkan di folder" in error.message
    assert names(tmp_path) == ["a_2.jpg", "a_3.jpg"]
    assert names(tmp_path / "diambil") == ["a_1.jpg"]


def test_an_old_broken_file_is_refused_without_waiting(tmp_path: Path) -> None:
    """Unchanged for an hour: no writer is coming back to finish it."""
    notes = tmp_path / "catatan.txt"
    notes.write_text("bukan gambar")
    os.utime(notes, (AN_HOUR_AGO, AN_HOUR_AGO))
    hot = HotFolderBackend(tmp_path, timing=Timing(poll=0.02, settle=0.1, write_timeout=60))
    started = time.monotonic()

    _, error = scan_until_error(hot)

    assert time.monotonic() - started < 30
    assert error.problem is ScanProblem.BAD_FILE and "'catatan.txt'" in error.message
    assert names(tmp_path) == ["catatan.txt"]


def test_a_decompression_bomb_is_refused_and_left(tmp_path: Path) -> None:
    png_header_only(tmp_path / "bom.png", 30_000, 30_000)

    _, error = scan_until_error(backend(tmp_path))

    assert error.problem is ScanProblem.BAD_FILE and "megapiksel" in error.message
    assert names(tmp_path) == ["bom.png"]


def test_a_pdf_gives_its_pages_and_is_moved_after_the_last(tmp_path: Path) -> None:
    pages_in = [Image.new("L", (200, 280), shade) for shade in (20, 120, 220)]
    pdf = tmp_path / "scan_1.pdf"
    pages_in[0].save(pdf, "PDF", save_all=True, append_images=pages_in[1:], resolution=100.0)
    hot = backend(tmp_path)
    stream = hot.scan(hot.device_id, ScanSettings(dpi=100), CancelToken())

    got = [next(stream), next(stream), next(stream)]
    assert names(tmp_path) == ["scan_1.pdf"]  # the last page is handed out, not yet confirmed
    assert list(stream) == []

    assert [abs(shade_of(p) - s) <= 3 for p, s in zip(got, (20, 120, 220), strict=True)] == [
        True
    ] * 3
    assert names(tmp_path) == [] and names(hot.taken_folder) == ["scan_1.pdf"]


def test_a_page_handed_out_but_not_confirmed_is_taken_again(tmp_path: Path) -> None:
    """The consumer got page 1 and then stopped (a crash, a closed dialog): the file stays and
    the next scan gives the same page again. A duplicate, never a loss."""
    coloured_jpeg(tmp_path / "scan_1.jpg", 70)
    coloured_jpeg(tmp_path / "scan_2.jpg", 170)
    hot = backend(tmp_path)
    stream = hot.scan(hot.device_id, ScanSettings(), CancelToken())
    first = next(stream)
    stream.close()

    assert names(tmp_path) == ["scan_1.jpg", "scan_2.jpg"]
    again = scan(hot)
    assert abs(shade_of(first) - 70) <= 3 and abs(shade_of(again[0]) - 70) <= 3
    assert len(again) == 2 and names(hot.taken_folder) == ["scan_1.jpg", "scan_2.jpg"]


def test_cancel_while_waiting_for_the_folder(tmp_path: Path) -> None:
    coloured_jpeg(tmp_path / "scan_1.jpg", 70)
    hot = HotFolderBackend(tmp_path, timing=Timing(poll=0.02, settle=600, write_timeout=600))
    cancel = CancelToken()
    cancel.cancel()

    with pytest.raises(ScanError) as caught:
        scan(hot, cancel)

    assert caught.value.problem is ScanProblem.CANCELLED
    assert names(tmp_path) == ["scan_1.jpg"]


def test_temp_files_and_the_taken_folder_are_not_pages(tmp_path: Path) -> None:
    for junk in ("scan.tmp", "~scan.jpg", ".scan.jpg", "Thumbs.db", "x.part"):
        assert not is_candidate(junk)
    (tmp_path / "scan_1.jpg.part").write_bytes(b"half")
    (tmp_path / "diambil").mkdir()
    coloured_jpeg(tmp_path / "diambil" / "old.jpg", 10)

    with pytest.raises(ScanError) as caught:
        scan(backend(tmp_path))
    assert caught.value.problem is ScanProblem.NO_PAPER


def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    hot = backend(tmp_path / "tidak-ada")
    with pytest.raises(ScanError) as caught:
        scan(hot)
    assert caught.value.problem is ScanProblem.UNPLUGGED
    assert "tidak-ada" in caught.value.message


def test_watch_reports_arrivals_until_stopped(tmp_path: Path) -> None:
    hot = backend(tmp_path)
    arrived: list[Path] = []
    seen = threading.Event()

    def told(path: Path) -> None:
        arrived.append(path)
        seen.set()

    with hot.watch(told) as watch:
        assert watch.running
        (tmp_path / "scan.tmp").write_bytes(b"x")  # the vendor's temp file: not told
        coloured_jpeg(tmp_path / "scan_1.jpg", 90)
        assert seen.wait(10)
    assert not watch.running
    assert [p.name for p in arrived] == ["scan_1.jpg"]
