"""The BSrE esign client (Balai Sertifikasi Elektronik, BSSN) over HTTP(S).

Two API versions, as deployed by agencies:

- v1 `POST /api/sign/pdf`, multipart: `file`, `nik`, `passphrase`, `tampilan`
  (visible/invisible), `image` ("true" when `imageTTD` carries the appearance), `linkQR`,
  `page` (from 1), `xAxis`/`yAxis` (lower-left corner, PDF points), `width`/`height`,
  `reason`, `location`. Answers the signed PDF itself, or JSON `{"error", "status_code"}`.
- v2 `POST /api/v2/sign/pdf`, JSON: `nik`, `passphrase` or `totp`, `signatureProperties`
  (`tampilan` VISIBLE/INVISIBLE, `imageBase64`, `page`, `originX`/`originY`, `width`,
  `height`, `reason`, `location`) and `file` (base64 strings); answers `{"file": [base64]}`.
- `GET /api/user/status/{nik}` (is the official's certificate issued and active) and
  `POST /api/sign/verify` (multipart `signed_file`).

The client application's own credentials go as HTTP Basic auth. TLS verification is always
on (an agency CA bundle may be configured). What BSrE returns is checked before it is
accepted: a PDF whose last signature is intact and covers the whole file; anything else is
refused and the document stays unsigned. BSrE's error answers are read by their words
(agencies' deployments differ in codes) and turned into one Indonesian sentence each.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import requests

from desktop.domain.identity import mask_niks_in_text
from desktop.services.signing.errors import SigningError, SignProblem
from desktop.services.signing.pades import check_placement, open_for_signing
from desktop.services.signing.request import SignRequest
from desktop.services.signing.stamp import stamp_png
from desktop.services.signing.verify import SignatureStatus, verify_pdf

log = logging.getLogger(__name__)

ISSUER = "Balai Sertifikasi Elektronik (BSrE), BSSN"


class BsreApi(StrEnum):
    V1 = "v1"
    V2 = "v2"


class BsreUserStatus(StrEnum):
    ACTIVE = "ISSUE"  # BSrE's word for an issued, usable certificate
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    NOT_REGISTERED = "NOT_REGISTERED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class BsreConfig:
    base_url: str
    api: BsreApi = BsreApi.V1
    auth: tuple[str, str] | None = None  # the client application's Basic credentials
    timeout: float = 60.0
    ca_bundle: str | None = None  # an agency CA; None = the system's trust store


@dataclass(frozen=True)
class BsreVerification:
    valid: bool
    summary: str
    signatures: int


_NOT_REGISTERED = ("tidak terdaftar", "belum terdaftar", "not registered", "not found")
_PASSPHRASE = ("passphrase", "totp", "kata sandi")
_CERT_INACTIVE = ("tidak aktif", "kadaluarsa", "kedaluwarsa", "expired", "revoke", "dicabut")


def classify(status: int, body: str) -> SignProblem:
    """One of our problems for a BSrE error answer (HTTP status and its text)."""
    words = body.lower()
    if status >= 500:
        return SignProblem.SERVICE_ERROR
    if any(w in words for w in _NOT_REGISTERED):
        return SignProblem.USER_NOT_REGISTERED
    if ("sertifikat" in words or "certificate" in words) and any(
        w in words for w in _CERT_INACTIVE
    ):
        return SignProblem.CERT_INACTIVE
    if any(w in words for w in _PASSPHRASE):
        return SignProblem.WRONG_PASSPHRASE
    return SignProblem.SERVICE_ERROR


class BsreSigner:
    """`Signer` through a BSrE esign client. One `requests.Session` per signer."""

    def __init__(self, config: BsreConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self._session = session or requests.Session()
        self._session.verify = config.ca_bundle or True
        if config.auth is not None:
            self._session.auth = config.auth

    def _url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + path

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session.request(
                method, self._url(path), timeout=self.config.timeout, **kwargs
            )
        except requests.Timeout as exc:
            raise SigningError(SignProblem.TIMEOUT, detail=type(exc).__name__) from exc
        except requests.RequestException as exc:
            raise SigningError(SignProblem.UNREACHABLE, detail=type(exc).__name__) from exc
        if response.status_code >= 400:
            problem = classify(response.status_code, response.text[:2000])
            log.warning(
                "BSrE %s %s answered %s: %s",
                method,
                mask_niks_in_text(path),
                response.status_code,
                mask_niks_in_text(response.text[:300]),
            )
            raise SigningError(problem, detail=f"HTTP {response.status_code}")
        return response

    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        writer = open_for_signing(pdf)
        if request.stamp is not None:
            check_placement(writer, request.stamp)
        moment = request.signing_time or datetime.now().astimezone()
        image = (
            stamp_png(
                request.verification_url,
                request.stamp.rect,
                request.signer_name,
                ISSUER,
                moment,
            )
            if request.stamp is not None
            else None
        )
        log.info(
            "BSrE %s signing for NIK %s", self.config.api.value, mask_niks_in_text(request.nik)
        )
        if self.config.api is BsreApi.V1:
            signed = self._sign_v1(pdf, request, image)
        else:
            signed = self._sign_v2(pdf, request, image)
        return self._accept(signed)

    def _sign_v1(self, pdf: bytes, request: SignRequest, image: bytes | None) -> bytes:
        data: dict[str, str] = {
            "nik": request.nik,
            "passphrase": request.passphrase,
            "tampilan": "visible" if request.stamp is not None else "invisible",
            "reason": request.reason,
            "location": request.location,
        }
        files: dict[str, tuple[str, bytes, str]] = {"file": ("dokumen.pdf", pdf, "application/pdf")}
        if request.stamp is not None and image is not None:
            rect = request.stamp.rect
            data |= {
                "image": "true",
                "linkQR": request.verification_url,
                "page": str(request.stamp.page + 1),
                "xAxis": f"{rect.x0:g}",
                "yAxis": f"{rect.y0:g}",
                "width": f"{rect.width:g}",
                "height": f"{rect.height:g}",
            }
            files["imageTTD"] = ("ttd.png", image, "image/png")
        response = self._call("POST", "/api/sign/pdf", data=data, files=files)
        return response.content

    def _sign_v2(self, pdf: bytes, request: SignRequest, image: bytes | None) -> bytes:
        props: dict[str, Any] = {
            "tampilan": "VISIBLE" if request.stamp is not None else "INVISIBLE",
            "reason": request.reason,
            "location": request.location,
        }
        if request.stamp is not None and image is not None:
            rect = request.stamp.rect
            props |= {
                "imageBase64": base64.b64encode(image).decode("ascii"),
                "page": request.stamp.page + 1,
                "originX": rect.x0,
                "originY": rect.y0,
                "width": rect.width,
                "height": rect.height,
            }
        body: dict[str, Any] = {
            "nik": request.nik,
            "signatureProperties": [props],
            "file": [base64.b64encode(pdf).decode("ascii")],
        }
        if request.totp:
            body["totp"] = request.totp
        else:
            body["passphrase"] = request.passphrase
        response = self._call("POST", "/api/v2/sign/pdf", json=body)
        try:
            answer = response.json()
            files = answer["file"]
            encoded = files[0] if isinstance(files, list) else files
            return base64.b64decode(encoded, validate=True)
        except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as exc:
            raise SigningError(SignProblem.BAD_SIGNED_FILE, detail=type(exc).__name__) from exc

    @staticmethod
    def _accept(signed: bytes) -> bytes:
        """BSrE's answer is used only when it is a PDF whose signatures are intact and the
        last one covers the whole file (BSrE's root need not be in our trust list here)."""
        if not signed.startswith(b"%PDF-"):
            raise SigningError(SignProblem.BAD_SIGNED_FILE, detail="no %PDF- header")
        check = verify_pdf(signed, [])
        if check.status not in (SignatureStatus.VALID, SignatureStatus.UNKNOWN_SIGNER) or not (
            check.covers_whole_file
        ):
            raise SigningError(
                SignProblem.BAD_SIGNED_FILE, detail=f"{check.status.value}: {check.detail}"
            )
        return signed

    def user_status(self, nik: str) -> BsreUserStatus:
        """Whether the official's certificate is issued and active (asked before signing)."""
        try:
            response = self._call("GET", f"/api/user/status/{nik}")
        except SigningError as exc:
            if exc.problem is SignProblem.USER_NOT_REGISTERED:
                return BsreUserStatus.NOT_REGISTERED
            raise
        try:
            word = str(response.json().get("status", "")).upper()
        except (ValueError, AttributeError):
            return BsreUserStatus.UNKNOWN
        try:
            return BsreUserStatus(word)
        except ValueError:
            return BsreUserStatus.UNKNOWN

    def verify(self, pdf: bytes) -> BsreVerification:
        """BSrE's own opinion of a signed PDF (`POST /api/sign/verify`)."""
        response = self._call(
            "POST",
            "/api/sign/verify",
            files={"signed_file": ("dokumen.pdf", pdf, "application/pdf")},
        )
        try:
            answer = response.json()
            summary = str(answer.get("summary", ""))
            count = int(answer.get("jumlah_signature", 0))
        except (ValueError, AttributeError, TypeError) as exc:
            raise SigningError(SignProblem.SERVICE_ERROR, detail="verify: not JSON") from exc
        return BsreVerification(valid=summary.upper() == "VALID", summary=summary, signatures=count)
