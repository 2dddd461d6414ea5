"""A test PKI made at test time with `cryptography`: a root CA, signer certificates (valid,
expired, not yet valid, one under another CA), a TSA certificate, all written as PKCS#12 with a
passphrase. Made once per process (`make_pki()` is cached; keys are the slow part) and shared
by the signing tests, the BSrE simulator and the loopback TSA.

Also here: `nss_db(dir, roots)` for poppler's `pdfsig -nssdir` (certutil, Debian
libnss3-tools) and `serve_tsa(pki)`, an RFC 3161 timestamp server on 127.0.0.1 answering
through pyHanko's `DummyTimeStamper`.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import tsp  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

PASSPHRASE = "rahasia-uji-123"
NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    def p12(self, passphrase: str = PASSPHRASE) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"loket",
            self.key,
            self.cert,
            list(self.chain),
            serialization.BestAvailableEncryption(passphrase.encode()),
        )

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class Pki:
    root: Identity
    other_root: Identity
    valid: Identity  # "Budi Santoso, S.Sos." under root
    expired: Identity
    not_yet_valid: Identity
    other_ca_signer: Identity  # valid dates, under other_root
    tsa: Identity


@functools.cache
def _key(slot: str) -> rsa.RSAPrivateKey:
    del slot  # one key per role, cached
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ca(slot: str, cn: str, org: str) -> Identity:
    key = _key(slot)
    name = _name(cn, org)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=3650))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Identity(key, cert, ())


def _leaf(
    slot: str,
    ca: Identity,
    cn: str,
    start: datetime,
    end: datetime,
    *,
    tsa: bool = False,
) -> Identity:
    key = _key(slot)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, "Pemerintah Kota Pekanbaru (uji)"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not tsa,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return Identity(key, builder.sign(ca.key, hashes.SHA256()), (ca.cert,))


@functools.cache
def make_pki() -> Pki:
    root = _ca("root", "Loket Uji Root CA", "Loket Uji CA")
    other = _ca("other", "CA Lain Uji", "Penerbit Lain")
    day = timedelta(days=1)
    return Pki(
        root=root,
        other_root=other,
        valid=_leaf("valid", root, "Budi Santoso, S.Sos.", NOW - day, NOW + 365 * day),
        expired=_leaf("expired", root, "Sertifikat Kedaluwarsa", NOW - 400 * day, NOW - day),
        not_yet_valid=_leaf("future", root, "Sertifikat Belum Berlaku", NOW + day, NOW + 400 * day),
        other_ca_signer=_leaf("stranger", other, "Penanda Tangan Lain", NOW - day, NOW + 365 * day),
        tsa=_leaf("tsa", root, "Loket Uji TSA", NOW - day, NOW + 365 * day, tsa=True),
    )


def nss_db(directory: Path, roots: list[x509.Certificate]) -> Path:
    """An NSS certificate database trusting `roots`, for `pdfsig -nssdir <dir>`."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"],
        check=True,
        capture_output=True,
    )
    for index, cert in enumerate(roots):
        pem = directory / f"root{index}.pem"
        pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        subprocess.run(
            [
                "certutil",
                "-A",
                "-d",
                f"sql:{directory}",
                "-n",
                f"loket-uji-{index}",
                "-t",
                "CT,C,C",
                "-a",
                "-i",
                str(pem),
            ],
            check=True,
            capture_output=True,
        )
    return directory


def dummy_timestamper(pki: Pki) -> DummyTimeStamper:
    return DummyTimeStamper(
        tsa_cert=translate_pyca_cryptography_cert_to_asn1(pki.tsa.cert),
        tsa_key=translate_pyca_cryptography_key_to_asn1(pki.tsa.key),
        certs_to_embed=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [translate_pyca_cryptography_cert_to_asn1(pki.root.cert)]
        ),
    )


@contextmanager
def serve_tsa(pki: Pki) -> Iterator[str]:
    """An RFC 3161 TSA on 127.0.0.1 (a thread); yields its URL."""
    stamper = dummy_timestamper(pki)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
