"""The BSrE esign client against the simulator (tests/bsre_simulator.py) on loopback: v1
multipart and v2 JSON signatures that pyHanko and pdfsig accept, the fields BSrE receives,
user status and verify, and each of BSrE's error cases mapped to its Indonesian message with
nothing signed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.services.signing import (
    BsreApi,
    BsreConfig,
    BsreSigner,
    BsreUserStatus,
    Rect,
    SignatureStatus,
    SigningError,
    SignProblem,
    SignRequest,
    StampPlacement,
    verify_pdf,
)
from tests.bsre_simulator import AUTH, BsreSimulator, Failure, bsre_simulator
from tests.desktop.signing.conftest import pdfsig
from tests.signing_ca import Pki

NIK = "1471010101800001"
UNKNOWN_NIK = "1471010101800099"
SECRET = "passphrase-bsre"
URL = "https://loket.pekanbaru.go.id/verify/K7Q2-9XPA"


@pytest.fixture(scope="module")
def simulator(pki: Pki) -> Iterator[BsreSimulator]:
    with bsre_simulator(pki, {NIK: (SECRET, pki.valid)}) as sim:
        yield sim


@pytest.fixture
def sim(simulator: BsreSimulator) -> Iterator[BsreSimulator]:
    simulator.reset()
    yield simulator
    simulator.reset()


def signer(sim: BsreSimulator, api: BsreApi, timeout: float = 30.0) -> BsreSigner:
    return BsreSigner(BsreConfig(sim.url, api=api, auth=AUTH, timeout=timeout))


def request(**changes: object) -> SignRequest:
    base: dict[str, object] = {
        "verification_url": URL,
        "stamp": StampPlacement(1, Rect(300, 80, 540, 160)),
        "signer_name": "Budi Santoso, S.Sos.",
        "nik": NIK,
        "passphrase": SECRET,
        "reason": "Surat Keterangan Domisili",
        "location": "Pekanbaru",
    }
    base.update(changes)
    return SignRequest(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("api", [BsreApi.V1, BsreApi.V2])
def test_signed_by_bsre_valid_for_pyhanko_and_pdfsig(
    sim: BsreSimulator, api: BsreApi, pki: Pki, letter_pdf: bytes, nssdir: Path, tmp_path: Path
) -> None:
    signed = signer(sim, api).sign(letter_pdf, request())

    check = verify_pdf(signed, [pki.root.cert])
    assert check.status is SignatureStatus.VALID, check.detail
    assert check.covers_whole_file
    verdict = pdfsig(signed, nssdir, tmp_path)
    assert "Signature Validation: Signature is Valid." in verdict, verdict
    assert "Certificate Validation: Certificate is Trusted." in verdict, verdict
    (sent,) = sim.requests
    assert sent["api"] == api.value and sent["nik"] == NIK
    if api is BsreApi.V1:
        assert sent["tampilan"] == "visible" and sent["image"] == "true"
        assert (sent["page"], sent["xAxis"], sent["yAxis"]) == ("2", "300", "80")
        assert (sent["width"], sent["height"]) == ("240", "80")
        assert sent["linkQR"] == URL
    else:
        (props,) = sent["signatureProperties"]
        assert props["tampilan"] == "VISIBLE" and props["page"] == 2
        assert (props["originX"], props["originY"], props["width"]) == (300, 80, 240)
        assert props["imageBase64"]


@pytest.mark.parametrize("api", [BsreApi.V1, BsreApi.V2])
def test_invisible_signature(sim: BsreSimulator, api: BsreApi, pki: Pki, letter_pdf: bytes) -> None:
    signed = signer(sim, api).sign(letter_pdf, request(stamp=None))
    assert verify_pdf(signed, [pki.root.cert]).status is SignatureStatus.VALID


def test_v2_with_totp(sim: BsreSimulator, letter_pdf: bytes) -> None:
    signer(sim, BsreApi.V2).sign(letter_pdf, request(passphrase="", totp=SECRET))
    (sent,) = sim.requests
    assert sent["totp"] == SECRET and "passphrase" not in sent


CASES = [
    (
        Failure.NONE,
        {"nik": UNKNOWN_NIK},
        SignProblem.USER_NOT_REGISTERED,
        "Pengguna tidak terdaftar",
    ),
    (Failure.NONE, {"passphrase": "salah"}, SignProblem.WRONG_PASSPHRASE, "Passphrase"),
    (Failure.CERT_INACTIVE, {}, SignProblem.CERT_INACTIVE, "tidak aktif"),
    (Failure.SERVER_ERROR, {}, SignProblem.SERVICE_ERROR, "bermasalah"),
    (Failure.NOT_PDF, {}, SignProblem.BAD_SIGNED_FILE, "bukan PDF"),
    (Failure.BROKEN_SIGNATURE, {}, SignProblem.BAD_SIGNED_FILE, "tidak dipakai"),
]


@pytest.mark.parametrize("api", [BsreApi.V1, BsreApi.V2])
@pytest.mark.parametrize(("failure", "changes", "problem", "words"), CASES)
def test_bsre_error_cases(
    sim: BsreSimulator,
    api: BsreApi,
    letter_pdf: bytes,
    failure: Failure,
    changes: dict[str, object],
    problem: SignProblem,
    words: str,
) -> None:
    sim.fail = failure
    with pytest.raises(SigningError) as raised:
        signer(sim, api).sign(letter_pdf, request(**changes))
    assert raised.value.problem is problem, raised.value.detail
    assert words in raised.value.message
    assert SECRET not in raised.value.message + raised.value.detail


@pytest.mark.parametrize("api", [BsreApi.V1, BsreApi.V2])
def test_stall_past_the_timeout(sim: BsreSimulator, api: BsreApi, letter_pdf: bytes) -> None:
    sim.fail = Failure.STALL
    try:
        with pytest.raises(SigningError) as raised:
            signer(sim, api, timeout=0.5).sign(letter_pdf, request())
    finally:
        sim.release()
    assert raised.value.problem is SignProblem.TIMEOUT
    assert "tidak menjawab tepat waktu" in raised.value.message


def test_unreachable_service(letter_pdf: bytes) -> None:
    client = BsreSigner(BsreConfig("http://127.0.0.1:9", auth=AUTH, timeout=5))
    with pytest.raises(SigningError) as raised:
        client.sign(letter_pdf, request())
    assert raised.value.problem is SignProblem.UNREACHABLE


def test_wrong_client_credentials(sim: BsreSimulator, letter_pdf: bytes) -> None:
    client = BsreSigner(BsreConfig(sim.url, auth=("loket-client", "salah")))
    with pytest.raises(SigningError) as raised:
        client.sign(letter_pdf, request())
    assert raised.value.problem is SignProblem.SERVICE_ERROR
    assert sim.requests == []  # refused before any signing


def test_not_a_pdf_is_not_sent(sim: BsreSimulator) -> None:
    with pytest.raises(SigningError) as raised:
        signer(sim, BsreApi.V1).sign(b"<html>bukan</html>", request())
    assert raised.value.problem is SignProblem.NOT_PDF
    assert sim.requests == []


def test_user_status(sim: BsreSimulator) -> None:
    client = signer(sim, BsreApi.V1)
    assert client.user_status(NIK) is BsreUserStatus.ACTIVE
    assert client.user_status(UNKNOWN_NIK) is BsreUserStatus.NOT_REGISTERED
    sim.fail = Failure.CERT_INACTIVE
    assert client.user_status(NIK) is BsreUserStatus.EXPIRED


def test_verify_endpoint(sim: BsreSimulator, letter_pdf: bytes) -> None:
    client = signer(sim, BsreApi.V1)
    signed = client.sign(letter_pdf, request())
    assert client.verify(signed).valid
    tampered = signed.replace(b"Lurah", b"lurah", 1)
    answer = client.verify(tampered)
    assert not answer.valid and answer.signatures == 1


def test_tls_verification_is_on() -> None:
    default = BsreSigner(BsreConfig("https://esign.example"))
    agency = BsreSigner(BsreConfig("https://esign.example", ca_bundle="/etc/ca.pem"))
    assert default._session.verify is True
    assert agency._session.verify == "/etc/ca.pem"
