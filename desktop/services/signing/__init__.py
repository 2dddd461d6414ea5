"""Electronic signatures (PAdES) on output documents: one `Signer` interface, two signers.

- `Pkcs12Signer`: a local .p12/.pfx certificate; the passphrase comes with each call.
- `BsreSigner`: the BSrE esign client (API v1 multipart or v2 JSON) over HTTPS.
- `verify_pdf`: what the desktop shows when it opens a signed PDF.

Qt-free on purpose: the GUI runs these on a worker through `Op`, the outbox at sync.
"""

from __future__ import annotations

from desktop.services.signing.bsre import BsreApi, BsreConfig, BsreSigner, BsreUserStatus
from desktop.services.signing.errors import SigningError, SignProblem
from desktop.services.signing.pkcs12 import Pkcs12Signer
from desktop.services.signing.request import Rect, Signer, SignRequest, StampPlacement
from desktop.services.signing.verify import SignatureCheck, SignatureStatus, verify_pdf

__all__ = [
    "BsreApi",
    "BsreConfig",
    "BsreSigner",
    "BsreUserStatus",
    "Pkcs12Signer",
    "Rect",
    "SignProblem",
    "SignRequest",
    "SignatureCheck",
    "SignatureStatus",
    "Signer",
    "SigningError",
    "StampPlacement",
    "verify_pdf",
]
