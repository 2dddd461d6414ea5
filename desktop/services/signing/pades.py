"""One PAdES signature with pyHanko: B-B, or B-T when a timestamper is given.

Shared by the local PKCS#12 signer and the BSrE simulator in tests (which signs like BSrE
would, with a test CA), so both produce the same kind of file. Incremental update: the
signed file begins with the input's bytes, and the signature covers the whole file.
"""

from __future__ import annotations

import io
from datetime import datetime

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.stamp import BaseStampStyle, StaticStampStyle

from desktop.services.signing.errors import SigningError, SignProblem
from desktop.services.signing.request import SignRequest, StampPlacement
from desktop.services.signing.stamp import stamp_style

FIELD_PREFIX = "Tandatangan"
RESERVED_BYTES = 16 * 1024
"""Room for the CMS signature, in hex digits (half as many bytes): a chain of 2-3 RSA
certificates makes 3.6 KB of DER with the test CA, 5-7 KB with a national CA chain."""
TIMESTAMP_BYTES = 16 * 1024
"""More room (hex digits) when a TSA token is embedded (its own certificate chain)."""


def open_for_signing(pdf: bytes) -> IncrementalPdfFileWriter:
    """The PDF as pyHanko's incremental writer, or `SigningError(NOT_PDF)`."""
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise SigningError(SignProblem.NOT_PDF, detail="no %PDF- header")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        writer.root  # noqa: B018 - resolves the catalogue: a broken file fails here
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise SigningError(SignProblem.NOT_PDF, detail=f"{type(exc).__name__}: {exc}") from exc
    if writer.prev.encrypted:
        raise SigningError(SignProblem.NOT_PDF, detail="encrypted PDF")
    return writer


def _field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    n = 1
    while f"{FIELD_PREFIX}{n}" in taken:
        n += 1
    return f"{FIELD_PREFIX}{n}"


def check_placement(writer: IncrementalPdfFileWriter, stamp: StampPlacement) -> None:
    pages = int(writer.root["/Pages"]["/Count"])
    if not 0 <= stamp.page < pages:
        raise SigningError(SignProblem.BAD_PLACEMENT, detail=f"page {stamp.page} of {pages}")
    node = writer.prev.find_page_for_modification(stamp.page)[0]  # type: ignore[no-untyped-call]
    page = node.get_object()
    while "/MediaBox" not in page and "/Parent" in page:  # inherited from the page tree
        page = page["/Parent"]
    box = [float(v) for v in page["/MediaBox"]]
    r = stamp.rect
    if r.x0 < box[0] or r.y0 < box[1] or r.x1 > box[2] or r.y1 > box[3]:
        raise SigningError(SignProblem.BAD_PLACEMENT, detail=f"{r} outside {box}")


def sign_pades(
    pdf: bytes,
    signer: signers.Signer,
    request: SignRequest,
    *,
    signer_name: str,
    issuer: str,
    moment: datetime,
    timestamper: TimeStamper | None = None,
    stamp_image: bytes | None = None,
) -> bytes:
    """Sign `pdf`; the visible stamp is pyHanko's text stamp with the QR, or `stamp_image`
    (a PNG, as BSrE draws what the client sends) when given."""
    writer = open_for_signing(pdf)
    name = _field_name(writer)
    style: BaseStampStyle | None = None
    params: dict[str, str] | None = None
    spec = fields.SigFieldSpec(sig_field_name=name)
    if request.stamp is not None:
        check_placement(writer, request.stamp)
        spec = fields.SigFieldSpec(
            sig_field_name=name, on_page=request.stamp.page, box=request.stamp.rect.as_tuple()
        )
        if stamp_image is not None:
            from PIL import Image

            image = PdfImage(Image.open(io.BytesIO(stamp_image)))
            style = StaticStampStyle(
                background=image,
                background_layout=layout.SimpleBoxLayoutRule(
                    x_align=layout.AxisAlignment.ALIGN_MID,
                    y_align=layout.AxisAlignment.ALIGN_MID,
                    inner_content_scaling=layout.InnerScaling.STRETCH_FILL,
                ),
                border_width=0,
            )
        else:
            style, params = stamp_style(
                request.verification_url, request.stamp.rect, signer_name, issuer, moment
            )
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        reason=request.reason or None,
        location=request.location or None,
        name=signer_name or None,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
    )
    # A fixed room for the CMS blob: without it pyHanko makes a whole trial signature first to
    # measure it (half the time of a letter). Too small (a long chain) -> measured after all.
    reserved = RESERVED_BYTES + (TIMESTAMP_BYTES if timestamper is not None else 0)
    try:
        try:
            out = pdf_signer.sign_pdf(
                writer, appearance_text_params=params, bytes_reserved=reserved
            )
        except HankoSigningError as exc:
            if "allocated" not in str(exc):
                raise
            writer = open_for_signing(pdf)
            out = pdf_signer.sign_pdf(writer, appearance_text_params=params)
    except TimestampRequestError as exc:
        raise SigningError(SignProblem.TIMESTAMP_FAILED, detail=str(exc)) from exc
    data: bytes = out.getvalue()
    return data
