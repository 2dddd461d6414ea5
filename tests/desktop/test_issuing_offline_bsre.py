"""Issue 13: "Signing needs the service: offline it waits in the outbox and happens at sync."

With BSrE unreachable (the simulator `tests.bsre_simulator` stopped: connection refused) a
letter is numbered once, kept unsigned and queued as a SIGNATURE entry; the simulator started
again on the same address, the outbox round signs it with the passphrase held in memory only,
then uploads, registers and records the sign action on the real reference server with the same
SHA-256. Without the held passphrase (a restart) the entry waits (perlu tindakan) until the
official signs the waiting letters; a wrong passphrase at sync leaves it waiting with BSrE's
message and the same number, and the official can void it with a reason.

Before this change `IssuingService.issue` raised "Surat tidak ditandatangani ... tidak jadi
diterbitkan" and voided the number: each test here fails on the first `issue`."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
import requests

from desktop.domain.catalogue import Catalogue
from desktop.domain.workflow import State
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import Store
from desktop.services.intake import documents_folder
from desktop.services.issuing import (
    UNUSED_REASON,
    IssuingError,
    IssuingService,
    WaitingLetter,
    waiting_signatures,
)
from desktop.services.letter_numbers import LetterNumbers
from desktop.services.outbox import OutboxSender
from desktop.services.secrets import SecretStore
from desktop.services.senders import outbox_senders
from desktop.services.signature_sender import needs_secret_message, signature_senders
from desktop.services.signing import (
    BsreConfig,
    BsreSigner,
    SignatureStatus,
    SignRequest,
    verify_pdf,
)
from desktop.services.signing_secrets import HeldSecrets
from desktop.services.signing_setup import BsreCredentials
from desktop.settings import Settings
from tests.bsre_simulator import AUTH, BsreSimulator, bsre_simulator
from tests.desktop.support import MemoryKeyring
from tests.desktop.test_issuing import (
    DOMISILI,
    OFFICIAL,
    Desk,
    open_desk,
    operator_session,
)
from tests.live_server import LiveServer
from tests.signing_ca import Pki, make_pki

NIK = "1471015505850003"
PASSPHRASE = "Rahasia-Lurah#2024"
"""Distinctive, so grepping the store file and the log for it means something."""


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def bsre(pki: Pki) -> Iterator[tuple[int, Pki]]:
    """A free port the simulator will use; it is not running yet (BSrE unreachable)."""
    with bsre_simulator(pki, {NIK: (PASSPHRASE, pki.valid)}) as sim:
        port = int(sim.url.rsplit(":", 1)[1])
    yield port, pki


def start(bsre: tuple[int, Pki]) -> AbstractContextManager[BsreSimulator]:
    """The simulator back on the same address (BSrE reachable again)."""
    port, ca = bsre
    return bsre_simulator(ca, {NIK: (PASSPHRASE, ca.valid)}, port=port)


def url(bsre: tuple[int, Pki]) -> str:
    return f"http://127.0.0.1:{bsre[0]}"


@pytest.fixture
def desk(live_server: LiveServer, tmp_path: Path, catalogue: Catalogue) -> Iterator[Desk]:
    d = open_desk(live_server, "lurah1", tmp_path / "a.sqlite3", catalogue)
    d.issuing.secrets = HeldSecrets()  # this test's process-wide holder
    yield d
    d.store.close()
    d.api.close()


def sender_for(desk: Desk, store: Store, bsre_url: str, secrets: HeldSecrets) -> OutboxSender:
    """The session's outbox sender, its SIGNATURE sender reading this PC's BSrE settings and
    the keyring's client credentials (in memory here)."""
    credentials = BsreCredentials(SecretStore(MemoryKeyring()))
    credentials.save(bsre_url, *AUTH)
    settings = Settings(sign_method="bsre", bsre_url=bsre_url, bsre_api="v1")
    return OutboxSender(
        desk.apps,
        store,
        senders={
            **outbox_senders(desk.api, store, desk.apps),
            **signature_senders(
                store, settings=lambda: settings, credentials=credentials, secrets=secrets
            ),
        },
    )


def bsre_signer(bsre_url: str) -> BsreSigner:
    return BsreSigner(BsreConfig(bsre_url, auth=AUTH, timeout=10))


def request(passphrase: str = PASSPHRASE) -> SignRequest:
    return SignRequest(
        verification_url="", signer_name=OFFICIAL.name, nik=NIK, passphrase=passphrase
    )


def rows(store: Store) -> list[tuple[str, str]]:
    found = store.read(
        lambda c: c.exec_driver_sql("SELECT kind, state FROM outbox ORDER BY seq").all()
    )
    return [(str(k), str(s)) for k, s in found]


def issued_items(desk: Desk, app_id: str) -> list[dict[str, object]]:
    items = desk.api.get_json(f"/applications/{app_id}/issued")["items"]
    assert isinstance(items, list)
    return items


def store_bytes(path: Path) -> bytes:
    """The store file and its write-ahead log, as they are on disk."""
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


def test_offline_bsre_waits_then_signs_at_sync(
    desk: Desk,
    live_server: LiveServer,
    bsre: tuple[int, Pki],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    detail = desk.validated(operator_session(live_server), DOMISILI[0])
    secrets = desk.issuing.secrets

    # BSrE down: numbered once, kept unsigned, one SIGNATURE entry, nothing voided.
    letter = desk.issuing.issue(detail, bsre_signer(url(bsre)), request(), official=OFFICIAL)
    assert isinstance(letter, WaitingLetter), letter
    assert letter.message == (
        f"Surat nomor {letter.number.formatted} menunggu tanda tangan elektronik; akan "
        "ditandatangani saat layanan BSrE terjangkau."
    )
    assert letter.number.source == "server" and letter.secret_held
    assert letter.path.read_bytes().startswith(b"%PDF-")
    assert not verify_pdf(letter.path.read_bytes(), []).signatures  # unsigned
    assert rows(desk.store) == [(EntryKind.SIGNATURE.value, EntryState.WAITING.value)]
    assert issued_items(desk, detail.id) == []  # no number registered void

    # A second Tandatangani takes no second number.
    with pytest.raises(IssuingError) as twice:
        desk.issuing.issue(detail, bsre_signer(url(bsre)), request(), official=OFFICIAL)
    assert twice.value.message == letter.message
    assert len(rows(desk.store)) == 1

    sender = sender_for(desk, desk.store, url(bsre), secrets)
    report = sender.send_due()  # still down: coba lagi, the passphrase kept in memory
    assert report.retry == [letter.transaction_id]
    assert rows(desk.store) == [(EntryKind.SIGNATURE.value, EntryState.RETRY.value)]
    assert secrets.get(letter.transaction_id) == PASSPHRASE

    with start(bsre) as sim:
        sender.retry_now()
        report = sender.send_due()
        assert not (report.retry or report.refused or report.needs_action), report.reasons
        assert len(sim.requests) == 1 and sim.requests[0]["nik"] == NIK

    assert rows(desk.store) == [
        (EntryKind.SIGNATURE.value, EntryState.SENT.value),
        (EntryKind.DOCUMENT.value, EntryState.SENT.value),
        (EntryKind.ISSUED.value, EntryState.SENT.value),
        (EntryKind.DECISION.value, EntryState.SENT.value),
    ]
    assert len(secrets) == 0 and not letter.path.exists()
    signed_files = list((documents_folder(desk.store.path) / detail.id).glob("*.pdf"))
    assert len(signed_files) == 1
    pdf = signed_files[0].read_bytes()
    sha = hashlib.sha256(pdf).hexdigest()
    check = verify_pdf(pdf, [bsre[1].root.cert])
    assert check.status is SignatureStatus.VALID, check.message

    public = requests.get(
        f"{live_server.url}/verify/{letter.code}", params={"format": "json"}, timeout=30
    ).json()
    assert public["status"] == "valid" and public["sha256"] == sha
    assert public["number"] == letter.number.formatted
    assert desk.apps.fetch_detail(detail.id).status is State.SIGNED
    raw = desk.api.get_json(f"/applications/{detail.id}")
    sign = [h for h in raw["history"] if h["action"] == "sign"]
    assert sign[-1]["details"]["document"]["sha256"] == sha
    assert [d["sha256"] for d in raw["documents"]].count(sha) == 1
    items = issued_items(desk, detail.id)
    assert len(items) == 1 and items[0]["letter_number"] == letter.number.formatted

    # The secret never reached the disk nor the log.
    desk.store.read(lambda c: c.exec_driver_sql("PRAGMA wal_checkpoint(FULL)").all())
    assert PASSPHRASE.encode() not in store_bytes(desk.store.path)
    assert PASSPHRASE not in caplog.text
    assert all(PASSPHRASE not in r.getMessage() for r in caplog.records)


def test_after_a_restart_it_waits_for_the_passphrase(
    desk: Desk, live_server: LiveServer, bsre: tuple[int, Pki], catalogue: Catalogue
) -> None:
    detail = desk.validated(operator_session(live_server), DOMISILI[0])
    letter = desk.issuing.issue(detail, bsre_signer(url(bsre)), request(), official=OFFICIAL)
    assert isinstance(letter, WaitingLetter)
    path = desk.store.path
    desk.store.close()

    # The app restarted: a new store object, a new process-wide holder (nothing held).
    store = Store(path)
    try:
        secrets = HeldSecrets()
        numbers = LetterNumbers(
            desk.api, store, office_code=desk.user.office.code, user_id=desk.user.id
        )
        issuing = IssuingService(
            desk.api, store, numbers, catalogue=catalogue, user_id=desk.user.id
        )
        issuing.secrets = secrets
        sender = sender_for(desk, store, url(bsre), secrets)
        with start(bsre):
            report = sender.send_due()
            assert report.needs_action == [letter.transaction_id]
            assert rows(store) == [(EntryKind.SIGNATURE.value, EntryState.NEEDS_ACTION.value)]
            [pending] = waiting_signatures(store, user_id=desk.user.id)
            assert pending.reason == needs_secret_message(letter.number.formatted, False)
            assert pending.letter_number == letter.number.formatted

            outcome = issuing.sign_waiting(bsre_signer(url(bsre)), passphrase=PASSPHRASE)
            assert [n for n, _kept in outcome.signed] == [letter.number.formatted]
            assert not (outcome.waiting or outcome.refused)
        report = sender.send_due()
        assert not (report.retry or report.refused or report.conflicts), report.reasons
        assert [s for _k, s in rows(store)] == [EntryState.SENT.value] * 4
        assert desk.apps.fetch_detail(detail.id).status is State.SIGNED
        [item] = issued_items(desk, detail.id)
        assert item["letter_number"] == letter.number.formatted and item["status"] == "valid"
        desk.store = store  # closed by the fixture
    except BaseException:
        store.close()
        raise


def test_a_wrong_passphrase_at_sync_waits_with_bsre_message_then_voids(
    desk: Desk, live_server: LiveServer, bsre: tuple[int, Pki]
) -> None:
    detail = desk.validated(operator_session(live_server), DOMISILI[0])
    secrets = desk.issuing.secrets
    letter = desk.issuing.issue(
        detail, bsre_signer(url(bsre)), request("salah-ketik"), official=OFFICIAL
    )
    assert isinstance(letter, WaitingLetter)
    sender = sender_for(desk, desk.store, url(bsre), secrets)
    with start(bsre) as sim:
        report = sender.send_due()
        assert report.needs_action == [letter.transaction_id]
        assert len(sim.requests) == 1
        report = sender.send_due()  # a refused passphrase is never sent again by itself
        assert len(sim.requests) == 1 and not report.needs_action
    [pending] = waiting_signatures(desk.store)
    assert pending.state is EntryState.NEEDS_ACTION
    assert "Passphrase sertifikat elektronik salah" in pending.reason
    assert letter.number.formatted in pending.reason
    assert pending.letter_number == letter.number.formatted  # the number kept
    assert secrets.get(letter.transaction_id) is None
    assert issued_items(desk, detail.id) == []

    desk.issuing.void_waiting(pending, "passphrase pejabat terblokir")
    report = sender.send_due()
    assert not (report.retry or report.refused), report.reasons
    [item] = issued_items(desk, detail.id)
    assert item["status"] == "void" and item["letter_number"] == letter.number.formatted
    assert item["void_reason"] == "passphrase pejabat terblokir"
    assert desk.apps.fetch_detail(detail.id).status is State.VALIDATED
    assert waiting_signatures(desk.store) == []


def test_a_refusal_while_bsre_is_reachable_keeps_the_old_handling(
    desk: Desk, live_server: LiveServer, bsre: tuple[int, Pki]
) -> None:
    """ "Pengguna tidak terdaftar" is BSrE answering: nothing waits, the number is voided."""
    detail = desk.validated(operator_session(live_server), DOMISILI[0])
    with start(bsre), pytest.raises(IssuingError) as refused:
        desk.issuing.issue(
            detail,
            bsre_signer(url(bsre)),
            SignRequest(verification_url="", signer_name=OFFICIAL.name, nik="1" * 16,
                        passphrase=PASSPHRASE),
            official=OFFICIAL,
        )  # fmt: skip
    assert "tidak terdaftar" in refused.value.message and UNUSED_REASON in refused.value.message
    assert waiting_signatures(desk.store) == []
    assert [k for k, _s in rows(desk.store)] == [EntryKind.ISSUED.value]
