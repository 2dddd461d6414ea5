"""Signing with a local PKCS#12 (.p12/.pfx) certificate.

The passphrase is an argument of each call (the GUI asks for it every time) and is never kept
on the object, written or logged. The certificate's dates are checked against the clock before
signing: pyHanko would sign with an expired certificate, and the official would only learn it
when a reader's validation fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

from desktop.services.signing.errors import SigningError, SignProblem
from desktop.services.signing.pades import sign_pades
from desktop.services.signing.request import SignRequest

log = logging.getLogger(__name__)

TSA_TIMEOUT = 10.0


def _name_of(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = name.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return name.rfc4514_string()


def issuer_label(cert: x509.Certificate) -> str:
    """Who issued the certificate, for the stamp's statement (organisation first)."""
    orgs = cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(orgs[0].value) if orgs else _name_of(cert.issuer)


class Pkcs12Signer:
    """`Signer` over a .p12/.pfx file (read at each call: a renewed certificate is picked up)."""

    def __init__(
        self, path: Path, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.path = path
        self._clock = clock

    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise SigningError(SignProblem.NOT_PKCS12, detail=f"{type(exc).__name__}") from exc
        cert = self._certificate(data, request.passphrase)
        now = self._clock()
        if now < cert.not_valid_before_utc:
            raise SigningError(
                SignProblem.CERT_NOT_YET_VALID, detail=f"from {cert.not_valid_before_utc}"
            )
        if now > cert.not_valid_after_utc:
            raise SigningError(SignProblem.CERT_EXPIRED, detail=f"until {cert.not_valid_after_utc}")
        signer = signers.SimpleSigner.load_pkcs12_data(data, [], passphrase=_secret(request))
        timestamper = (
            RequestsHTTPTimeStamper(request.tsa_url, timeout=TSA_TIMEOUT)  # type: ignore[no-untyped-call]
            if request.tsa_url
            else None
        )
        name = request.signer_name or _name_of(cert.subject)
        log.info("signing with PKCS#12 certificate serial %x", cert.serial_number)
        return sign_pades(
            pdf,
            signer,
            request,
            signer_name=name,
            issuer=issuer_label(cert),
            moment=request.signing_time or now.astimezone(),
            timestamper=timestamper,
        )

    @staticmethod
    def _certificate(data: bytes, passphrase: str) -> x509.Certificate:
        """The signing certificate; tells a file that is no PKCS#12 at all (no PFX header)
        from a wrong passphrase (a PFX that does not decrypt): cryptography raises the same
        ValueError for both."""
        if not _looks_like_pfx(data):
            raise SigningError(SignProblem.NOT_PKCS12, detail="no PFX header")
        try:
            key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase.encode())
        except ValueError as exc:
            raise SigningError(SignProblem.WRONG_PASSPHRASE) from exc
        if key is None or cert is None:
            raise SigningError(SignProblem.NOT_PKCS12, detail="no key or certificate")
        return cert


def _looks_like_pfx(data: bytes) -> bool:
    """DER `PFX ::= SEQUENCE { version INTEGER (3), ... }`: 30 <len> 02 01 03."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    first = data[1]
    offset = 2 if first < 0x80 else 2 + (first & 0x7F)
    return data[offset : offset + 3] == b"\x02\x01\x03"


def _secret(request: SignRequest) -> bytes:
    return request.passphrase.encode()
