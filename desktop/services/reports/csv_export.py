"""CSV export: every table one after another, each as its title line, its header row and its
rows, separated by an empty line. Semicolon-separated with the page's Indonesian number texts
(1.234 and 2,50), UTF-8 with a BOM: what Excel set to Indonesian opens correctly by double
click. Missing values are "Tidak ada data", as in the PDF."""

from __future__ import annotations

import csv
from io import StringIO

from desktop.services.reports.data import period_label
from desktop.services.reports.model import NO_DATA, Report, format_cell


def build_csv(report: Report) -> bytes:
    out = StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([report.title, period_label(report), report.scope_label])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([c.title for c in table.columns])
        if table.empty:
            writer.writerow([NO_DATA])
            continue
        for row in table.rows:
            writer.writerow(
                [format_cell(v, c.kind) for v, c in zip(row.cells, table.columns, strict=True)]
            )
    for note in report.notes:
        writer.writerow([])
        writer.writerow([note])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
