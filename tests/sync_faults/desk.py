"""One counter PC as the fault suite drives it: the real API client, store file, intake service
and OutboxSender with the intake senders, pointed at a URL (usually a fault proxy), with an
injected clock; and the one check every fault test ends with (`assert_nothing_lost`)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.domain.records import Applicant
from desktop.models import local_apps
from desktop.models.outbox import EntryState
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, UserInfo
from desktop.services.intake import IntakeService, LocalApplication, NewDocument
from desktop.services.intake_sender import intake_senders
from desktop.services.outbox import OutboxSender
from desktop.services.secrets import SecretStore
from tests.desktop.support import MemoryKeyring, Remote, new_nik

PASSWORD = "loket-demo"
SERVICE = "SK-DOMISILI"
REQUIREMENT = "SURAT-PENGANTAR-RT-RW"
TO_SEND = (EntryState.WAITING, EntryState.SENDING, EntryState.RETRY)


class Clock:
    """The desktop's clock, moved by the test (epoch seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def pdf(folder: Path, size: int = 2_000) -> Path:
    """A small file the server sniffs as PDF, with random bytes (so every hash differs)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"scan-{uuid.uuid4().hex[:8]}.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def applicant(name: str) -> Applicant:
    return Applicant(nik=new_nik(), name=name, sex="P", phone="081234567890", address="Jl. Riau")


@dataclass
class Made:
    """An application taken in on this PC and the SHA-256 of each of its documents."""

    app: LocalApplication
    hashes: list[str]


@dataclass
class Desk:
    api: ApiClient
    auth: AuthService
    user: UserInfo
    store: Store
    apps: ApplicationService
    intake: IntakeService
    outbox: OutboxSender
    clock: Clock
    made: list[Made] = field(default_factory=list)

    def take_in(self, folder: Path, docs: int = 1, size: int = 2_000, name: str = "") -> Made:
        files = [pdf(folder, size) for _ in range(docs)]
        app = self.intake.create(
            service_code=SERVICE,
            applicant=applicant(name or f"Uji Gangguan {uuid.uuid4().hex[:6]}"),
            documents=[NewDocument(f, REQUIREMENT) for f in files],
        )
        made = Made(app, [sha(f) for f in files])
        self.made.append(made)
        return made

    def unsent(self) -> list[Any]:
        return [e for e in self.store.outbox_entries() if e.state in TO_SEND]

    def drain(self, rounds: int = 30, step: float = 3600) -> int:
        """Rounds until nothing is left to send, moving the clock past every backoff; returns
        how many rounds it took."""
        for n in range(1, rounds + 1):
            self.outbox.send_due()
            if not self.unsent():
                return n
            self.clock.now += step
        raise AssertionError(f"outbox not empty: {self.unsent()}")

    def close(self) -> None:
        self.api.close()


def open_desk(
    url: str,
    store: Store,
    username: str = "operator1",
    *,
    password: str = PASSWORD,
    timeout: float = 5,
    clock: Clock | None = None,
    device_id: str | None = None,
) -> Desk:
    api = ApiClient(url, device_id=device_id or str(uuid.uuid4()), timeout=timeout)
    auth = AuthService(api, SecretStore(MemoryKeyring()))
    user = auth.sign_in(username, password)
    apps = ApplicationService(api, store)
    apps.my_user_id = user.id
    clock = clock or Clock()
    intake = IntakeService(
        store,
        office_code=user.office.code,
        device_code=user.device_code,
        user_id=user.id,
        clock=clock,
    )
    outbox = OutboxSender(
        apps, store, senders=intake_senders(api, store, apps=apps), clock=clock, rng=lambda: 0.5
    )
    return Desk(api, auth, user, store, apps, intake, outbox, clock)


def server_search(remote: Remote, text: str) -> list[dict[str, Any]]:
    r = remote.http.get(remote.api + "/applications", params={"q": text, "limit": "50"}, timeout=30)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def assert_on_server_once(remote: Remote, intake: IntakeService, made: Iterable[Made]) -> None:
    """Each application taken in is on the server exactly once, submitted, every document's
    SHA-256 equal, the provisional number mapped to the official one here."""
    for m in made:
        seen = remote.get(m.app.id)
        actions = [h["action"] for h in seen["history"]]
        assert actions.count("create") == 1 and actions.count("submit") == 1, actions
        assert seen["status"] == "submitted" and seen["registration_number"]
        assert sorted(d["sha256"] for d in seen["documents"]) == sorted(m.hashes)
        found = server_search(remote, m.app.provisional_number)
        assert [i["id"] for i in found] == [m.app.id]  # once, under its provisional number
        local = intake.get(m.app.id)
        assert local is not None and local.state == local_apps.SENT
        assert local.official_number == seen["registration_number"]


def assert_nothing_left(store: Store) -> None:
    """Nothing waiting, nothing stuck in mengirim; konflik/ditolak only where a test expects."""
    stuck = [e for e in store.outbox_entries() if e.state in TO_SEND]
    assert stuck == [], stuck
