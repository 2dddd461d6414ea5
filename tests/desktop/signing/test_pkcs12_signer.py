"""Local PKCS#12 signing: PAdES signatures that pyHanko and poppler's pdfsig both accept with
the test CA trusted, a visible stamp whose QR reads back, B-T with a loopback TSA, and each bad
input refused with its Indonesian message and nothing signed."""

from __future__ import annotations

import io
import logging
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from desktop.services.signing import (
    Pkcs12Signer,
    Rect,
    SignatureStatus,
    SigningError,
    SignProblem,
    SignRequest,
    StampPlacement,
    verify_pdf,
)
from tests.desktop.signing.conftest import P12Files, pdfsig
from tests.signing_ca import PASSPHRASE, Pki

URL = "https://loket.pekanbaru.go.id/verify/K7Q2-9XPA"
STAMP = StampPlacement(1, Rect(300, 80, 540, 160))


def request(**changes: object) -> SignRequest:
    base: dict[str, object] = {
        "verification_url": URL,
        "stamp": STAMP,
        "passphrase": PASSPHRASE,
        "reason": "Surat Keterangan Domisili",
        "location": "Pekanbaru",
    }
    base.update(changes)
    return SignRequest(**base)  # type: ignore[arg-type]


def flip_signed_byte(pdf: bytes) -> bytes:
    """One byte of the signed content changed (a letter of the page text; the test letter's
    page streams are uncompressed, so the text is there to change)."""
    at = pdf.index(b"Lurah")
    return pdf[:at] + b"l" + pdf[at + 1 :]


def test_visible_signature_valid_for_pyhanko_and_pdfsig(
    p12_files: P12Files, pki: Pki, letter_pdf: bytes, nssdir: Path, tmp_path: Path
) -> None:
    signed = Pkcs12Signer(p12_files.valid).sign(letter_pdf, request())

    assert signed.startswith(letter_pdf)  # an incremental update: the letter's bytes kept
    check = verify_pdf(signed, [pki.root.cert])
    assert check.status is SignatureStatus.VALID, check.detail
    assert check.signer_name == "Budi Santoso, S.Sos."
    assert check.covers_whole_file and check.signatures == 1
    assert check.signing_time is not None

    verdict = pdfsig(signed, nssdir, tmp_path)
    assert "Signature Validation: Signature is Valid." in verdict, verdict
    assert "Certificate Validation: Certificate is Trusted." in verdict, verdict
    assert "Total document signed" in verdict
    assert "ETSI.CAdES.detached" in verdict  # PAdES, not adbe.pkcs7.detached


def test_stamp_shows_statement_name_and_a_readable_qr(
    p12_files: P12Files, letter_pdf: bytes, tmp_path: Path
) -> None:
    signed = Pkcs12Signer(p12_files.valid).sign(letter_pdf, request())
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)

    text = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    assert "Budi Santoso, S.Sos." in flat
    assert "ditandatangani secara elektronik menggunakan sertifikat elektronik" in flat
    assert "UU ITE No. 11 Tahun 2008 Pasal 5 Ayat 1" in flat
    assert "alat bukti hukum yang sah" in flat
    assert "Loket Uji CA" in flat  # the issuer named from the certificate, not "BSrE"

    subprocess.run(
        [
            *("pdftoppm", "-r", "150", "-png", "-singlefile", "-f", "2", "-l", "2"),
            *(str(path), str(tmp_path / "page")),
        ],
        capture_output=True,
        check=True,
    )
    codes = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [code.text for code in codes] == [URL]


def test_invisible_signature(p12_files: P12Files, pki: Pki, letter_pdf: bytes) -> None:
    signed = Pkcs12Signer(p12_files.valid).sign(letter_pdf, request(stamp=None))
    assert verify_pdf(signed, [pki.root.cert]).status is SignatureStatus.VALID


def test_one_changed_byte_is_detected_by_both(
    p12_files: P12Files, pki: Pki, letter_pdf: bytes, nssdir: Path, tmp_path: Path
) -> None:
    signed = Pkcs12Signer(p12_files.valid).sign(letter_pdf, request())
    forged = flip_signed_byte(signed)
    assert len(forged) == len(signed) and forged != signed

    check = verify_pdf(forged, [pki.root.cert])
    assert check.status is SignatureStatus.CHANGED, check.detail
    assert "diubah setelah ditandatangani" in check.message
    verdict = pdfsig(forged, nssdir, tmp_path)
    assert "Digest Mismatch" in verdict, verdict
    assert "Signature is Valid" not in verdict


def test_second_signature_keeps_the_first_valid(
    p12_files: P12Files, pki: Pki, letter_pdf: bytes
) -> None:
    once = Pkcs12Signer(p12_files.valid).sign(letter_pdf, request())
    twice = Pkcs12Signer(p12_files.valid).sign(
        once, request(stamp=StampPlacement(1, Rect(60, 80, 280, 160)))
    )
    check = verify_pdf(twice, [pki.root.cert])
    assert check.signatures == 2
    assert check.status is SignatureStatus.VALID, check.detail


def test_timestamped_signature_is_pades_b_t(
    p12_files: P12Files,
    pki: Pki,
    letter_pdf: bytes,
    tsa_url: str,
    nssdir: Path,
    tmp_path: Path,
) -> None:
    signed = Pkcs12Signer(p12_files.valid).sign(letter_pdf, request(tsa_url=tsa_url))

    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1

    root = translate_pyca_cryptography_cert_to_asn1(pki.root.cert)
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    check = verify_pdf(signed, [pki.root.cert])
    assert check.status is SignatureStatus.VALID
    assert check.signing_time == status.timestamp_validity.timestamp  # the TSA's time
    assert "Signature is Valid." in pdfsig(signed, nssdir, tmp_path)


def test_unknown_signer_from_another_ca(
    p12_files: P12Files, pki: Pki, letter_pdf: bytes, nssdir: Path, tmp_path: Path
) -> None:
    signed = Pkcs12Signer(p12_files.other_ca).sign(letter_pdf, request())
    check = verify_pdf(signed, [pki.root.cert])
    assert check.status is SignatureStatus.UNKNOWN_SIGNER, check.detail
    assert check.signer_name == "Penanda Tangan Lain"
    verdict = pdfsig(signed, nssdir, tmp_path)
    assert "Signature is Valid." in verdict  # intact...
    assert "Certificate is Trusted" not in verdict  # ...but not under the trusted root


@pytest.mark.parametrize(
    ("which", "passphrase", "problem", "words"),
    [
        ("valid", "salah-passphrase", SignProblem.WRONG_PASSPHRASE, "Passphrase"),
        ("expired", PASSPHRASE, SignProblem.CERT_EXPIRED, "kedaluwarsa"),
        ("not_yet_valid", PASSPHRASE, SignProblem.CERT_NOT_YET_VALID, "belum berlaku"),
        ("not_p12", PASSPHRASE, SignProblem.NOT_PKCS12, "PKCS#12"),
    ],
)
def test_bad_certificate_input_refused_with_its_message(
    p12_files: P12Files,
    letter_pdf: bytes,
    which: str,
    passphrase: str,
    problem: SignProblem,
    words: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    path: Path = getattr(p12_files, which)
    with pytest.raises(SigningError) as raised:
        Pkcs12Signer(path).sign(letter_pdf, request(passphrase=passphrase))
    assert raised.value.problem is problem
    assert words in raised.value.message
    assert PASSPHRASE not in caplog.text and "salah-passphrase" not in caplog.text


def test_missing_certificate_file(tmp_path: Path, letter_pdf: bytes) -> None:
    with pytest.raises(SigningError) as raised:
        Pkcs12Signer(tmp_path / "hilang.p12").sign(letter_pdf, request())
    assert raised.value.problem is SignProblem.NOT_PKCS12


@pytest.mark.parametrize("document", [b"", b"bukan pdf", b"%PDF-1.7\n garbage without xref"])
def test_input_that_is_not_a_pdf(p12_files: P12Files, document: bytes) -> None:
    with pytest.raises(SigningError) as raised:
        Pkcs12Signer(p12_files.valid).sign(document, request())
    assert raised.value.problem is SignProblem.NOT_PDF
    assert "bukan PDF" in raised.value.message


@pytest.mark.parametrize(
    "stamp",
    [StampPlacement(2, Rect(300, 80, 540, 160)), StampPlacement(0, Rect(500, 80, 700, 160))],
)
def test_stamp_off_the_page(p12_files: P12Files, letter_pdf: bytes, stamp: StampPlacement) -> None:
    with pytest.raises(SigningError) as raised:
        Pkcs12Signer(p12_files.valid).sign(letter_pdf, request(stamp=stamp))
    assert raised.value.problem is SignProblem.BAD_PLACEMENT


def test_unreachable_tsa_leaves_it_unsigned(p12_files: P12Files, letter_pdf: bytes) -> None:
    with pytest.raises(SigningError) as raised:
        Pkcs12Signer(p12_files.valid).sign(letter_pdf, request(tsa_url="http://127.0.0.1:9/"))
    assert raised.value.problem is SignProblem.TIMESTAMP_FAILED


def test_passphrase_kept_out_of_the_request_repr() -> None:
    assert PASSPHRASE not in repr(request())


def test_verify_unsigned_and_broken(letter_pdf: bytes, pki: Pki) -> None:
    assert verify_pdf(letter_pdf, [pki.root.cert]).status is SignatureStatus.NOT_SIGNED
    assert verify_pdf(b"bukan pdf", [pki.root.cert]).status is SignatureStatus.BROKEN
