"""Disdukcapil outputs from SIAK (issue 13): the KK, akta or KIA PDF printed by the national
system is imported into the application, checked, signed by the official here and queued
for the server exactly as a kelurahan letter is (`issuing.keep_and_queue`), then delivered.

Loket does not number these documents: SIAK does (the akta number is printed in the file);
the officer may type it so that the verification page shows it. The verification code is
Loket's own and its QR is on the visible signature stamp, so a SIAK document is verified at
``/verify/<code>`` like any letter.

`read_siak_pdf` is the import check, run before anything is kept:

- not a PDF (whatever the file name says), empty, over `MAX_SIAK_BYTES`, without pages;
- encrypted, with a user password or only an owner password: pyHanko cannot sign it without
  the password and the citizen's copy must open anywhere — SIAK exports it without one;
- active content (JavaScript, launch actions, embedded files): never from SIAK, refused;
- broken beyond what a reader repairs; a file that needs repair but is unsigned is rewritten
  by qpdf (pikepdf) before signing, a signed one is refused (a rewrite would break the
  signature that makes it worth anything);
- its existing signatures are verified on open (`verify_pdf`): the result is shown, and a
  document changed after an earlier signature is refused.

The stamp (62 x 28 mm, the letters' signature box) goes where the last page is blank
(`find_blank_place`, from a low-resolution rendering, never over text, seals or lines); on a
full or rotated page a "lembar pengesahan" page of the same size is appended for it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pikepdf
from cryptography import x509
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desktop.domain.catalogue import Catalogue, Service
from desktop.domain.records import ApplicationDetail
from desktop.domain.verification import new_code, verify_url
from desktop.domain.workflow import State
from desktop.models.store import Store
from desktop.services.api.errors import LoketError
from desktop.services.documents.letter import Official
from desktop.services.documents.pdf_parts import FONT, FONT_BOLD, register_fonts
from desktop.services.issuing import IssuingError, KeptIssue, keep_and_queue
from desktop.services.operations import user_message
from desktop.services.rendering import RenderError, render_pages
from desktop.services.signing import (
    Rect,
    SignatureCheck,
    SignatureStatus,
    Signer,
    SigningError,
    SignRequest,
    StampPlacement,
    verify_pdf,
)

log = logging.getLogger(__name__)

MAX_SIAK_BYTES: Final = 25 * 1024 * 1024
"""A KK with its appendix is a few hundred KB; 25 MB covers scanned-in copies."""
MAX_SIAK_PAGES: Final = 50
STAMP_SIZE: Final = (62 * mm, 28 * mm)
"""The letters' signature box: the same stamp everywhere."""
MARGIN: Final = 10 * mm
"""Kept clear around the stamp and from the page's edges."""
WHITE: Final = 245
"""A rendered pixel at least this light (of 255) counts as blank paper."""
SCAN_SCALE: Final = 0.5
"""Pixels per point for the blank-space search (36 dpi): one pixel is 0.7 mm."""
_ACTIVE_KEYS: Final = ("/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/OpenAction")


class SiakPdfError(LoketError):
    """The imported file cannot be signed as it is; the message (Indonesian) says why."""


@dataclass(frozen=True)
class ImportedOutput:
    """A checked SIAK PDF, ready to be signed."""

    data: bytes
    """The bytes to sign: the file as read, or qpdf's repair of an unsigned broken one."""
    file_name: str
    sha256: str
    """Of the file as imported (before any repair)."""
    pages: int
    signature: SignatureCheck
    """Its signatures when opened (NOT_SIGNED for a plain SIAK print)."""
    repaired: bool = False

    @property
    def signature_note(self) -> str:
        """What to show about its existing signatures ('' when it has none)."""
        if self.signature.status is SignatureStatus.NOT_SIGNED:
            return ""
        who = f" ({self.signature.signer_name})" if self.signature.signer_name else ""
        return f"Tanda tangan yang sudah ada{who}: {self.signature.message}"


@dataclass(frozen=True)
class OutputFile:
    """One output to sign: the checked file, which output it is, SIAK's number (optional)."""

    imported: ImportedOutput
    document_type: str
    document_number: str | None = None

    @property
    def number(self) -> str | None:
        return (self.document_number or "").strip() or None


@dataclass(frozen=True)
class _Signed:
    pdf: bytes
    code: str
    url: str
    place: StampPlacement
    page_added: bool


@dataclass(frozen=True)
class IssuedOutput:
    """A signed SIAK output kept on this PC and queued for the server."""

    app_id: str
    document_type: str
    document_number: str | None
    code: str
    verify_url: str
    sha256: str
    kept: KeptIssue
    stamp: StampPlacement
    page_added: bool


def read_siak_pdf(
    data: bytes, file_name: str, trust_roots: Sequence[x509.Certificate] = ()
) -> ImportedOutput:
    """The import check (module docstring); `SiakPdfError` with the reason otherwise."""
    name = file_name or "dokumen.pdf"
    if not data:
        raise SiakPdfError(f"Berkas {name} kosong.")
    if len(data) > MAX_SIAK_BYTES:
        raise SiakPdfError(
            f"Berkas {name} berukuran {len(data) / 1024 / 1024:.1f} MB, melebihi batas "
            f"{MAX_SIAK_BYTES // 1024 // 1024} MB."
        )
    if b"%PDF-" not in data[:1024]:
        raise SiakPdfError(f"Berkas {name} bukan PDF. Ekspor dokumen dari SIAK sebagai PDF.")
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            encrypted = pdf.is_encrypted
            pages = len(pdf.pages)
            active = _active_content(pdf)
    except pikepdf.PasswordError as exc:
        raise SiakPdfError(
            f"PDF {name} dikunci dengan kata sandi. Ekspor ulang dari SIAK tanpa kata sandi."
        ) from exc
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        log.info("SIAK PDF unreadable: %s", type(exc).__name__)
        raise SiakPdfError(f"PDF {name} rusak dan tidak dapat dibaca.") from exc
    if encrypted:
        raise SiakPdfError(
            f"PDF {name} dienkripsi (dibatasi sandi pemilik) sehingga tidak dapat "
            "ditandatangani. Ekspor ulang dari SIAK tanpa perlindungan."
        )
    if pages < 1:
        raise SiakPdfError(f"PDF {name} tidak berisi halaman.")
    if pages > MAX_SIAK_PAGES:
        raise SiakPdfError(f"PDF {name} berisi {pages} halaman; batasnya {MAX_SIAK_PAGES}.")
    if active:
        raise SiakPdfError(
            f"PDF {name} berisi {active}, yang tidak pernah ada pada dokumen SIAK; berkas "
            "ini tidak ditandatangani."
        )
    check = verify_pdf(data, trust_roots)
    if check.status is SignatureStatus.CHANGED:
        raise SiakPdfError(
            f"PDF {name} sudah bertanda tangan elektronik, tetapi telah diubah setelah "
            "ditandatangani. Jangan terbitkan; cetak ulang dari SIAK."
        )
    body, repaired = data, False
    if not _pyhanko_reads(data):
        body, repaired = _repaired(data, name), True
        # A signed file cannot be rewritten without breaking what its signature covers.
        check = verify_pdf(body, trust_roots)
        if check.status is not SignatureStatus.NOT_SIGNED:
            raise SiakPdfError(
                f"PDF {name} bertanda tangan tetapi strukturnya rusak; cetak ulang dari SIAK."
            )
    return ImportedOutput(
        data=body,
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        signature=check,
        repaired=repaired,
    )


def _active_content(pdf: pikepdf.Pdf) -> str:
    """Names what active content the file has ('' for none)."""
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            return "skrip (JavaScript)"
        if "/EmbeddedFiles" in names:
            return "berkas sisipan"
    if "/OpenAction" in root and _is_script(root.OpenAction):
        return "skrip (JavaScript)"
    if "/AA" in root:
        return "aksi otomatis"
    for page in pdf.pages:
        if "/AA" in page.obj:
            return "aksi otomatis"
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if isinstance(annot, pikepdf.Dictionary) and _is_script(annot.get("/A")):
                return "skrip atau perintah peluncur"
    return ""


def _is_script(action: object) -> bool:
    if not isinstance(action, pikepdf.Dictionary):
        return False
    kind = str(action.get("/S", ""))
    return kind in ("/JavaScript", "/Launch") or "/JS" in action


def _pyhanko_reads(data: bytes) -> bool:
    """Whether pyHanko can append a signature to the file as it is."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        _ = writer.root["/Pages"]
        return True
    except Exception as exc:  # pyHanko raises many kinds on a mangled file
        log.info("SIAK PDF needs repair: %s", type(exc).__name__)
        return False


def _repaired(data: bytes, name: str) -> bytes:
    out = io.BytesIO()
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pdf.save(out)
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise SiakPdfError(f"PDF {name} rusak dan tidak dapat diperbaiki.") from exc
    fixed = out.getvalue()
    if not _pyhanko_reads(fixed):
        raise SiakPdfError(f"PDF {name} rusak dan tidak dapat ditandatangani.")
    return fixed


# -- where the stamp goes ----------------------------------------------------------------------


def find_blank_place(pdf: bytes, size: tuple[float, float] = STAMP_SIZE) -> StampPlacement | None:
    """A blank spot for the stamp on the last page, lowest and rightmost first (where a
    signature goes on an Indonesian document), `MARGIN` clear of everything; None when the
    page has no such spot or is rotated (its rendering is not in the signature's axes)."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            index = len(doc.pages) - 1
            page = doc.pages[index]
            if int(page.obj.get("/Rotate", 0)) % 360:
                return None
            box = [float(v) for v in (page.obj.get("/CropBox") or page.mediabox)]
        image = render_pages(pdf, scale=SCAN_SCALE, pages=[index])[0]
    except (pikepdf.PdfError, RenderError, ValueError, TypeError) as exc:
        log.info("no blank place found: %s", type(exc).__name__)
        return None
    left, bottom = min(box[0], box[2]), min(box[1], box[3])
    right, top = max(box[0], box[2]), max(box[1], box[3])
    ink = np.asarray(image.convert("L")) < WHITE
    height_px, width_px = ink.shape
    scale_x, scale_y = width_px / (right - left), height_px / (top - bottom)
    need_w = int(np.ceil((size[0] + 2 * MARGIN) * scale_x))
    need_h = int(np.ceil((size[1] + 2 * MARGIN) * scale_y))
    edge_x, edge_y = int(MARGIN * scale_x), int(MARGIN * scale_y)
    if need_w + 2 * edge_x > width_px or need_h + 2 * edge_y > height_px:
        return None
    # Summed-area table: the ink inside any rectangle in four lookups.
    table = np.zeros((height_px + 1, width_px + 1), dtype=np.int64)
    table[1:, 1:] = ink.cumsum(0).cumsum(1)
    ys = np.arange(edge_y, height_px - edge_y - need_h + 1)
    xs = np.arange(edge_x, width_px - edge_x - need_w + 1)
    y0, x0 = ys[:, None], xs[None, :]
    inside = table[y0 + need_h, x0 + need_w] - table[y0, x0 + need_w] - table[y0 + need_h, x0]
    inside = inside + table[y0, x0]
    free = np.argwhere(inside == 0)
    if free.size == 0:
        return None
    # Only the lower half of the page: a stamp at the top reads as a letterhead.
    free = free[ys[free[:, 0]] + need_h >= height_px // 2]
    if free.size == 0:
        return None
    row, col = max(free.tolist(), key=lambda rc: (rc[0], rc[1]))
    px0 = float(xs[col]) + MARGIN * scale_x
    py_top = float(ys[row]) + MARGIN * scale_y
    x = left + px0 / scale_x
    y_top = top - py_top / scale_y
    return StampPlacement(index, Rect(x, y_top - size[1], x + size[0], y_top))


def with_stamp_page(
    pdf: bytes, heading: str, size: tuple[float, float] = STAMP_SIZE
) -> tuple[bytes, StampPlacement]:
    """`pdf` with a "lembar pengesahan" page appended (the last page's size) holding
    `heading` and the place of the stamp: for a page with no blank spot left."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        last = doc.pages[-1]
        box = [float(v) for v in last.mediabox]
        width, height = abs(box[2] - box[0]), abs(box[3] - box[1])
        if int(last.obj.get("/Rotate", 0)) % 180:
            width, height = height, width
        extra = io.BytesIO()
        register_fonts()  # embedded, like every page Loket makes
        canvas = Canvas(extra, pagesize=(width, height), initialFontName=FONT)
        canvas.setFont(FONT_BOLD, 12)
        canvas.drawString(25 * mm, height - 30 * mm, "LEMBAR PENGESAHAN ELEKTRONIK")
        canvas.setFont(FONT, 10)
        text = canvas.beginText(25 * mm, height - 38 * mm)
        for line in _wrap(heading, 90):
            text.textLine(line)
        canvas.drawText(text)
        canvas.showPage()
        canvas.save()
        with pikepdf.open(io.BytesIO(extra.getvalue())) as page_pdf:
            doc.pages.append(page_pdf.pages[0])
        out = io.BytesIO()
        doc.save(out)
        index = len(doc.pages) - 1
    x, top = 25 * mm, height - 38 * mm - 14 * (len(_wrap(heading, 90)) + 1)
    return out.getvalue(), StampPlacement(index, Rect(x, top - size[1], x + size[0], top))


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


# -- issuing -----------------------------------------------------------------------------------


class SiakOutputService:
    """Signs and queues imported SIAK outputs for one session (Qt-free; call from a worker)."""

    def __init__(
        self,
        store: Store,
        *,
        catalogue: Catalogue,
        user_id: str,
        server_url: str,
        clock: Callable[[], float] = time.time,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.user_id = user_id
        self.server_url = server_url.rstrip("/")
        self.clock = clock
        self.today = today or date.today

    def outputs_of(self, detail: ApplicationDetail) -> Service:
        """The application's service when its outputs come from SIAK (`IssuingError` when
        it issues a kelurahan letter instead, or is unknown)."""
        service = self.catalogue.services.get(detail.service_code)
        if service is None or not service.outputs:
            raise IssuingError(f"Layanan {detail.service_code} tidak memiliki dokumen keluaran.")
        if service.letter_type is not None:
            raise IssuingError(
                f"Layanan {service.name} menghasilkan surat kelurahan yang dibuat oleh Loket, "
                "bukan dokumen dari SIAK."
            )
        return service

    def issue(
        self,
        detail: ApplicationDetail,
        files: Sequence[OutputFile],
        signer: Signer,
        request: SignRequest,
        *,
        official: Official,
    ) -> list[IssuedOutput]:
        """Place the stamps, sign every file, then keep and queue them: the first (the main
        output, whose hash the sign action records) last, with the sign action after all
        the uploads and registrations. Nothing is numbered by Loket, so a refusal takes
        nothing and queues nothing: the imported files are unchanged and can be signed again.
        Raises `IssuingError` with an Indonesian message."""
        if detail.status is not State.VALIDATED:
            now = detail.status.label if detail.status else detail.status_raw
            raise IssuingError(
                "Dokumen hanya ditandatangani untuk permohonan berstatus Tervalidasi; "
                f"permohonan ini berstatus '{now}'."
            )
        service = self.outputs_of(detail)
        names = {o.code: o.name for o in service.outputs}
        if not files:
            raise IssuingError("Impor dulu sedikitnya satu dokumen keluaran dari SIAK.")
        types = [f.document_type for f in files]
        if len(set(types)) != len(types):
            raise IssuingError("Setiap jenis dokumen keluaran hanya diimpor sekali.")
        for file in files:
            if file.document_type not in names:
                raise IssuingError(
                    f"Dokumen '{file.document_type}' bukan keluaran layanan {service.name}."
                )
            number = file.number
            if number is not None and (len(number) > 200 or not number.isprintable()):
                raise IssuingError(
                    "Nomor dokumen terlalu panjang atau berisi karakter tak tercetak."
                )
        if not official.name.strip():
            raise IssuingError("Nama pejabat penanda tangan belum diisi.")
        signed = [self._sign(detail, file, names, signer, request, official) for file in files]
        # The others first: each upload moves the version by one, and once signed the
        # application is no one's to add documents to (the claim ends with the sign action).
        others = [
            self._keep(detail, file, names, result, sign=False)
            for file, result in zip(files[1:], signed[1:], strict=True)
        ]
        after = dataclasses.replace(detail, version=detail.version + len(others))
        return [self._keep(after, files[0], names, signed[0], sign=True), *others]

    def _sign(
        self,
        detail: ApplicationDetail,
        file: OutputFile,
        names: Mapping[str, str],
        signer: Signer,
        request: SignRequest,
        official: Official,
    ) -> _Signed:
        code = new_code()
        url = verify_url(self.server_url, code)
        pdf, place = file.imported.data, find_blank_place(file.imported.data)
        page_added = place is None
        if place is None:
            heading = (
                f"{names[file.document_type]}"
                + (f" nomor {file.number}" if file.number else "")
                + f" untuk permohonan {detail.number or detail.id[:8]} atas nama "
                f"{detail.applicant.name}. Kode verifikasi {code}."
            )
            pdf, place = with_stamp_page(pdf, heading)
        try:
            signed = signer.sign(
                pdf,
                dataclasses.replace(
                    request,
                    verification_url=url,
                    stamp=place,
                    signer_name=request.signer_name or official.name,
                ),
            )
        except (SigningError, ValueError, OSError) as exc:
            raise IssuingError(
                f"{names[file.document_type]} tidak ditandatangani: {user_message(exc)} "
                "Berkas dari SIAK tidak berubah dan belum ada yang dikirim; tandatangani lagi "
                "setelah masalahnya diatasi."
            ) from exc
        return _Signed(signed, code, url, place, page_added)

    def _keep(
        self,
        detail: ApplicationDetail,
        file: OutputFile,
        names: Mapping[str, str],
        result: _Signed,
        *,
        sign: bool,
    ) -> IssuedOutput:
        number = file.number
        kept = keep_and_queue(
            self.store,
            detail,
            result.pdf,
            document_type=file.document_type,
            code=result.code,
            letter_number=number,
            issued_on=self.today(),
            filename=f"{file.document_type} {(number or result.code).replace('/', '-')}.pdf",
            label=f"{names[file.document_type]}" + (f" {number}" if number else ""),
            user_id=self.user_id,
            now=int(self.clock()),
            audit_kind="siak_output_issued",
            audit_details={
                "imported_sha256": file.imported.sha256,
                "page_added": result.page_added,
            },
            sign=sign,
        )
        log.info("SIAK output %s signed for %s", file.document_type, kept.label_no)
        return IssuedOutput(
            app_id=detail.id,
            document_type=file.document_type,
            document_number=number,
            code=result.code,
            verify_url=result.url,
            sha256=kept.sha256,
            kept=kept,
            stamp=result.place,
            page_added=result.page_added,
        )


__all__ = [
    "MAX_SIAK_BYTES",
    "ImportedOutput",
    "IssuedOutput",
    "OutputFile",
    "SiakOutputService",
    "SiakPdfError",
    "find_blank_place",
    "read_siak_pdf",
    "with_stamp_page",
]
