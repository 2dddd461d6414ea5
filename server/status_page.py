"""The public status pages as HTML: small, readable on a phone, Indonesian, self-contained.

No script, no external style sheet, font or image (the page must load on a weak mobile line
and the Content-Security-Policy of `routes/status.py` forbids fetching anything); every value
shown is escaped.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from starlette.responses import Response

from desktop.domain.formatting import format_date
from server.config import STATUS_PATH

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f3f5f7;color:#1d2329;font-size:17px;line-height:1.45}
main{max-width:30rem;margin:0 auto;padding:1rem}
h1{font-size:1.25rem;margin:.5rem 0 1rem}
.card{background:#fff;border-radius:.6rem;padding:1rem 1.1rem;box-shadow:0 1px 3px #0002}
dl{margin:0}dt{font-size:.85rem;color:#5a6570;margin-top:.7rem}dd{margin:0;font-weight:600}
.status{display:inline-block;padding:.15rem .6rem;border-radius:1rem;background:#e3efff;
color:#0b4a9c}
.done{background:#e2f5e6;color:#17612a}.stop{background:#fde8e8;color:#8f1d1d}
.note{font-size:.85rem;color:#5a6570;margin-top:1rem}
.err{background:#fde8e8;color:#8f1d1d;padding:.7rem;border-radius:.4rem;margin-bottom:1rem}
label{display:block;margin-top:.8rem;font-weight:600}
input{width:100%;box-sizing:border-box;font-size:1.05rem;padding:.55rem;margin-top:.25rem;
border:1px solid #9aa5b1;border-radius:.35rem}
button{margin-top:1rem;width:100%;font-size:1.05rem;padding:.65rem;border:0;
border-radius:.35rem;background:#0b5cad;color:#fff}
a{color:#0b5cad}
"""

_DONE = {"completed"}
_STOPPED = {"rejected", "cancelled"}
_NEXT = {
    "draft": "Permohonan belum diajukan.",
    "submitted": "Berkas Anda sedang diperiksa petugas.",
    "needs_revision": "Berkas perlu diperbaiki: silakan datang ke loket dengan tanda terima.",
    "verified": "Berkas sudah diperiksa dan sedang menunggu persetujuan.",
    "validated": "Sedang menunggu tanda tangan.",
    "signed": "Dokumen sudah siap: silakan ambil di loket dengan tanda terima.",
    "completed": "Dokumen sudah diserahkan.",
    "rejected": "Permohonan ditolak; keterangan ada di loket.",
    "cancelled": "Permohonan dibatalkan.",
}


def _page(status_code: int, title: str, body: str, headers: dict[str, str]) -> Response:
    html = (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        f"<title>{escape(title)} - Cek Status Permohonan</title>"
        f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )
    return Response(
        html.encode("utf-8"),
        status_code=status_code,
        media_type="text/html; charset=utf-8",
        headers=headers,
    )


def status(info: dict[str, Any], *, headers: dict[str, str]) -> Response:
    """One application's public status (`routes.status._status`)."""
    code = str(info["status"])
    badge = "status done" if code in _DONE else "status stop" if code in _STOPPED else "status"
    expected = info.get("expected_date")
    expected_text = format_date(date.fromisoformat(expected)) if expected else "-"
    number = escape(str(info["number"]))
    if info.get("provisional"):
        number += " <small>(nomor sementara)</small>"
    body = (
        "<h1>Status Permohonan</h1><div class='card'><dl>"
        f"<dt>Nomor</dt><dd>{number}</dd>"
        f"<dt>Layanan</dt><dd>{escape(str(info['service_name']))}</dd>"
        f"<dt>Pemohon</dt><dd>{escape(str(info['applicant']))}</dd>"
        f"<dt>Status</dt><dd><span class='{badge}'>{escape(str(info['status_label']))}</span>"
        "</dd>"
        f"<dt>Perkiraan selesai</dt><dd>{escape(expected_text)}</dd>"
        f"<dt>Kantor</dt><dd>{escape(str(info['office_name']))}</dd></dl>"
        f"<p class='note'>{escape(_NEXT.get(code, ''))}</p></div>"
        "<p class='note'>Perkiraan selesai dihitung dalam hari kerja (tanpa Sabtu, Minggu dan "
        "hari libur nasional). Simpan tanda terima Anda: nomor dan kode QR-nya diperlukan saat "
        f"mengambil dokumen.</p><p class='note'><a href='{STATUS_PATH}'>Cek permohonan lain</a>"
        "</p>"
    )
    return _page(200, "Status", body, headers)


def form(
    status_code: int,
    *,
    number: str = "",
    error: str = "",
    headers: dict[str, str],
) -> Response:
    """The form for a typed look-up; `error` above it when the last one found nothing."""
    problem = f"<p class='err' role='alert'>{escape(error)}</p>" if error else ""
    body = (
        "<h1>Cek Status Permohonan</h1>"
        f"{problem}<form class='card' method='get' action='{STATUS_PATH}'>"
        "<label for='number'>Nomor permohonan</label>"
        f"<input id='number' name='number' required maxlength='60' value='{escape(number)}' "
        "autocomplete='off' placeholder='1471-261124-0042-6 atau SEM-...'>"
        "<label for='check'>Tanggal lahir pemohon (DD-MM-YYYY)</label>"
        "<input id='check' name='check' required maxlength='20' autocomplete='off' "
        "inputmode='numeric' placeholder='17-08-1990'>"
        "<button type='submit'>Cek status</button></form>"
        "<p class='note'>Nomor permohonan tertera pada tanda terima. Pindai kode QR pada tanda "
        "terima untuk langsung membuka status tanpa mengetik.</p>"
    )
    return _page(status_code, "Cek status", body, headers)


def message(status_code: int, title: str, text: str, headers: dict[str, str]) -> Response:
    body = f"<h1>{escape(title)}</h1><div class='card'><p>{escape(text)}</p></div>"
    return _page(status_code, title, body, headers)
