"""The Laporan page's work on workers (issue 14): reading a report (several server calls, with
progress), drawing its charts, and writing its exports. QtCore only; the page gets plain
callbacks, failures as their Indonesian message (`user_message`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject

from desktop.services.documents.letter import Letterhead, LetterheadError, load_letterhead
from desktop.services.documents.pdf_parts import Paper
from desktop.services.operations import Op, OpKind
from desktop.services.reports.csv_export import build_csv
from desktop.services.reports.data import ReportSource, fetch
from desktop.services.reports.model import Report, Request
from desktop.services.reports.pdf import build_pdf, chart_pngs, fallback_letterhead
from desktop.services.reports.spreadsheet import build_xlsx
from desktop.services.tasks import Progress, TaskContext, TaskRunner

Failed = Callable[[str], None]


@dataclass(frozen=True)
class Loaded:
    report: Report
    charts: list[tuple[str, bytes | None]]
    """(title, 200 dpi PNG or None = tidak ada data): the page shows these, the PDF embeds them."""


class ReportsController(QObject):
    def __init__(
        self,
        runner: TaskRunner,
        source: ReportSource,
        *,
        office_code: str,
        office_name: str,
        service_names: Mapping[str, str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.source = source
        self.office_code = office_code
        self.office_name = office_name
        self.service_names = dict(service_names)
        self._generation = 0

    def letterhead(self) -> Letterhead:
        try:
            return load_letterhead(self.office_code)
        except LetterheadError:
            return fallback_letterhead(self.office_code, self.office_name)

    def load(
        self,
        request: Request,
        scope_label: str,
        done: Callable[[Loaded], None],
        failed: Failed,
        progress: Callable[[Progress], None] | None = None,
    ) -> None:
        """Only the newest load answers (a filter changed twice quickly)."""
        self._generation += 1
        generation = self._generation
        source, names = self.source, dict(self.service_names)

        def work(ctx: TaskContext) -> Loaded:
            report = fetch(
                source,
                request,
                scope_label=scope_label,
                service_names=names,
                now=datetime.now(),
                progress=lambda d, t, text: ctx.progress(d, t + 1, text),
            )
            ctx.progress(1, 1, "Menggambar grafik")
            return Loaded(report, chart_pngs(report))

        op = (
            Op(OpKind.COUNT, self.tr("Memuat laporan"), work)
            .success(done)
            .failure(lambda _exc, message: failed(message))
            .relevant_while(lambda: generation == self._generation)
        )
        if progress is not None:
            op = op.progress(progress)
        op.run(self.runner)

    def pdf(self, loaded: Loaded, paper: Paper) -> bytes:
        """The PDF with the charts the page shows; on a worker via `export`, and by the print
        preview when the paper is changed there."""
        return build_pdf(loaded.report, self.letterhead(), paper=paper, charts=loaded.charts)

    def export(
        self,
        loaded: Loaded,
        fmt: str,
        path: Path | None,
        paper: Paper,
        done: Callable[[bytes], None],
        failed: Failed,
    ) -> None:
        """`fmt` pdf, xlsx or csv; written to `path` when given; `done` gets the bytes."""

        def work(_ctx: TaskContext) -> bytes:
            if fmt == "pdf":
                data = self.pdf(loaded, paper)
            elif fmt == "xlsx":
                data = build_xlsx(loaded.report)
            else:
                data = build_csv(loaded.report)
            if path is not None:
                tmp = path.with_name(path.name + ".part")
                tmp.write_bytes(data)
                tmp.replace(path)
            return data

        Op(OpKind.RENDER, self.tr("Menyusun berkas laporan"), work).success(done).failure(
            lambda _exc, message: failed(message)
        ).run(self.runner)
