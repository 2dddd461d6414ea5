"""Documents benchmark (issue 13): receipts/s, letters/s, and the same letter made the way
offices usually make it, a DOCX converted by LibreOffice, with the ratio.

    python bench/documents.py [--runs 50] [--docx-runs 3] [--screenshots docs/screenshots]

- receipt PDF (`render_receipt`, half sheet), budget 20 ms each;
- letter PDF (`render_letter`, each shipped template in turn, A4), budget 50 ms each;
- DOCX -> PDF: the same letter's text as a DOCX (written here with zipfile: python-docx is not
  a dependency), converted by `libreoffice --headless --convert-to pdf`, one process per letter
  as an office's mail-merge script does, with a profile warmed once; target: Loket >= 20x faster.
  LibreOffice is not a test dependency; when it is missing the bench says what to install
  (Debian: `apt-get install libreoffice-writer-nogui`).
- `--screenshots DIR`: each letter type on A4 and F4, first page, as DIR/letter-<code>-<paper>.png
  (pdftoppm), for docs/screenshots.

Numbers are printed beside their budgets; a benchmark is a report, never a test. CPU time of the
rendering thread is printed too: on a loaded 2-core machine that is the number to hold against
the budget.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# `python bench/documents.py` puts bench/ first on sys.path, where bench/queue.py shadows the
# standard library's `queue`. Put the repo there instead (as bench/receipt.py does).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from xml.sax.saxutils import escape  # noqa: E402

BUDGET_RECEIPT_MS = 20.0
BUDGET_LETTER_MS = 50.0
TARGET_RATIO = 20.0
OFFICE = "14.71.01.1002"


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(name: str, samples: list[float], budget: float, cpu: list[float]) -> None:
    median, high = statistics.median(samples), p95(samples)
    verdict = "OK" if p95(cpu) <= budget else "OVER BUDGET"
    print(
        f"{name:<22} wall median {median:6.1f} ms  p95 {high:6.1f} ms  "
        f"({1000 / median:6.1f}/s)\n{'':<22} cpu  median {statistics.median(cpu):6.1f} ms  "
        f"p95 {p95(cpu):6.1f} ms   budget {budget:.0f} ms: {verdict}"
    )


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal DOCX (WordprocessingML) holding `paragraphs`: what a mail merge produces."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="680" w:right="1134" w:bottom="1134" w:left="1417"/></w:sectPr>'
        "</w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    path = Path(tempfile.mkstemp(suffix=".docx")[1])
    try:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", types)
            z.writestr("_rels/.rels", rels)
            z.writestr("word/document.xml", document)
        return path.read_bytes()
    finally:
        path.unlink()


def letter_paragraphs(pdf_text: str) -> list[str]:
    """The letter's text, line by line, as the DOCX equivalent holds it."""
    return [line for line in pdf_text.splitlines() if line.strip()]


def libreoffice() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def convert(soffice: str, docx: Path, out_dir: Path, profile: Path) -> None:
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def screenshots(directory: Path) -> None:
    from desktop.services.documents.letter import (
        load_letterhead,
        load_templates,
        render_letter,
        sample_letter_data,
    )

    directory.mkdir(parents=True, exist_ok=True)
    head = load_letterhead(OFFICE)
    with tempfile.TemporaryDirectory() as tmp:
        for code, template in load_templates().items():
            for paper in ("A4", "F4"):
                rendered = render_letter(template, head, sample_letter_data(template), paper=paper)
                pdf = Path(tmp) / "l.pdf"
                pdf.write_bytes(rendered.pdf)
                stem = directory / f"letter-{code.lower()}-{paper.lower()}"
                page_one = ["-f", "1", "-l", "1", "-singlefile"]
                subprocess.run(
                    ["pdftoppm", "-r", "80", "-png", *page_one, str(pdf), str(stem)], check=True
                )
                print(f"{stem}.png ({rendered.pages} page(s))")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--docx-runs", type=int, default=3)
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    if args.screenshots:
        screenshots(args.screenshots)
        return 0

    from desktop.services.documents.letter import (
        load_letterhead,
        load_templates,
        render_letter,
        sample_letter_data,
    )
    from desktop.services.documents.receipt import ReceiptData, render_receipt

    loads = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average {loads} (1/5/15 min) on {os.cpu_count()} CPUs; {args.runs} runs each")

    receipt = ReceiptData(
        office_name="Kelurahan Jadirejo",
        office_address="Kecamatan Sukajadi, Kota Pekanbaru",
        government="Pemerintah Kota Pekanbaru",
        office_code=OFFICE,
        number="1471-261124-0123-2",
        provisional=False,
        service_name="Surat keterangan domisili",
        applicant_name="Siti Nur'aini binti Abdullah",
        masked_nik="147101******0001",
        documents=["Surat pengantar RT/RW", "KTP-el", "Kartu Keluarga"],
        received_at=datetime(2026, 11, 24, 3, 45, tzinfo=UTC),
        expected=date(2026, 11, 25),
        officer="Dewi Lestari",
        status_url="http://x/status/warmup",
    )
    render_receipt(receipt)  # fonts registered once
    samples, cpu = [], []
    for run in range(args.runs):
        item = replace(receipt, status_url=f"https://loket.example/status/r{run:022d}")
        start, start_cpu = time.perf_counter(), time.thread_time()
        render_receipt(item)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        samples.append((time.perf_counter() - start) * 1000)
    report("receipt PDF (half A4)", samples, BUDGET_RECEIPT_MS, cpu)

    templates = list(load_templates().values())
    head = load_letterhead(OFFICE)
    render_letter(templates[0], head, sample_letter_data(templates[0]))  # warm caches
    samples, cpu = [], []
    pdf = b""
    for run in range(args.runs):
        template = templates[run % len(templates)]
        data = replace(
            sample_letter_data(
                template, number=f"{template.klasifikasi}/{run + 1:04d}/JDR/XII/2026"
            ),
            verification_url=f"https://loket.example/verify/V{run:020d}",
        )
        start, start_cpu = time.perf_counter(), time.thread_time()
        pdf = render_letter(template, head, data).pdf
        cpu.append((time.thread_time() - start_cpu) * 1000)
        samples.append((time.perf_counter() - start) * 1000)
    report("letter PDF (A4)", samples, BUDGET_LETTER_MS, cpu)
    loket_ms = statistics.median(samples)

    soffice = libreoffice()
    if soffice is None:
        print(
            "DOCX -> PDF via LibreOffice: skipped, libreoffice not found "
            "(Debian: apt-get install libreoffice-writer-nogui)"
        )
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "last.pdf").write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(work / "last.pdf"), "-"], capture_output=True, check=True
        ).stdout.decode("utf-8")
        docx = work / "surat.docx"
        docx.write_bytes(docx_bytes(letter_paragraphs(text)))
        profile = work / "profile"
        convert(soffice, docx, work / "warm", profile)  # first start writes the profile
        office = []
        for _ in range(args.docx_runs):
            start = time.perf_counter()
            convert(soffice, docx, work / "out", profile)
            office.append((time.perf_counter() - start) * 1000)
        assert (work / "out" / "surat.pdf").stat().st_size > 0
    office_ms = statistics.median(office)
    ratio = office_ms / loket_ms
    print(
        f"{'DOCX -> PDF (LO)':<22} wall median {office_ms:8.1f} ms ({args.docx_runs} runs, "
        f"warm profile)\n{'ratio':<22} Loket {ratio:6.0f}x faster   target >= "
        f"{TARGET_RATIO:.0f}x: {'OK' if ratio >= TARGET_RATIO else 'BELOW TARGET'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
