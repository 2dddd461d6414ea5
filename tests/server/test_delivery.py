"""E-mail delivery of issued documents through the server, against the real reference server and
a real SMTP server (`aiosmtpd`, on 127.0.0.1 in a thread) as the office's relay.

Each test builds its preconditions through the API as an office does: the operator takes the
application in, the lurah verifies and validates, registers the issued document, uploads the
signed PDF and signs; the operator claims it and has it e-mailed."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from desktop.services import delivery
from desktop.services.api.client import ApiClient
from desktop.services.api.errors import ApiError, SessionExpired
from server.issued import new_code
from tests.live_server import LiveServer, free_port
from tests.server.conftest import Api, new_nik
from tests.server.harness import ServerClock, start_harness_server

PUBLIC_URL = "https://loket.pekanbaru.example.go.id"
SENDER = "layanan@jadirejo.pekanbaru.example.go.id"
REFUSED = "tidak.ada@jadirejo.example.go.id"
"""The relay answers 550 for this mailbox."""


@dataclass
class Sink:
    """The relay: every message it accepted, and the mailboxes it refuses."""

    port: int
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 Mailbox tidak ada"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    relay = Sink(free_port())
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


@pytest.fixture(scope="module")
def server(sink: Sink) -> Iterator[LiveServer]:
    env = {
        "LOKET_SMTP_HOST": "127.0.0.1",
        "LOKET_SMTP_PORT": str(sink.port),
        "LOKET_SMTP_SECURITY": "none",
        "LOKET_SMTP_TIMEOUT": "10",
        "LOKET_MAIL_FROM": SENDER,
        "LOKET_MAIL_FROM_NAME": "Kelurahan Jadirejo",
        "LOKET_PUBLIC_URL": PUBLIC_URL,
    }
    with start_harness_server(extra_env=env) as live:
        yield live


@pytest.fixture(scope="module")
def accounts(server: LiveServer) -> dict[str, Api]:
    return {role: Api(server, *server.accounts[role]) for role in ("operator", "lurah")}


@pytest.fixture
def staff(accounts: dict[str, Api]) -> dict[str, Api]:
    for api in accounts.values():
        api.refresh()
    return accounts


def _pdf(seed: int) -> bytes:
    """Stands for the signed PDF: binary, with CR, LF, dots at line starts and dashes that a
    careless mail encoder would change."""
    rng = random.Random(seed)
    middle = bytes(rng.randrange(256) for _ in range(9000))
    return b"%PDF-1.7\r\n" + middle + b"\r\n.\r\n--\r\n\n\r" + middle[:100] + b"\n%%EOF\r\n"


_numbers = iter(range(1, 10_000))


@dataclass
class Signed:
    app_id: str
    code: str
    number: str
    pdf: bytes
    name: str


def _signed(staff: dict[str, Api], seed: int, *, upload: bool = True) -> Signed:
    """An SK-DOMISILI application in state `signed` with its issued document registered and
    (unless `upload` is false) the signed PDF uploaded; the operator holds the claim."""
    operator, lurah = staff["operator"], staff["lurah"]
    name = "Rina Marlina"
    app = operator.create(service_code="SK-DOMISILI", nik=new_nik(), name=name)
    app_id = app["id"]
    lurah.claim(app_id)
    version = app["version"]
    for action in ("verify", "validate"):
        version = lurah.act(app_id, action, version)["application"]["version"]
    pdf = _pdf(seed)
    code = new_code()
    number = f"470/{700 + next(_numbers)}/Kel.Jadirejo/XII/2026"
    today = ServerClock(lurah.server).now().date().isoformat()
    r = lurah.post(
        f"/applications/{app_id}/issued",
        json={
            "transaction_id": str(uuid.uuid4()),
            "code": code,
            "document_type": "SK-DOMISILI",
            "letter_number": number,
            "issued_on": today,
            "sha256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    assert r.status_code == 201, r.text
    if upload:
        r = lurah.put(
            f"/applications/{app_id}/documents/{uuid.uuid4()}",
            params={"filename": "surat-ditandatangani.pdf"},
            data=pdf,
            headers={
                "Content-Type": "application/pdf",
                "X-Content-SHA256": hashlib.sha256(pdf).hexdigest(),
            },
        )
        assert r.status_code == 201, r.text
    version = lurah.get(f"/applications/{app_id}").json()["version"]
    assert lurah.act(app_id, "sign", version)["application"]["status"] == "signed"
    operator.claim(app_id)
    return Signed(app_id, code, number, pdf, name)


def _deliver(
    api: Api,
    doc: Signed,
    to: str = "rina.marlina@contoh.co.id",
    *,
    tx: str | None = None,
    expect: int = 201,
    code: str | None = None,
) -> dict[str, Any]:
    r = api.post(
        f"/applications/{doc.app_id}/deliveries",
        json={
            "transaction_id": tx or str(uuid.uuid4()),
            "issued_code": code or doc.code,
            "channel": "email",
            "to": to,
        },
    )
    assert r.status_code == expect, r.text
    data: dict[str, Any] = r.json()
    return data


def _mail(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _status(api: Api, app_id: str) -> str:
    status: str = api.get(f"/applications/{app_id}").json()["status"]
    return status


def _deliveries(api: Api, app_id: str) -> list[dict[str, Any]]:
    r = api.get(f"/applications/{app_id}/deliveries")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_email_carries_the_signed_pdf_and_completes_the_application(
    sink: Sink, staff: dict[str, Api]
) -> None:
    operator = staff["operator"]
    doc = _signed(staff, 1)
    before = len(sink.received)
    answer = _deliver(operator, doc, "  rina.marlina@contoh.co.id ")
    assert len(sink.received) == before + 1
    mail_from, rcpt, raw = sink.received[-1]
    assert mail_from == SENDER and rcpt == ["rina.marlina@contoh.co.id"]
    message = _mail(raw)
    assert message["To"] == "rina.marlina@contoh.co.id"
    assert message["From"] == f"Kelurahan Jadirejo <{SENDER}>"
    assert message["Subject"] == (
        f"Surat keterangan domisili Nomor {doc.number} - Kelurahan Jadirejo"
    )
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert f"{PUBLIC_URL}/verify/{doc.code}" in body
    assert "Yth. Rina Marlina" in body and "ditandatangani secara elektronik" in body
    assert "Kelurahan Jadirejo" in body and doc.number in body
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    part = attachments[0]
    assert part.get_content_type() == "application/pdf"
    expected_name = "SK-DOMISILI_470-" + doc.number.split("/", 1)[1].replace("/", "-") + ".pdf"
    assert part.get_filename() == expected_name
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert hashlib.sha256(payload).hexdigest() == hashlib.sha256(doc.pdf).hexdigest()

    delivery, app = answer["delivery"], answer["application"]
    assert delivery["status"] == "sent" and delivery["to"] == "rina.marlina@contoh.co.id"
    assert delivery["issued_code"] == doc.code and delivery["channel"] == "email"
    assert delivery["sha256"] == hashlib.sha256(doc.pdf).hexdigest()
    assert delivery["filename"] == expected_name
    assert delivery["sent_by"] == operator.me["id"] and delivery["sent_by_name"] == "Dewi Lestari"
    assert (
        delivery["sent_at"] is not None and delivery["message_id"] == message["Message-ID"].strip()
    )
    assert app["status"] == "completed" and app["claim"] is None
    entry = app["history"][-1]
    assert entry["action"] == "deliver" and entry["id"] == delivery["history_entry_id"]
    assert (entry["from_status"], entry["to_status"]) == ("signed", "completed")
    assert entry["actor"]["username"] == operator.username and entry["role"] == "operator"
    assert entry["details"]["delivery"]["to"] == "rina.marlina@contoh.co.id"
    assert entry["details"]["delivery"]["issued_code"] == doc.code
    assert _deliveries(operator, doc.app_id) == [delivery]


def test_a_retry_with_the_same_transaction_sends_nothing_more(
    sink: Sink, staff: dict[str, Api]
) -> None:
    operator = staff["operator"]
    doc = _signed(staff, 2)
    tx = str(uuid.uuid4())
    first = _deliver(operator, doc, tx=tx)
    sent = len(sink.received)
    again = _deliver(operator, doc, tx=tx)
    assert again == first and len(sink.received) == sent
    other = _deliver(operator, doc, "lain@contoh.co.id", tx=tx, expect=409)
    assert other["code"] == "idempotency_conflict" and len(sink.received) == sent
    assert len(_deliveries(operator, doc.app_id)) == 1


def test_two_concurrent_retries_send_one_message(
    server: LiveServer, sink: Sink, staff: dict[str, Api]
) -> None:
    """The outbox and a person pressing again at once: one message, never two."""
    operator = staff["operator"]
    doc = _signed(staff, 10)
    body = {
        "transaction_id": str(uuid.uuid4()),
        "issued_code": doc.code,
        "channel": "email",
        "to": "rina@contoh.co.id",
    }
    headers = dict(operator.http.headers)
    url = f"{server.api}/applications/{doc.app_id}/deliveries"
    sent = len(sink.received)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(lambda _: requests.post(url, json=body, headers=headers, timeout=30), range(4))
        )
    codes = sorted(r.status_code for r in answers)
    assert 201 in codes and set(codes) <= {201, 409}, [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert r.json()["code"] == "delivery_in_progress"
    assert len(sink.received) == sent + 1
    assert len(_deliveries(operator, doc.app_id)) == 1
    again = _deliver(operator, doc, "rina@contoh.co.id", tx=body["transaction_id"])
    assert again["delivery"]["status"] == "sent" and len(sink.received) == sent + 1


def test_relay_down_is_503_and_nothing_is_recorded(sink: Sink, staff: dict[str, Api]) -> None:
    operator = staff["operator"]
    doc = _signed(staff, 3)
    tx = str(uuid.uuid4())
    sink.stop()
    try:
        r = operator.post(
            f"/applications/{doc.app_id}/deliveries",
            json={
                "transaction_id": tx,
                "issued_code": doc.code,
                "channel": "email",
                "to": "rina@contoh.co.id",
            },
        )
    finally:
        sink.start()
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["retry-after"] == "60"
    problem = r.json()
    assert problem["code"] == "mail_unavailable"
    assert "tidak dapat dihubungi" in problem["detail"] and "belum terkirim" in problem["detail"]
    assert _status(operator, doc.app_id) == "signed"
    assert _deliveries(operator, doc.app_id) == []
    # The relay is back: the same request (the outbox's retry) goes out, once.
    sent = len(sink.received)
    answer = _deliver(operator, doc, "rina@contoh.co.id", tx=tx)
    assert answer["application"]["status"] == "completed" and len(sink.received) == sent + 1


def test_a_void_document_is_not_sent(sink: Sink, staff: dict[str, Api]) -> None:
    operator, lurah = staff["operator"], staff["lurah"]
    doc = _signed(staff, 4)
    r = lurah.post(
        f"/applications/{doc.app_id}/issued/{doc.code}/void",
        json={"transaction_id": str(uuid.uuid4()), "reason": "Salah ketik alamat"},
    )
    assert r.status_code == 200, r.text
    sent = len(sink.received)
    problem = _deliver(operator, doc, expect=409)
    assert problem["code"] == "document_void" and "Salah ketik alamat" in problem["detail"]
    assert len(sink.received) == sent and _status(operator, doc.app_id) == "signed"
    unknown = _deliver(operator, doc, code=new_code(), expect=404)
    assert unknown["code"] == "not_found"


def test_who_may_deliver(sink: Sink, staff: dict[str, Api]) -> None:
    operator, lurah = staff["operator"], staff["lurah"]
    doc = _signed(staff, 5)
    sent = len(sink.received)
    refused = _deliver(lurah, doc, expect=403)
    assert refused["code"] == "role_not_allowed"
    r = operator.delete(f"/applications/{doc.app_id}/claim")
    assert r.status_code == 204, r.text
    unclaimed = _deliver(operator, doc, expect=409)
    assert unclaimed["code"] == "claim_required"
    assert len(sink.received) == sent and _status(operator, doc.app_id) == "signed"


@pytest.mark.parametrize(
    "to",
    [
        "bukan-alamat",
        "rina@contoh",
        "rina @contoh.co.id",
        "rina@contoh.co.id\r\nBcc: semua@contoh.co.id",
        "rina@contoh.co.id, lain@contoh.co.id",
        REFUSED,
    ],
)
def test_a_bad_address_is_422(sink: Sink, staff: dict[str, Api], to: str) -> None:
    operator = staff["operator"]
    doc = _signed(staff, 6)
    sent = len(sink.received)
    problem = _deliver(operator, doc, to, expect=422)
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["loc"] == ["body", "to"]
    assert len(sink.received) == sent
    assert _status(operator, doc.app_id) == "signed"
    assert _deliveries(operator, doc.app_id) == []


def test_the_signed_pdf_must_be_uploaded(sink: Sink, staff: dict[str, Api]) -> None:
    operator = staff["operator"]
    doc = _signed(staff, 7, upload=False)
    sent = len(sink.received)
    problem = _deliver(operator, doc, expect=409)
    assert problem["code"] == "document_missing" and "unggah" in problem["detail"]
    assert len(sink.received) == sent and _status(operator, doc.app_id) == "signed"


# -- the desktop's call (desktop/services/delivery.py) ----------------------------------------


class _Tokens:
    """The test account's bearer token for the desktop's `ApiClient`."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def access_token(self) -> str | None:
        token: str = self.api.tokens["access_token"]
        return token

    def refresh_access(self, stale: str) -> str | None:
        return None

    def session_ended(self, code: str) -> SessionExpired:
        return SessionExpired("Sesi berakhir.", code)


def _client(server: LiveServer, api: Api) -> ApiClient:
    return ApiClient(server.url, device_id=api.device_id, tokens=_Tokens(api))


def test_desktop_call_returns_the_typed_result(
    server: LiveServer, sink: Sink, staff: dict[str, Api]
) -> None:
    operator = staff["operator"]
    doc = _signed(staff, 8)
    client = _client(server, operator)
    tx = str(uuid.uuid4())
    result = delivery.email_document(
        client, doc.app_id, issued_code=doc.code, to="rina@contoh.co.id", transaction_id=tx
    )
    assert result.completed and result.application.status_raw == "completed"
    assert result.delivery.to == "rina@contoh.co.id" and result.delivery.status == "sent"
    assert result.delivery.issued_code == doc.code and result.delivery.sent_at is not None
    assert result.delivery.sha256 == hashlib.sha256(doc.pdf).hexdigest()
    sent = len(sink.received)
    again = delivery.email_document(
        client, doc.app_id, issued_code=doc.code, to="rina@contoh.co.id", transaction_id=tx
    )
    assert again == result and len(sink.received) == sent
    assert delivery.deliveries(client, doc.app_id) == [result.delivery]
    client.close()


def test_desktop_call_errors_are_indonesian(
    server: LiveServer, sink: Sink, staff: dict[str, Api]
) -> None:
    operator = staff["operator"]
    doc = _signed(staff, 9)
    client = _client(server, operator)
    with pytest.raises(ApiError) as bad:
        delivery.email_document(
            client, doc.app_id, issued_code=doc.code, to="rina@", transaction_id=str(uuid.uuid4())
        )
    assert bad.value.status == 422 and "Alamat e-mail tidak valid" in bad.value.message
    assert not delivery.worth_retrying(bad.value)
    sink.stop()
    try:
        with pytest.raises(ApiError) as down:
            delivery.email_document(
                client,
                doc.app_id,
                issued_code=doc.code,
                to="rina@contoh.co.id",
                transaction_id=str(uuid.uuid4()),
            )
    finally:
        sink.start()
    assert down.value.code == delivery.MAIL_UNAVAILABLE and delivery.worth_retrying(down.value)
    assert "belum terkirim" in down.value.message
    client.close()


def _another(staff: dict[str, Api], doc: Signed, seed: int) -> tuple[str, bytes]:
    """One more issued document of the signed application (as a birth registration's KK
    beside its akta), its PDF uploaded by the operator who holds the claim: (code, pdf)."""
    lurah = staff["lurah"]
    pdf = _pdf(seed)
    sha = hashlib.sha256(pdf).hexdigest()
    code = new_code()
    r = lurah.post(
        f"/applications/{doc.app_id}/issued",
        json={
            "transaction_id": str(uuid.uuid4()),
            "code": code,
            "document_type": "SK-DOMISILI",
            "letter_number": f"470/{700 + next(_numbers)}/Kel.Jadirejo/XII/2026",
            "issued_on": ServerClock(lurah.server).now().date().isoformat(),
            "sha256": sha,
        },
    )
    assert r.status_code == 201, r.text
    r = staff["operator"].put(  # the operator holds the claim by now
        f"/applications/{doc.app_id}/documents/{uuid.uuid4()}",
        params={"filename": "lampiran.pdf"},
        data=pdf,
        headers={"Content-Type": "application/pdf", "X-Content-SHA256": sha},
    )
    assert r.status_code == 201, r.text
    return code, pdf


def test_several_documents_go_in_one_message_once(sink: Sink, staff: dict[str, Api]) -> None:
    operator, lurah = staff["operator"], staff["lurah"]
    doc = _signed(staff, 21)
    second, second_pdf = _another(staff, doc, 22)
    voided, _pdf_void = _another(staff, doc, 23)
    r = lurah.post(
        f"/applications/{doc.app_id}/issued/{voided}/void",
        json={"transaction_id": str(uuid.uuid4()), "reason": "Salah cetak"},
    )
    assert r.status_code == 200, r.text

    def send(codes: list[str], tx: str, expect: int) -> dict[str, Any]:
        r = operator.post(
            f"/applications/{doc.app_id}/deliveries",
            json={
                "transaction_id": tx,
                "issued_code": doc.code,
                "issued_codes": codes,
                "channel": "email",
                "to": "rina.marlina@contoh.co.id",
            },
        )
        assert r.status_code == expect, r.text
        answer: dict[str, Any] = r.json()
        return answer

    sent = len(sink.received)
    refused = send([second, voided], str(uuid.uuid4()), 409)  # one void: nothing goes
    assert refused["code"] == "document_void" and "Salah cetak" in refused["detail"]
    assert len(sink.received) == sent and _status(operator, doc.app_id) == "signed"

    tx = str(uuid.uuid4())
    answer = send([second, second, doc.code], tx, 201)  # duplicates dropped
    assert len(sink.received) == sent + 1
    attached = [
        hashlib.sha256(part.get_payload(decode=True)).hexdigest()  # type: ignore[arg-type]
        for part in _mail(sink.received[-1][2]).iter_attachments()
    ]
    expected = [hashlib.sha256(doc.pdf).hexdigest(), hashlib.sha256(second_pdf).hexdigest()]
    assert attached == expected
    delivery = answer["delivery"]
    assert [d["code"] for d in delivery["documents"]] == [doc.code, second]
    assert delivery["issued_code"] == doc.code and delivery["sha256"] == expected[0]
    assert send([second, second, doc.code], tx, 201) == answer  # a replay: nothing more sent
    assert len(sink.received) == sent + 1
    [listed] = operator.get(f"/applications/{doc.app_id}/deliveries").json()["items"]
    assert [d["sha256"] for d in listed["documents"]] == expected
