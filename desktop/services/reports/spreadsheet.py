"""XLSX export (openpyxl): one sheet per table, a header row, numbers as numbers (hours and
percents with their number format), "Tidak ada data" as text where a value is missing and as
the only row of an empty table. A first sheet "Keterangan" says which report, period and
office the numbers are for."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from desktop.services.reports.data import period_label
from desktop.services.reports.model import NO_DATA, ColumnKind, Report

FORMATS = {
    ColumnKind.HOURS: "0.00",
    ColumnKind.PERCENT: "0.0",
    ColumnKind.COUNT: "#,##0",
    ColumnKind.SCORE: "0.00",
    ColumnKind.WEIGHTED: "0.0000",
}


def sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31]


def build_xlsx(report: Report) -> bytes:
    book = Workbook()
    about = book.active
    about.title = "Keterangan"
    for label, value in (
        ("Laporan", report.title),
        ("Periode", period_label(report)),
        ("Wilayah", report.scope_label),
        ("Saringan", report.filters_label),
        ("Dibuat", report.generated_at.strftime("%d-%m-%Y %H:%M")),
    ):
        about.append([label, value])
    for note in report.notes:
        about.append(["Catatan", note])
    about.column_dimensions["A"].width = 12
    about.column_dimensions["B"].width = 60
    bold = Font(bold=True)
    for table in report.tables:
        sheet = book.create_sheet(sheet_title(table.title))
        sheet.append([c.title for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        if table.empty:
            sheet.append([NO_DATA])
            continue
        for row in table.rows:
            sheet.append([NO_DATA if v is None else v for v in row.cells])
            if row.total:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = 30 if column.kind is ColumnKind.TEXT else 14
            fmt = FORMATS.get(column.kind)
            if fmt is None:
                continue
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if isinstance(cell.value, int | float):
                    cell.number_format = fmt
        sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
