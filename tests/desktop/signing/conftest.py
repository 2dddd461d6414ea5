"""Fixtures of the signing tests: the test PKI (made once per process), its PKCS#12 files,
a small two-page PDF made with reportlab, pdfsig's NSS database trusting the test root, and a
loopback TSA."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.signing_ca import PASSPHRASE, Pki, make_pki, nss_db, serve_tsa


@dataclass(frozen=True)
class P12Files:
    valid: Path
    expired: Path
    not_yet_valid: Path
    other_ca: Path
    not_p12: Path


@pytest.fixture(scope="session")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="session")
def p12_files(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> P12Files:
    folder = tmp_path_factory.mktemp("p12")
    paths = {}
    for name, identity in (
        ("valid", pki.valid),
        ("expired", pki.expired),
        ("not_yet_valid", pki.not_yet_valid),
        ("other_ca", pki.other_ca_signer),
    ):
        paths[name] = folder / f"{name}.p12"
        paths[name].write_bytes(identity.p12(PASSPHRASE))
    paths["not_p12"] = folder / "bukan.p12"
    paths["not_p12"].write_bytes(b"-----BEGIN CERTIFICATE-----\nbukan pkcs12\n")
    return P12Files(**paths)


def make_pdf(pages: int = 2) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=0)
    for number in range(pages):
        pdf.drawString(72, 760, f"Surat Keterangan Domisili - halaman {number + 1}")
        pdf.drawString(72, 740, "Lurah Sukajadi menerangkan bahwa yang bersangkutan berdomisili.")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.fixture(scope="session")
def letter_pdf() -> bytes:
    return make_pdf()


@pytest.fixture(scope="session")
def nssdir(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nss_db(tmp_path_factory.mktemp("nss"), [pki.root.cert])


@pytest.fixture(scope="session")
def tsa_url(pki: Pki) -> Iterator[str]:
    with serve_tsa(pki) as url:
        yield url


def pdfsig(pdf: bytes, nssdir: Path, tmp_path: Path) -> str:
    """poppler's verdict (stdout) on `pdf`, trusting what `nssdir` trusts."""
    path = tmp_path / "periksa.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nssdir}", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout + done.stderr
