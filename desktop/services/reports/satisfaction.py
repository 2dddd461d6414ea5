"""The satisfaction survey (IKM, Permenpan RB 14/2017) as a report: `GET /reports/ikm` shaped
into the same tables and charts as the other reports, so the page, the PDF, the XLSX and the
CSV carry the same numbers.

The server computes the index with the regulation's formula (`desktop.domain.ikm`); nothing is
recomputed here, only laid out: the index per office, per service and overall (respondents,
IKM with two decimals, the band's letter and label), the NRR of each of the nine elements per
group, a chart of the overall NRRs, and the regulation's sample note. A group nobody answered
prints "Tidak ada data", never 0. No cell is a way into the queue: respondents are citizens
who answered, not applications in a status (`Report.drill` answers None for this kind).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from desktop.domain import ikm
from desktop.services.reports.model import (
    NO_DATA,
    TITLES,
    Cell,
    Chart,
    Column,
    ColumnKind,
    Report,
    ReportKind,
    Request,
    Row,
    RowKeys,
    Table,
    format_cell,
)

ELEMENT_NAMES = {e.code: e.name for e in ikm.ELEMENTS}
OVERALL = "Keseluruhan"

GROUP_COLUMNS = (
    Column("group", "Kelompok", ColumnKind.TEXT),
    Column("name", "Nama", ColumnKind.TEXT),
    Column("respondents", "Responden"),
    Column("ikm", "IKM", ColumnKind.SCORE),
    Column("band", "Mutu pelayanan", ColumnKind.TEXT),
)
ELEMENT_COLUMNS = (
    Column("group", "Kelompok", ColumnKind.TEXT),
    Column("element", "Unsur", ColumnKind.TEXT),
    Column("respondents", "Responden"),
    Column("total", "Jumlah nilai"),
    Column("nrr", "NRR", ColumnKind.SCORE),
    Column("nrr_weighted", "NRR tertimbang", ColumnKind.WEIGHTED),
)


def calls(request: Request) -> list[tuple[str, str, dict[str, Any]]]:
    """One call: the server groups per office, per service and overall itself."""
    params = {
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "office": request.office,
        "service": request.service,
    }
    return [("ikm", "ikm", params)]


def element_label(code: str, name: str | None = None) -> str:
    return f"{code} {name or ELEMENT_NAMES.get(code, '')}".strip()


def _groups(
    answer: Mapping[str, Any], service_names: Mapping[str, str]
) -> list[tuple[str, str, RowKeys, Mapping[str, Any]]]:
    """(kind of group, its name, keys, the server's group): offices, then services."""
    out: list[tuple[str, str, RowKeys, Mapping[str, Any]]] = []
    for group in answer.get("by_office") or []:
        code = str(group.get("office_code") or "")
        name = str(group.get("office_name") or code)
        out.append(("Kantor", name, RowKeys(office_code=code), group))
    for group in answer.get("by_service") or []:
        code = str(group.get("service_code") or "")
        out.append(("Layanan", service_names.get(code, code), RowKeys(service_code=code), group))
    return out


def _index_cells(group: Mapping[str, Any]) -> tuple[Cell, Cell, Cell]:
    """Respondents, IKM, "B (Baik)"; None (tidak ada data) where nobody answered."""
    if group.get("no_data") or group.get("ikm") is None:
        return (None, None, None)
    return (
        int(group["respondents"]),
        float(group["ikm"]),
        f"{group.get('band') or ''} ({group.get('band_label') or ''})",
    )


def _element_rows(label: str, keys: RowKeys, group: Mapping[str, Any]) -> list[Row]:
    elements = group.get("elements")
    if group.get("no_data") or not elements:
        return []
    return [
        Row(
            (
                label,
                element_label(str(e["code"]), e.get("name")),
                int(e["respondents"]),
                int(e["total"]),
                float(e["nrr"]),
                float(e["nrr_weighted"]),
            ),
            keys,
        )
        for e in elements
    ]


def headline(overall: Mapping[str, Any]) -> str:
    """ "IKM keseluruhan: 85,00 — mutu B (Baik), 5 responden" or "IKM: Tidak ada data"."""
    respondents, value, band = _index_cells(overall)
    if value is None:
        return f"IKM keseluruhan: {NO_DATA}"
    return (
        f"IKM keseluruhan: {format_cell(value, ColumnKind.SCORE)} — mutu {band}, "
        f"{format_cell(respondents, ColumnKind.COUNT)} responden"
    )


def shape(
    request: Request,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    scope_label: str,
    service_names: Mapping[str, str],
    now: datetime,
) -> Report:
    answer = answers["ikm"]
    overall = answer.get("overall") or {"no_data": True}
    groups = _groups(answer, service_names)

    index = Table("ikm", "Indeks Kepuasan Masyarakat per kantor dan layanan", GROUP_COLUMNS)
    for kind, name, keys, group in groups:
        index.rows.append(Row((kind, name, *_index_cells(group)), keys))
    if index.rows:
        index.rows.append(Row((OVERALL, scope_label, *_index_cells(overall)), total=True))
    index.note = (
        "IKM = jumlah NRR tertimbang (NRR × 1/9) × 25; mutu A Sangat Baik 88,31–100,00, "
        "B Baik 76,61–88,30, C Kurang Baik 65,00–76,60, D Tidak Baik 25,00–64,99"
    )

    nrr = Table("nrr", "Nilai rata-rata per unsur (NRR)", ELEMENT_COLUMNS)
    nrr.rows.extend(_element_rows(OVERALL, RowKeys(), overall))
    for kind, name, keys, group in groups:
        nrr.rows.extend(_element_rows(f"{kind} {name}", keys, group))

    elements = overall.get("elements") if not overall.get("no_data") else None
    chart = Chart(
        "nrr",
        "NRR per unsur (keseluruhan, skala 1–4)",
        "bars",
        tuple(element_label(c) for c in ikm.CODES),
        (
            (
                "NRR",
                tuple(float(e["nrr"]) for e in elements) if elements else (None,) * len(ikm.CODES),
            ),
        ),
        "NRR",
    )
    service = request.service or ""
    filters = f"Layanan: {service_names.get(service, service)}" if service else "Semua layanan"
    return Report(
        request=request,
        title=TITLES[ReportKind.IKM],
        scope_label=scope_label,
        filters_label=filters,
        generated_at=now,
        tables=[index, nrr],
        charts=[chart],
        totals=None,
        notes=(f"Jumlah sampel: {ikm.SAMPLE_NOTE}",),
        headline=headline(overall),
    )
