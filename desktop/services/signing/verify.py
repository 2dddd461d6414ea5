"""What the desktop says about a signed PDF it opens: valid, unknown signer, changed, unsigned.

pyHanko checks each embedded signature: the digest over its byte range (intact), the
cryptographic signature (valid), the chain to one of `trust_roots` (trusted), and what was
appended after it (coverage and pyHanko's difference analysis: a later signature or validation
data is fine, changed page content is not). The result is the worst over all signatures; the
signer shown is the last one's (usually the official who issued the document). No network:
certificates are not fetched, revocation is not checked (offline counters).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography import x509
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

log = logging.getLogger(__name__)


class SignatureStatus(StrEnum):
    VALID = "valid"
    UNKNOWN_SIGNER = "unknown_signer"  # intact, but not under a trusted root
    CHANGED = "changed"  # altered after signing (digest, signature or appended edits)
    NOT_SIGNED = "not_signed"
    BROKEN = "broken"  # not a readable PDF, or a signature that cannot be read


_MESSAGES = {
    SignatureStatus.VALID: (
        "Tanda tangan elektronik sah dan dokumen tidak berubah sejak ditandatangani."
    ),
    SignatureStatus.UNKNOWN_SIGNER: (
        "Dokumen tidak berubah sejak ditandatangani, tetapi penanda tangannya tidak dikenal "
        "(sertifikatnya tidak diterbitkan oleh penerbit yang dipercaya)."
    ),
    SignatureStatus.CHANGED: (
        "Dokumen telah diubah setelah ditandatangani. Tanda tangan elektroniknya tidak sah."
    ),
    SignatureStatus.NOT_SIGNED: "Dokumen ini tidak memiliki tanda tangan elektronik.",
    SignatureStatus.BROKEN: (
        "Berkas PDF atau tanda tangan elektroniknya rusak dan tidak dapat diperiksa."
    ),
}

_RANK = [
    SignatureStatus.VALID,
    SignatureStatus.UNKNOWN_SIGNER,
    SignatureStatus.CHANGED,
    SignatureStatus.BROKEN,
]


@dataclass(frozen=True)
class SignatureCheck:
    status: SignatureStatus
    signer_name: str = ""
    signing_time: datetime | None = None
    signatures: int = 0
    covers_whole_file: bool = False  # the last signature covers every byte of the file
    detail: str = ""  # pyHanko's words, for the log

    @property
    def message(self) -> str:
        """The Indonesian sentence to show."""
        return _MESSAGES[self.status]

    @property
    def ok(self) -> bool:
        return self.status is SignatureStatus.VALID


def _status_of(status: PdfSignatureStatus) -> SignatureStatus:
    if not status.intact or not status.valid:
        return SignatureStatus.CHANGED
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return SignatureStatus.CHANGED
    if status.docmdp_ok is False or status.modification_level == ModificationLevel.OTHER:
        return SignatureStatus.CHANGED
    if not status.trusted:
        return SignatureStatus.UNKNOWN_SIGNER
    return SignatureStatus.VALID


def _signer_name(status: PdfSignatureStatus) -> str:
    subject: Any = status.signing_cert.subject.native
    return str(subject.get("common_name") or subject.get("organization_name") or "")


def verify_pdf(
    pdf: bytes,
    trust_roots: Sequence[x509.Certificate],
    *,
    when: datetime | None = None,
) -> SignatureCheck:
    """Check every signature of `pdf` against `trust_roots` (at `when`, default now)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        return SignatureCheck(SignatureStatus.BROKEN, detail=f"{type(exc).__name__}: {exc}")
    if not signatures:
        return SignatureCheck(SignatureStatus.NOT_SIGNED)
    roots = [translate_pyca_cryptography_cert_to_asn1(cert) for cert in trust_roots]
    worst = SignatureStatus.VALID
    details: list[str] = []
    last: PdfSignatureStatus | None = None
    for embedded in signatures:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, moment=when, best_signature_time=when
        )
        try:
            result = validate_pdf_signature(embedded, context)
        except Exception as exc:  # pyHanko raises many kinds on a mangled CMS blob
            log.info("signature %s unreadable: %s", embedded.field_name, exc)
            return SignatureCheck(
                SignatureStatus.BROKEN, signatures=len(signatures), detail=str(exc)
            )
        found = _status_of(result)
        details.append(f"{embedded.field_name}: {found.value} ({result.summary()})")
        if _RANK.index(found) > _RANK.index(worst):
            worst = found
        last = result
    assert last is not None
    moment = (
        last.timestamp_validity.timestamp
        if last.timestamp_validity is not None
        else last.signer_reported_dt
    )
    return SignatureCheck(
        worst,
        signer_name=_signer_name(last),
        signing_time=moment,
        signatures=len(signatures),
        covers_whole_file=last.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        detail="; ".join(details),
    )
