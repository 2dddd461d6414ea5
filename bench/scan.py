"""Scanning benchmark (issue 12): the page pipeline and a long feeder batch.

    python bench/scan.py [--runs 5] [--batch 50]

- one A4 page at 300 dpi through `process_page` (deskew of a 2-degree skew, crop, whitening,
  compression) for colour, grey and black-and-white: time and bytes beside DESIGN 9's budgets
  (<= 400 ms; <= 250 KB colour/grey, <= 60 KB bw). Two pages: a typical letter (18 lines of
  11 pt) and a dense full page (34 lines), both rendered by tests/synthetic_pages.py with scan
  blur and noise;
- a 600 dpi colour F4 duplex batch (`--batch` sheet sides, the backs blank as for one-sided
  documents) through `run_scan` from an in-bench device that decodes a fresh page per side, then
  `assemble_pdf`. It runs in a child process so its peak memory is its own: printed as the
  process's peak RSS (VmHWM from /proc/self/status: everything, Pillow's and OpenCV's buffers
  included; not ru_maxrss, which a child inherits from its parent across fork and exec), the
  current RSS after every 10 sides (flat = bounded), and
  tracemalloc's peak (Python objects and numpy arrays only; Pillow's image memory is not
  traced). psutil is not installed, so /proc/self/statm gives the current RSS.

- OCR: the NIK/KK read (`nik_reader.read_card`, RapidOCR) on `--cards` synthetic KTP/KK
  cards, mean and worst seconds per card beside the 1.5 s budget (bench/ocr.py's `measure`;
  bench/ocr.py alone also compares Tesseract).

Numbers are printed beside their budgets; a benchmark is a
report, never a test. The machine's load average is printed too; the CPU time of the working
thread (`time.thread_time`) is the number to hold against a budget on a loaded machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# `python bench/scan.py` puts bench/ first on sys.path, where bench/queue.py shadows the
# standard library's `queue`. Put the repo there instead (as bench/receipt.py does).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Iterator  # noqa: E402

BUDGET_PAGE_MS = 400.0
BUDGET_JPEG_KB = 250.0
BUDGET_BW_KB = 60.0
BUDGET_OCR_S = 1.5


def verdict(value: float, budget: float) -> str:
    return "OK" if value <= budget else "OVER BUDGET"


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM belongs to the address space made at exec. Not
    ru_maxrss: Linux carries the parent's high-water mark into a forked child across exec,
    so after the OCR part the child reported the parent's ~780 MB, not its own peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_page(runs: int) -> None:
    from desktop.services.scanning.device import ColourMode, ScannedPage, ScanSettings
    from desktop.services.scanning.pipeline import process_page
    from tests.synthetic_pages import document_page, scanned

    print(f"One A4 page at 300 dpi, 2.0 degrees skew, {runs} runs (after one warm-up)")
    with tempfile.TemporaryDirectory() as folder:
        for lines, label in ((18, "letter"), (34, "dense page")):
            for mode in ColourMode:
                colour = mode is ColourMode.COLOUR
                image = scanned(document_page(300, colour=colour, lines=lines), angle=2.0)
                page = ScannedPage(image, 0, 300, reported_dpi=96)
                settings = ScanSettings(dpi=300, mode=mode)
                process_page(page, settings, Path(folder), "warm")
                wall, cpu = [], []
                for run in range(runs):
                    w0, c0 = time.perf_counter(), time.thread_time()
                    done = process_page(page, settings, Path(folder), f"p{run}")
                    cpu.append((time.thread_time() - c0) * 1000)
                    wall.append((time.perf_counter() - w0) * 1000)
                kb = done.size_bytes / 1024
                size_budget = BUDGET_BW_KB if mode is ColourMode.BW else BUDGET_JPEG_KB
                print(
                    f"  {label:<10} {mode.value:<6} wall median {statistics.median(wall):5.0f} ms"
                    f"  cpu median {statistics.median(cpu):5.0f} ms (budget {BUDGET_PAGE_MS:.0f}:"
                    f" {verdict(statistics.median(cpu), BUDGET_PAGE_MS)})"
                    f"  {kb:6.1f} KB (budget {size_budget:.0f}: {verdict(kb, size_budget)})"
                    f"  stored at {done.dpi} dpi  skew found {done.skew_degrees:+.2f}"
                )


def batch(sides: int) -> None:
    """Runs in the child process: the 600 dpi colour F4 duplex batch."""
    from PIL import Image

    from desktop.services.scanning.assemble import assemble_pdf
    from desktop.services.scanning.device import (
        CancelToken,
        ColourMode,
        Paper,
        ScannedPage,
        ScanSettings,
        Source,
    )
    from desktop.services.scanning.pipeline import ProcessedPage, paper_pixels
    from desktop.services.scanning.scan_run import run_scan
    from tests.synthetic_pages import blank_page, document_page, scanned

    size = paper_pixels(Paper.F4, 600)
    # Rendered once at 150 dpi (small); each side is decoded afresh at 600 dpi, as a device would.
    front = scanned(document_page(150, paper="F4", colour=True), angle=1.2, dpi=150)
    back = scanned(blank_page(150, paper="F4", colour=True), dpi=150)

    class Feeder:
        name = "bench"

        def scan(
            self, device_id: str, settings: ScanSettings, cancel: CancelToken
        ) -> Iterator[ScannedPage]:
            for index in range(sides):
                source = front if index % 2 == 0 else back
                page = ScannedPage(
                    source.resize(size, Image.Resampling.BILINEAR),
                    index,
                    600,
                    96,
                    "front" if index % 2 == 0 else "back",
                )
                yield page
                del page  # as the real backends do: the consumer owns the page it was given

    rss: list[str] = []

    def on_page(page: ProcessedPage) -> None:
        if (page_count := int(page.path.stem.split("-")[1])) % 10 in (0, 9):
            rss.append(f"{page_count}: {current_rss_mb():.0f}")

    settings = ScanSettings(Source.DUPLEX, 600, ColourMode.COLOUR, Paper.F4, remove_blank=True)
    tracemalloc.start()
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        outcome = run_scan(Feeder(), "bench", settings, CancelToken(), Path(folder), on_page)  # type: ignore[arg-type]
        scan_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf = assemble_pdf([(p, 0) for p in outcome.pages], Paper.F4, Path(folder) / "batch.pdf")
        pdf_s = time.perf_counter() - t0
        pdf_mb = pdf.stat().st_size / 2**20
        page_kb = statistics.median(p.size_bytes for p in outcome.pages) / 1024
    _, traced_peak = tracemalloc.get_traced_memory()
    peak = peak_rss_mb()
    print(
        f"  {sides} sides: {len(outcome.pages)} kept, {outcome.blanks_removed} blank backs dropped,"
        f" error {outcome.error!r}"
    )
    print(
        f"  run_scan {scan_s:.1f} s ({scan_s / sides * 1000:.0f} ms per side, page decode included)"
    )
    print(f"  assemble_pdf {pdf_s:.2f} s, {pdf_mb:.1f} MB PDF, median page {page_kb:.0f} KB")
    print(f"  current RSS after side n (MB): {', '.join(rss)}")
    print(f"  peak RSS (VmHWM) {peak:.0f} MB; tracemalloc peak {traced_peak / 2**20:.0f} MB")


def ocr(count: int) -> None:
    from bench.ocr import measure

    tally, cards = measure(count)
    times = tally.seconds or [tally.first_seconds]
    mean = statistics.mean(times)
    print(
        f"OCR (RapidOCR) on {cards} synthetic KTP/KK cards: {tally.exact}/{cards} exact,"
        f" {tally.wrong} wrong, {tally.missed} missed; mean {mean:.2f} s per card, worst"
        f" {max(times):.2f} s (budget {BUDGET_OCR_S} s: {verdict(mean, BUDGET_OCR_S)}); first"
        f" card with the engine load {tally.first_seconds:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--cards", type=int, default=10, help="synthetic cards for OCR (0: skip)")
    parser.add_argument("--batch-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_child:
        batch(args.batch)
        return 0
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    one_page(args.runs)
    if args.cards:
        ocr(args.cards)
    print("600 dpi colour F4 duplex batch through run_scan (child process)")
    sys.stdout.flush()
    child = [sys.executable, __file__, "--batch-child", "--batch", str(args.batch)]
    return subprocess.run(child, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
