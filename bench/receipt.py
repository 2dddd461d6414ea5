"""Receipt benchmark (issue 11): the tanda terima PDF and the print preview.

    python bench/receipt.py [--runs 50]

- receipt PDF: `render_receipt` for both layouts, each run with a new status link (the QR
  encoding is cached per link, and every application has its own), budget 20 ms;
- print preview shown: construct `PrintPreviewDialog` with those bytes, show it and render the
  page (PDFium) until the pixmap is on screen, offscreen, budget 300 ms.

Numbers are printed beside their budgets; a benchmark is a report, never a test. The machine's
load average is printed too: other processes on a 2-core machine move these numbers.
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


def report(name: str, samples: list[float], budget: float) -> None:
    median, high = statistics.median(samples), p95(samples)
    print(
        f"{name:<28} median {median:7.1f} ms   p95 {high:7.1f} ms   "
        f"budget {budget:.0f} ms: {verdict(high, budget)}"
    )


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
    one_os = os.getloadavg()[0]
    print(f"load average {one_os:.2f} (1 min) on {os.cpu_count()} CPUs; {args.runs} runs each")
    render_receipt(replace(data, status_url="http://x/status/warmup"))  # fonts registered once
    pdfs: dict[str, bytes] = {}
    for layout in ("half", "roll80"):
        samples = []
        for run in range(args.runs):
            item = replace(data, status_url=f"https://loket.example/status/{layout}{run:022d}")
            start = time.perf_counter()
            pdfs[layout] = render_receipt(item, layout=layout)  # type: ignore[arg-type]
            samples.append((time.perf_counter() - start) * 1000)
        report(f"receipt PDF ({layout})", samples, BUDGET_RECEIPT_MS)

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
