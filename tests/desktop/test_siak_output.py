"""Disdukcapil outputs from SIAK (`services.siak_output`, issue 13): the import check with the
hostile files it must refuse, verification on open, where the stamp goes, and one akta signed
by the validator and registered on the real reference server through the outbox."""

from __future__ import annotations

import hashlib
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import requests

from desktop.domain.catalogue import Catalogue
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import State
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, UserInfo
from desktop.services.documents.letter import Official
from desktop.services.issuing import IssuingError
from desktop.services.outbox import OutboxSender
from desktop.services.rendering import render_pages
from desktop.services.secrets import SecretStore
from desktop.services.senders import outbox_sender
from desktop.services.siak_output import (
    STAMP_SIZE,
    OutputFile,
    SiakOutputService,
    SiakPdfError,
    find_blank_place,
    read_siak_pdf,
)
from desktop.services.signing import (
    Pkcs12Signer,
    SignatureStatus,
    SignRequest,
    StampPlacement,
    verify_pdf,
)
from server.demo import DEMO_PASSWORD, KELURAHAN
from tests import siak_documents as docs
from tests.desktop.support import MemoryKeyring, new_nik
from tests.live_server import LiveServer
from tests.signing_ca import PASSPHRASE, Pki, make_pki

OFFICIAL = Official("Ir. Bambang Sutrisno, M.Si.", "")
AKTA_DATA = {
    "ibu.nama": "Siti Rahmawati",
    "anak.tanggal_lahir": "2026-11-20",
    "anak.nama": "Nur Aisyah Putri",
    "anak.jenis_kelamin": "P",
    "anak.tempat_dilahirkan": "rumah sakit/rumah bersalin",
    "pelapor.hubungan": "ibu",
}


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def p12(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("siak") / "kadis.p12"
    path.write_bytes(pki.valid.p12(PASSPHRASE))
    return path


def request(passphrase: str = PASSPHRASE) -> SignRequest:
    return SignRequest(verification_url="", signer_name=OFFICIAL.name, passphrase=passphrase)


def signed_copy(pdf: bytes, p12: Path) -> bytes:
    """`pdf` signed as SIAK's own TTE would have it (invisible signature)."""
    return Pkcs12Signer(p12).sign(pdf, request())


# -- the import check ------------------------------------------------------------------------------


def test_a_plain_siak_print_is_accepted_as_it_is() -> None:
    pdf = docs.kk_pdf()
    imported = read_siak_pdf(pdf, "KK 1471.pdf")
    assert imported.data == pdf and not imported.repaired
    assert imported.pages == 1
    assert imported.sha256 == hashlib.sha256(pdf).hexdigest()
    assert imported.signature.status is SignatureStatus.NOT_SIGNED
    assert imported.signature_note == ""


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: b"", "kosong"),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "bukan PDF"),
        (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8, "rusak"),
        (lambda: docs.encrypted_pdf(docs.kk_pdf()), "kata sandi"),
        (lambda: docs.encrypted_pdf(docs.kk_pdf(), user_password=""), "dienkripsi"),
        (lambda: docs.with_javascript(docs.kk_pdf()), "skrip"),
        (lambda: docs.with_attachment(docs.kk_pdf()), "berkas sisipan"),
    ],
    ids=["empty", "png", "garbage", "password", "owner-only", "javascript", "attachment"],
)
def test_hostile_files_are_refused_naming_why(make: object, words: str) -> None:
    assert callable(make)
    with pytest.raises(SiakPdfError) as refused:
        read_siak_pdf(make(), "keluaran.pdf")
    assert words in refused.value.message
    assert "keluaran.pdf" in refused.value.message or words == "kosong"


def test_a_file_missing_its_xref_is_repaired_and_still_signs(p12: Path, pki: Pki) -> None:
    broken = docs.without_xref(docs.kk_pdf())
    imported = read_siak_pdf(broken, "kk.pdf")
    assert imported.pages == 1
    signed = Pkcs12Signer(p12).sign(imported.data, request())
    assert verify_pdf(signed, [pki.root.cert]).status is SignatureStatus.VALID


def test_existing_signatures_are_verified_on_open(p12: Path, pki: Pki) -> None:
    signed = signed_copy(docs.kk_pdf(), p12)
    trusted = read_siak_pdf(signed, "kk.pdf", [pki.root.cert])
    assert trusted.signature.status is SignatureStatus.VALID
    assert "sah" in trusted.signature_note
    unknown = read_siak_pdf(signed, "kk.pdf", [])
    assert unknown.signature.status is SignatureStatus.UNKNOWN_SIGNER
    assert "tidak dikenal" in unknown.signature_note
    # One byte of the page changed after the signature: refused, never signed over.
    at = signed.index(b"BUDI SANTOSO")
    forged = signed[:at] + b"BUDI SANTOSA" + signed[at + len(b"BUDI SANTOSO") :]
    with pytest.raises(SiakPdfError) as refused:
        read_siak_pdf(forged, "kk.pdf", [pki.root.cert])
    assert "diubah setelah" in refused.value.message


# -- where the stamp goes --------------------------------------------------------------------------


def _ink_inside(pdf: bytes, place: StampPlacement, scale: float = 2.0) -> int:
    """Dark pixels of the rendered page inside the stamp's rectangle (y measured from the
    top in the image, from the bottom in PDF space)."""
    image = render_pages(pdf, scale=scale, pages=[place.page])[0]
    grey = np.asarray(image.convert("L"))
    height = grey.shape[0]
    r = place.rect
    box = grey[
        int(height - r.y1 * scale) : int(height - r.y0 * scale),
        int(r.x0 * scale) : int(r.x1 * scale),
    ]
    return int((box < 128).sum())


def test_the_stamp_goes_on_blank_paper_low_and_right(p12: Path) -> None:
    pdf = docs.kk_pdf()
    place = find_blank_place(pdf)
    assert place is not None and place.page == 0
    width_mm, height_mm = STAMP_SIZE
    assert place.rect.width == pytest.approx(width_mm) and place.rect.height == pytest.approx(
        height_mm
    )
    assert _ink_inside(pdf, place) == 0  # nothing of the KK under it
    # Right half of the page, lower half (A4 landscape: 842 x 595 pt).
    assert place.rect.x1 > 842 / 2 and place.rect.y1 < 595 / 2
    signed = Pkcs12Signer(p12).sign(
        pdf,
        SignRequest(
            verification_url="http://loket/verify/X",
            stamp=place,
            signer_name=OFFICIAL.name,
            passphrase=PASSPHRASE,
        ),
    )
    assert _ink_inside(signed, place) > 500  # the stamp (QR and words) is drawn there


@pytest.mark.parametrize("make", [docs.full_page_pdf, lambda: docs.rotated(docs.kk_pdf())])
def test_no_blank_place_on_a_full_or_rotated_page(make: object) -> None:
    assert callable(make)
    assert find_blank_place(make()) is None


# -- one akta end to end on the real server ----------------------------------------------------


@dataclass
class Office:
    api: ApiClient
    user: UserInfo
    apps: ApplicationService
    store: Store
    sender: OutboxSender
    service: SiakOutputService


def sign_in(server: LiveServer, username: str) -> tuple[ApiClient, UserInfo]:
    api = ApiClient(server.url, device_id=str(uuid.uuid4()), timeout=30)
    return api, AuthService(api, SecretStore(MemoryKeyring())).sign_in(username, DEMO_PASSWORD)


@pytest.fixture
def dinas(live_server: LiveServer, tmp_path: Path, catalogue: Catalogue) -> Iterator[Office]:
    api, user = sign_in(live_server, "validator1")
    store = Store(tmp_path / "dinas.sqlite3")
    apps = ApplicationService(api, store)
    apps.my_user_id = user.id
    service = SiakOutputService(
        store, catalogue=catalogue, user_id=user.id, server_url=live_server.url
    )
    yield Office(api, user, apps, store, outbox_sender(api, store, apps), service)
    store.close()
    api.close()


def validated_birth(server: LiveServer, office: Office) -> ApplicationDetail:
    """A birth registration taken in at the kelurahan, verified by verifier1 and validated
    by validator1 (who keeps the claim to sign)."""
    operator, _ = sign_in(server, "operator1")
    app_id = str(uuid.uuid4())
    created = operator.post_json(
        "/applications",
        {
            "id": app_id,
            "service_code": "AKTA-LAHIR",
            "office_code": KELURAHAN,
            "applicant": {
                "nik": new_nik(),
                "name": "Siti Rahmawati",
                "birth_date": None,
                "sex": "P",
                "kk_number": None,
                "phone": "081234567890",
                "email": None,
                "address": "Jl. Cempedak No. 53",
            },
            "submit": True,
            "data": AKTA_DATA,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    version = int(created["version"])
    verifier, _ = sign_in(server, "verifier1")
    verifier.post_json(f"/applications/{app_id}/claim", {})
    answer = verifier.post_json(
        f"/applications/{app_id}/actions",
        {"action": "verify", "expected_version": version, "transaction_id": str(uuid.uuid4())},
    )
    version = int(answer["application"]["version"])
    office.apps.claim(app_id)
    office.api.post_json(
        f"/applications/{app_id}/actions",
        {"action": "validate", "expected_version": version, "transaction_id": str(uuid.uuid4())},
    )
    operator.close()
    verifier.close()
    return office.apps.fetch_detail(app_id)


def test_an_akta_from_siak_is_signed_registered_and_verifiable(
    dinas: Office, live_server: LiveServer, p12: Path, pki: Pki
) -> None:
    detail = validated_birth(live_server, dinas)
    assert detail.status is State.VALIDATED
    imported = read_siak_pdf(docs.akta_f4_pdf(), "akta.pdf")
    with pytest.raises(IssuingError):  # not an output of a birth registration
        dinas.service.issue(
            detail, [OutputFile(imported, "SK-DOMISILI")], Pkcs12Signer(p12), request(),
            official=OFFICIAL,
        )  # fmt: skip
    # A wrong passphrase: nothing kept, nothing queued, nothing numbered.
    with pytest.raises(IssuingError) as refused:
        dinas.service.issue(
            detail, [OutputFile(imported, "AKTA-KELAHIRAN")], Pkcs12Signer(p12),
            request("salah"), official=OFFICIAL,
        )  # fmt: skip
    assert "tidak berubah" in refused.value.message
    assert (
        dinas.store.read(lambda c: c.exec_driver_sql("SELECT count(*) FROM outbox").scalar()) == 0
    )

    akta, kk, kia = dinas.service.issue(
        detail,
        [
            OutputFile(imported, "AKTA-KELAHIRAN", " 1471-LT-04122026-0007 "),
            OutputFile(read_siak_pdf(docs.full_page_pdf(), "kk-penuh.pdf"), "KK"),
            OutputFile(read_siak_pdf(docs.kk_pdf(), "kia.pdf"), "KIA", ""),
        ],
        Pkcs12Signer(p12),
        request(),
        official=OFFICIAL,
    )
    assert akta.document_number == "1471-LT-04122026-0007" and kia.document_number is None
    for issued in (akta, kk, kia):
        pdf = issued.kept.path.read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == issued.sha256
        assert verify_pdf(pdf, [pki.root.cert]).status is SignatureStatus.VALID
        assert _ink_inside(pdf, issued.stamp) > 500  # the stamp is drawn where it was placed
    assert not akta.page_added and _ink_inside(docs.akta_f4_pdf(), akta.stamp) == 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(akta.kept.path), "-"],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    assert "KUTIPAN AKTA KELAHIRAN" in text  # SIAK's content, untouched
    # The KK's page had no room: a "lembar pengesahan" page carries the stamp.
    assert kk.page_added and kk.stamp.page == 1
    last = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-layout", str(kk.kept.path), "-"],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    assert "LEMBAR PENGESAHAN ELEKTRONIK" in last and kk.code in last.replace("\n", " ")
    # One sign action (the akta's hash), queued after every upload and registration.
    assert akta.kept.transaction_ids[2] and not kk.kept.transaction_ids[2]
    assert not kia.kept.transaction_ids[2]

    report = dinas.sender.send_due()
    assert not (report.retry or report.conflicts or report.refused), report.reasons
    for issued in (akta, kk, kia):
        public = requests.get(
            f"{live_server.url}/verify/{issued.code}", params={"format": "json"}, timeout=30
        ).json()
        assert public["status"] == "valid" and public["sha256"] == issued.sha256
    assert public["number"] is None  # the KIA: no number typed
    assert dinas.apps.fetch_detail(detail.id).status is State.SIGNED
    raw = dinas.api.get_json(f"/applications/{detail.id}")
    sign = [h for h in raw["history"] if h["action"] == "sign"]
    assert len(sign) == 1 and sign[0]["details"]["document"]["sha256"] == akta.sha256
    listed = dinas.api.get_json(f"/applications/{detail.id}/issued")["items"]
    assert {i["document_type"] for i in listed} == {"AKTA-KELAHIRAN", "KK", "KIA"}
