"""Receipt benchmark (issue 11): the tanda terima PDF and the print preview.

    python bench/receipt.py [--runs 50]

- receipt PDF: `render_receipt` for both layouts, each run with a new status link (the QR
  encoding is cached per link, and every application has its own), budget 20 ms;
- print preview shown: construct `PrintPreviewDialog` with those bytes, show it and render the
  page (PDFium) until the pixmap is on screen, offscreen, budget 300 ms.

Numbers are printed beside their budgets; a benchmark is a report, never a test. The machine's
load average is printed too: other processes on a 2-core machine move these numbers. So the PDF
lines also give the CPU time of the rendering thread (`time.thread_time`), which waiting for a
core does not inflate: on a loaded machine that is the number to hold against the budget.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# `python bench/receipt.py` puts bench/ first on sys.path, where bench/queue.py shadows the
# standard library's `queue` (used by urllib3). Put the repo there instead (as bench/queue.py).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402

BUDGET_RECEIPT_MS = 20.0
BUDGET_PREVIEW_MS = 300.0


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def verdict(value: float, budget: float) -> str:
    return "OK" if value <= budget else "OVER BUDGET"


def report(name: str, samples: list[float], budget: float, cpu: list[float] | None = None) -> None:
    median, high = statistics.median(samples), p95(samples)
    line = (
        f"{name:<24} wall median {median:6.1f} ms  p95 {high:6.1f} ms   "
        f"budget {budget:.0f} ms: {verdict(high, budget)}"
    )
    if cpu:
        line += (
            f"\n{'':<24} cpu  median {statistics.median(cpu):6.1f} ms  p95 {p95(cpu):6.1f} ms   "
            f"budget {budget:.0f} ms: {verdict(p95(cpu), budget)}"
        )
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    from desktop.services.documents.receipt import ReceiptData, render_receipt

    data = ReceiptData(
        office_name="Kelurahan Sukajadi",
        office_address="Jl. Jend. Sudirman No. 1, Sukajadi, Pekanbaru",
        government="Pemerintah Kota Pekanbaru",
        office_code="14.71.01.1002",
        number="1471-261124-0123-2",
        provisional=False,
        service_name="Akta Kelahiran",
        applicant_name="Siti Nur'aini binti Abdullah",
        masked_nik="147101******0001",
        documents=[f"Dokumen persyaratan {i}" for i in range(1, 7)],
        received_at=datetime(2026, 11, 24, 3, 45, tzinfo=UTC),
        expected=date(2026, 11, 27),
        officer="Operator Satu",
        status_url="",
    )
    loads = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average {loads} (1/5/15 min) on {os.cpu_count()} CPUs; {args.runs} runs each")
    render_receipt(replace(data, status_url="http://x/status/warmup"))  # fonts registered once
    pdfs: dict[str, bytes] = {}
    for layout in ("half", "roll80"):
        samples, cpu = [], []
        for run in range(args.runs):
            item = replace(data, status_url=f"https://loket.example/status/{layout}{run:022d}")
            start, start_cpu = time.perf_counter(), time.thread_time()
            pdfs[layout] = render_receipt(item, layout=layout)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            samples.append((time.perf_counter() - start) * 1000)
        report(f"receipt PDF ({layout})", samples, BUDGET_RECEIPT_MS, cpu)

    from PySide6.QtWidgets import QApplication, QLabel

    from desktop.settings import Settings
    from desktop.views.print_preview import PrintPreviewDialog

    app = QApplication.instance() or QApplication([])
    for layout, pdf in pdfs.items():
        samples = []
        for _ in range(max(5, args.runs // 5)):
            start = time.perf_counter()
            dialog = PrintPreviewDialog(pdf, title="Tanda terima", settings=Settings())
            dialog.show()
            app.processEvents()
            label = dialog.findChild(QLabel, "page-1")
            assert label is not None and not label.pixmap().isNull()
            dialog.grab()  # painted
            samples.append((time.perf_counter() - start) * 1000)
            dialog.close()
            dialog.deleteLater()
            app.processEvents()
        report(f"preview shown ({layout})", samples, BUDGET_PREVIEW_MS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
