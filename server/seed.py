"""Demo data: Kota Pekanbaru's offices, staff for every role, and N applications.

Deterministic for a given `--seed` (ids, people, services, states, history); times are laid
out backwards from the moment of seeding: finished work over the last months, open work within
days of it (a realistic share overdue), so SLA deadlines and queue ages look current.
Inserts are bulk (`session.execute(insert(...), rows)`), in chunks, so 100,000 applications
take well under a few minutes. Specimen scans are generated once per document type and shared.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from desktop.domain.catalogue import Catalogue, Service
from desktop.domain.identity import encode_kk, encode_nik
from desktop.domain.numbering import format_registration_number
from desktop.domain.wilayah import get_wilayah
from server import audit, counters, seed_counter
from server.config import Settings
from server.db import Database
from server.demo import (
    DEMO_NIPS,
    DEMO_PASSWORD,
    DEMO_URL,
    DEMO_USERS,
    DINAS,
    KECAMATAN,
    KELURAHAN,
)
from server.models import Application, Base, Document, HistoryEntry, Office, User
from server.names import STREETS, person_name
from server.security import hash_password
from server.seed_counter import ServiceData
from server.specimens import specimen
from server.state import local_zone

CITY = "14.71"
DINAS_NAME = "Dinas Kependudukan dan Pencatatan Sipil Kota Pekanbaru"
MIGRANT_REGIONS = ("13.71", "13.06", "12.71", "12.12", "14.01", "14.06", "31.71", "33.74", "35.78")
"""Where NIKs of people who moved to Pekanbaru were first issued (Padang, Agam, Medan, Toba,
Kampar, Rokan Hulu, Jakarta Pusat, Semarang, Surabaya)."""
PORTAL = "portal"
CHUNK = 5000
DAYS_BACK = 180

# Final state -> weight. About a third of the demo queue is still open, as at a busy counter.
FINAL_STATES = {
    "completed": 52,
    "rejected": 7,
    "cancelled": 5,
    "draft": 3,
    "submitted": 12,
    "needs_revision": 5,
    "verified": 7,
    "validated": 4,
    "signed": 5,
}
CLOSED_STATES = frozenset({"completed", "rejected", "cancelled"})
OVERDUE_SHARE = 0.15
"""Share of open, submitted applications that are past their SLA when the demo is seeded."""
OFFICE_OPEN = 7.5
OFFICE_HOURS = 8.5
"""Counter hours, local time: 07:30 to 16:00."""


@dataclass
class Staff:
    """Who acts for an office in the demo history."""

    operator: str
    verifier: str
    validator: str


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def reset_database(settings: Settings) -> None:
    """Drop every table (and the migration marker) and the document store."""
    db = Database(settings)
    try:
        Base.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        db.dispose()
    if settings.blob_dir.exists():
        shutil.rmtree(settings.blob_dir)


def _offices() -> list[dict[str, Any]]:
    wilayah = get_wilayah()
    rows = [
        {
            "code": CITY,
            "name": DINAS_NAME,
            "level": "dinas",
            "parent_code": None,
            "unit": "Disdukcapil",
            "letter_pattern": None,
        }
    ]
    for kec in wilayah.children(CITY):
        rows.append(
            {
                "code": kec.code,
                "name": f"Kecamatan {kec.name}",
                "level": "kecamatan",
                "parent_code": CITY,
                "unit": "Kec." + kec.name.replace(" ", ""),
                "letter_pattern": None,
            }
        )
        for kel in wilayah.children(kec.code):
            rows.append(
                {
                    "code": kel.code,
                    "name": f"Kelurahan {kel.name}",
                    "level": "kelurahan",
                    "parent_code": kec.code,
                    "unit": "Kel." + kel.name.replace(" ", ""),
                    "letter_pattern": None,
                }
            )
    return rows


def _users(
    offices: list[dict[str, Any]], password_hash: str, now: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], dict[str, Staff]]:
    """Demo accounts plus a counter operator for every kecamatan and kelurahan and a lurah
    (verifier + validator of kelurahan letters) for every kelurahan."""
    users: list[dict[str, Any]] = []
    by_name: dict[str, str] = {}

    def add(
        username: str, full_name: str, roles: list[str], office: str, disabled: bool = False
    ) -> None:
        if username in by_name:
            return
        user_id = _uuid(rng)
        by_name[username] = user_id
        users.append(
            {
                "id": user_id,
                "username": username,
                "full_name": full_name,
                "password_hash": password_hash,
                "roles": roles,
                "office_code": office,
                "disabled": disabled,
                "created_at": now,
                "failed_count": 0,
                "nip": DEMO_NIPS.get(username),
            }
        )

    for demo in DEMO_USERS:
        add(demo.username, demo.full_name, list(demo.roles), demo.office_code)
    demo_by_office: dict[tuple[str, str], str] = {}
    for demo in DEMO_USERS:
        for role in demo.roles:
            demo_by_office.setdefault((demo.office_code, role), demo.username)
    staff: dict[str, Staff] = {}
    for office in offices:
        code, level = office["code"], office["level"]
        digits = code.replace(".", "")
        if level == "dinas":
            continue
        operator = demo_by_office.get((code, "operator"))
        if operator is None:
            operator = f"op{digits}"
            sex = rng.choice("LP")
            add(operator, person_name(rng, sex), ["operator"], code)
        verifier, validator = "verifier1", "validator1"
        if level == "kelurahan":
            lurah = demo_by_office.get((code, "validator"))
            if lurah is None:
                lurah = f"lurah{digits}"
                add(lurah, person_name(rng, rng.choice("LP")), ["validator", "verifier"], code)
            verifier = validator = lurah
        staff[code] = Staff(operator, verifier, validator)
    add(f"op{DINAS.replace('.', '')}", person_name(rng, rng.choice("LP")), ["operator"], DINAS)
    # Online applications are created by the citizen portal's service account (no log-in).
    add(PORTAL, "Portal Layanan Online", ["operator"], DINAS, disabled=True)
    staff[DINAS] = Staff(f"op{DINAS.replace('.', '')}", "verifier1", "validator1")
    staff[PORTAL] = Staff(PORTAL, "verifier1", "validator1")
    return users, {code: _resolve(s, by_name) for code, s in staff.items()}


def _resolve(staff: Staff, by_name: dict[str, str]) -> Staff:
    return Staff(by_name[staff.operator], by_name[staff.verifier], by_name[staff.validator])


def _place_name(region: Any) -> str:
    """How a birth place is written: the city or regency's name ("Kota Padang" -> "Padang")."""
    name = str(region.name) if region is not None else "Pekanbaru"
    for prefix in ("Kota Administrasi ", "Kabupaten Administrasi ", "Kota ", "Kabupaten "):
        name = name.removeprefix(prefix)
    return name


def _path(rng: random.Random, final: str) -> list[str]:
    """Actions that lead from creation to `final`, with the odd revision round."""
    revise = rng.random() < 0.15
    lead = ["submit", "request_revision", "resubmit"] if revise else ["submit"]
    paths = {
        "draft": [],
        "submitted": lead,
        "needs_revision": ["submit", "request_revision"],
        "verified": [*lead, "verify"],
        "validated": [*lead, "verify", "validate"],
        "signed": [*lead, "verify", "validate", "sign"],
        "completed": [*lead, "verify", "validate", "sign", "deliver"],
        "rejected": [*lead, "reject"] if rng.random() < 0.6 else [*lead, "verify", "reject"],
        "cancelled": ["discard"]
        if rng.random() < 0.5
        else ["submit", "request_revision", "cancel"],
    }
    return paths[final]


TRANSITIONS = {
    ("draft", "submit"): "submitted",
    ("draft", "discard"): "cancelled",
    ("submitted", "verify"): "verified",
    ("submitted", "request_revision"): "needs_revision",
    ("submitted", "reject"): "rejected",
    ("needs_revision", "resubmit"): "submitted",
    ("needs_revision", "cancel"): "cancelled",
    ("verified", "validate"): "validated",
    ("verified", "request_revision"): "needs_revision",
    ("verified", "reject"): "rejected",
    ("validated", "sign"): "signed",
    ("signed", "deliver"): "completed",
}
ACTOR_ROLE = {
    "submit": "operator",
    "discard": "operator",
    "resubmit": "operator",
    "cancel": "operator",
    "deliver": "operator",
    "verify": "verifier",
    "validate": "validator",
    "sign": "validator",
}
REASONS = {
    "request_revision": (
        "Foto KK buram, mohon pindai ulang.",
        "Nama pada KTP-el berbeda dengan KK; lampirkan surat keterangan.",
        "Surat pengantar RT/RW belum ditandatangani.",
    ),
    "reject": (
        "Pemohon tidak berdomisili di wilayah ini.",
        "Dokumen persyaratan tidak sah.",
        "Permohonan ganda; sudah diproses dengan nomor lain.",
    ),
}


@dataclass(frozen=True)
class Showcase:
    """An application made on purpose at operator1's office (`KELURAHAN`), so the demo shows
    the counter's day whatever the random draw: its service, final state and path, and the
    notes per requirement of a return for revision."""

    service: str
    final: str
    path: tuple[str, ...]
    notes: tuple[tuple[str, str], ...] = ()


SHOWCASE = (
    Showcase(
        "SK-DOMISILI",
        "needs_revision",
        ("submit", "request_revision"),
        (
            ("SURAT-PENGANTAR-RT-RW", "Surat pengantar RT/RW belum ditandatangani Ketua RW."),
            ("KTP-EL", "Pindaian KTP-el terpotong di sisi kanan; mohon pindai ulang."),
        ),
    ),
    Showcase("SKTM", "signed", ("submit", "verify", "validate", "sign")),
)
"""The last applications of a seed (when it makes at least `SHOWCASE_MIN`): a returned one
with reasons per requirement and a signed one ready to hand over. The first one's public
status link is printed with the demo accounts."""
SHOWCASE_MIN = 20
"""Fewer applications (test fixtures) are all drawn at random, as before."""


class _Generator:
    def __init__(
        self,
        rng: random.Random,
        catalogue: Catalogue,
        offices: list[dict[str, Any]],
        staff: dict[str, Staff],
        usernames: dict[str, str],
        blobs: dict[str, Any],
        end: datetime,
        zone: Any,
        extra: random.Random,
    ) -> None:
        self.rng = rng
        self.extra = extra
        """The counter's fields (`seed_counter`) draw from here, so `rng` - and with it every
        application, person and state of a seed - is the same as before they existed."""
        self.catalogue = catalogue
        self.staff = staff
        self.usernames = usernames
        self.blobs = blobs
        self.zone = zone
        self.end = end.astimezone(UTC)
        self.services = list(catalogue.services.values())
        self.service_weights = [
            6
            if s.code
            in (
                "KK-KTPEL-WNI",
                "AKTA-LAHIR",
                "KIA",
                "PINDAH-KELUAR",
                "SK-DOMISILI",
                "SKTM",
                "PENGANTAR-SKCK",
            )
            else 1
            for s in self.services
        ]
        self.by_level: dict[str, list[dict[str, Any]]] = {}
        for office in offices:
            self.by_level.setdefault(office["level"], []).append(office)
        wilayah = get_wilayah()
        self.city_kecamatan = [r.code for r in wilayah.children(CITY)]
        self.migrant_kecamatan = [r.code for c in MIGRANT_REGIONS for r in wilayah.children(c)]
        self.kelurahan_names = {
            o["code"]: o["name"].removeprefix("Kelurahan ")
            for o in offices
            if o["level"] == "kelurahan"
        }
        self.birth_places = {
            kec: _place_name(wilayah.lookup(kec[:5]))
            for kec in [*self.city_kecamatan, *self.migrant_kecamatan]
        }
        away = [
            v.code.replace(".", "")
            for c in self.migrant_kecamatan[::7]
            for v in wilayah.children(c)
        ]
        self.service_data = ServiceData(extra, self.city_kecamatan, away)
        self.showcase_tokens: list[str] = []
        self.reg_counts: dict[date, int] = {}
        by_code = {o["code"]: o for o in offices}
        self.by_code = by_code
        self.demo_offices = {"kelurahan": by_code[KELURAHAN], "kecamatan": by_code[KECAMATAN]}

    def _office(self, service: Service) -> tuple[dict[str, Any], str]:
        rng = self.rng
        if (
            service.category == "adminduk"
            and "dinas" in service.intake_levels
            and rng.random() < 0.15
        ):
            return self.by_level["dinas"][0], "online"
        levels = [lv for lv in ("kelurahan", "kecamatan", "dinas") if lv in service.intake_levels]
        weights = [{"kelurahan": 6, "kecamatan": 3, "dinas": 2}[lv] for lv in levels]
        level = rng.choices(levels, weights=weights)[0]
        # The demo accounts' own offices get a busy share, so every demo log-in sees a queue.
        if level in self.demo_offices and rng.random() < 0.12:
            return self.demo_offices[level], "counter"
        return rng.choice(self.by_level[level]), "counter"

    def _person(
        self, service: Service, created: datetime, office: dict[str, Any]
    ) -> dict[str, Any]:
        """The applicant as the counter records them. The draws from `rng` keep their order
        (a seed's people stay who they were); what they pick is made consistent afterwards:
        a kelurahan's applicant lives in it, a NIK first issued in Pekanbaru and the KK carry
        the home kecamatan, the birth place is the NIK's city or regency."""
        rng = self.rng
        sex = rng.choice("LP")
        child = service.code in ("KIA", "AKTA-LAHIR")
        age_days = rng.randint(30, 16 * 365) if child else rng.randint(17 * 365, 80 * 365)
        birth = created.date() - timedelta(days=age_days)
        from_city = rng.random() < 0.8
        region = rng.choice(self.city_kecamatan if from_city else self.migrant_kecamatan)
        nik_serial = rng.randint(1, 9999)
        kk_day = created.date() - timedelta(days=rng.randint(30, 15 * 365))
        rng.choice(self.city_kecamatan)  # the KK's area before it followed the home
        kk_serial = rng.randint(1, 9999)
        name = person_name(rng, sex)
        kel_code = rng.choice(list(self.kelurahan_names))
        if office["level"] == "kelurahan":
            kel_code = office["code"]
        home = kel_code[:8]
        if from_city:
            region = home
        nik = encode_nik(region, birth, sex, nik_serial)  # type: ignore[arg-type]
        kk = encode_kk(home, kk_day, kk_serial)
        address = f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}"
        rt, rw = rng.randint(1, 12), rng.randint(1, 15)
        phone = "+62" + (
            rng.choice(("812", "813", "852", "853", "878", "821"))
            + f"{rng.randint(0, 99_999_999):08d}"
        )
        email = None
        if rng.random() < 0.3:
            local = name.lower().replace(" ", ".").replace(",", "")
            email = f"{local}{rng.randint(1, 99)}@{rng.choice(('gmail.com', 'yahoo.co.id'))}"
        return {
            "nik": nik,
            "name": name,
            "birth_date": birth,
            "sex": sex,
            "kk_number": kk,
            "phone": phone,
            "email": email,
            "address": address,
            "birth_place": self.birth_places[region],
            "rt": f"{rt:03d}",
            "rw": f"{rw:03d}",
            "village_code": kel_code.replace(".", ""),
        }

    def _office_hours(self, moment: datetime) -> datetime:
        """`moment`, or the latest earlier time within counter hours (07:30-16:00 local)."""
        local = moment.astimezone(self.zone)
        opening = local.replace(hour=7, minute=30, second=0, microsecond=0)
        closing = opening + timedelta(hours=OFFICE_HOURS)
        if local < opening:
            closing -= timedelta(days=1)
        elif local <= closing:
            return moment
        late = timedelta(minutes=self.rng.randint(5, 90))
        return (closing - late).astimezone(UTC)

    def _step(self, action: str) -> timedelta:
        if action in ("submit", "discard"):
            return timedelta(minutes=self.rng.randint(2, 30))
        return timedelta(hours=self.rng.uniform(0.5, 30))

    def _closed_times(self, path: list[str]) -> tuple[datetime, list[datetime]]:
        """Finished work: created on any day of the last months, during counter hours."""
        rng = self.rng
        day = self.end - timedelta(days=rng.randint(2, DAYS_BACK))
        local = day.astimezone(self.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        hours = OFFICE_OPEN + rng.random() * OFFICE_HOURS
        created = (local + timedelta(hours=hours)).astimezone(UTC)
        moments, moment = [], created
        for action in path:
            moment = min(moment + self._step(action), self.end - timedelta(minutes=1))
            moments.append(moment)
        return created, moments

    def _open_times(
        self, path: list[str], service: Service, channel: str, *, may_be_late: bool = True
    ) -> tuple[datetime, list[datetime]]:
        """Work in progress is recent: the last (re)submission lies within the service's SLA,
        except for `OVERDUE_SHARE` of them, which are a few hours to some days late."""
        rng = self.rng
        counter = channel == "counter"
        if not path:  # a draft, started today or yesterday
            created = self.end - timedelta(hours=rng.uniform(0.2, 30))
            return (self._office_hours(created) if counter else created), []
        last = max(i for i, a in enumerate(path) if a in ("submit", "resubmit"))
        sla = timedelta(hours=service.sla_hours)
        if may_be_late and rng.random() < OVERDUE_SHARE:
            late = timedelta(hours=1 + min(rng.expovariate(1 / 36), 10 * 24))
            anchor = self.end - sla - late
            if counter:
                anchor = self._office_hours(anchor)
        else:
            anchor = self.end - min(sla, timedelta(days=14)) * rng.uniform(0.05, 0.9)
            snapped = self._office_hours(anchor) if counter else anchor
            if snapped + sla > self.end:
                anchor = snapped
        moments = [anchor] * len(path)
        for i in range(last - 1, -1, -1):
            moments[i] = moments[i + 1] - self._step(path[i + 1])
        created = moments[0] - self._step(path[0])
        later = sorted(rng.uniform(0.05, 0.95) for _ in range(len(path) - 1 - last))
        for i, fraction in enumerate(later, start=last + 1):
            moments[i] = anchor + (self.end - anchor) * fraction
        return created, moments

    def application(
        self, showcase: Showcase | None = None
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        notes: dict[str, str] | None = None
        if showcase is None:
            service = rng.choices(self.services, weights=self.service_weights)[0]
            office, channel = self._office(service)
        else:
            service = self.catalogue.services[showcase.service]
            office, channel = self.by_code[KELURAHAN], "counter"
            notes = dict(showcase.notes) or None
        staff = self.staff.get(office["code"]) or self.staff[DINAS]
        if service.category == "adminduk":
            staff = Staff(staff.operator, self.staff[DINAS].verifier, self.staff[DINAS].validator)
        if showcase is None:
            final = rng.choices(list(FINAL_STATES), weights=list(FINAL_STATES.values()))[0]
            path = _path(rng, final)
        else:
            final, path = showcase.final, list(showcase.path)
        if final in CLOSED_STATES:
            created, moments = self._closed_times(path)
        else:
            created, moments = self._open_times(
                path, service, channel, may_be_late=showcase is None
            )
        app_id = _uuid(rng)
        actor_ids = {
            "operator": staff.operator,
            "verifier": staff.verifier,
            "validator": staff.validator,
        }
        portal = self.staff[PORTAL].operator if channel == "online" else staff.operator
        history: list[dict[str, Any]] = []
        moment = created
        status = "draft"

        def entry(
            action: str,
            from_s: str | None,
            to_s: str,
            role: str,
            reason: str | None = None,
            checklist: list[dict[str, Any]] | None = None,
        ) -> None:
            history.append(
                {
                    "id": _uuid(rng),
                    "application_id": app_id,
                    "position": len(history) + 1,
                    "action": action,
                    "from_status": from_s,
                    "to_status": to_s,
                    "actor_id": portal
                    if action in ("create", "submit", "resubmit")
                    else actor_ids[role],
                    "role": role,
                    "office_code": office["code"],
                    "device_id": None,
                    "device_time": None,
                    "server_time": moment,
                    "reason": reason,
                    "checklist": checklist,
                    "details": None,
                    "transaction_id": None,
                }
            )

        entry("create", None, "draft", "operator")
        submitted_at = due_at = None
        registration = None
        for action, moment in zip(path, moments, strict=True):
            target = TRANSITIONS[(status, action)]
            role = ACTOR_ROLE.get(action) or ("verifier" if status == "submitted" else "validator")
            reason = rng.choice(REASONS[action]) if action in REASONS else None
            checklist = None
            if action == "request_revision":
                # As the verifier's desktop sends it: notes per requirement, the route
                # making the reason of them.
                checklist, reason = seed_counter.checklist(self.extra, service.requirements, notes)
            entry(action, status, target, role, reason, checklist)
            status = target
            if action in ("submit", "resubmit"):
                submitted_at = moment
                due_at = moment + timedelta(hours=service.sla_hours)
                if registration is None:
                    day = moment.astimezone(self.zone).date()
                    number = self.reg_counts.get(day, 0) + 1
                    self.reg_counts[day] = number
                    registration = format_registration_number(
                        office["code"].replace(".", "")[:4], day, number
                    )
        person = self._person(service, created, office)
        for item in history:
            if item["action"] == "deliver":
                item["details"] = seed_counter.handover(person)
        token = seed_counter.status_token(self.extra)
        if showcase is not None:
            self.showcase_tokens.append(token)
        app = {
            "id": app_id,
            "registration_number": registration,
            "provisional_number": None,
            "service_code": service.code,
            "status": status,
            "version": len(history),
            "office_code": office["code"],
            "channel": channel,
            **person,
            "created_at": created,
            "updated_at": moment,
            "submitted_at": submitted_at,
            "due_at": due_at,
            "expected_date": due_at.astimezone(self.zone).date() if due_at else None,
            "data": self.service_data.make(service, person, created.astimezone(self.zone).date()),
            "status_token": token,
            "created_by": portal,
            "create_hash": None,
            "claim_user_id": None,
            "claim_expires_at": None,
            "seq": 0,
        }
        documents = []
        uploader = self.usernames[staff.operator]
        for req in service.requirements:
            if not req.mandatory and rng.random() > 0.3:
                continue
            blob = self.blobs[req.document_code]
            documents.append(
                {
                    "id": _uuid(rng),
                    "application_id": app_id,
                    "requirement_code": req.document_code,
                    "filename": f"{req.document_code.lower()}{blob['ext']}",
                    "content_type": blob["content_type"],
                    "size": blob["size"],
                    "sha256": blob["sha256"],
                    "uploaded_at": created + timedelta(minutes=1),
                    "uploaded_by": uploader,
                }
            )
        return app, history, documents


def _by_empty_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` with the same columns left empty side by side. The ORM's bulk insert leaves a
    None out of a row's parameters and runs one statement per run of rows with equal
    parameters, so rows mixing e.g. an e-mail and none became thousands of single-row
    INSERTs; grouped, a chunk is a few multi-row ones. (Every row's keys are in one order.)"""
    return sorted(rows, key=lambda row: [value is None for value in row.values()])


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def seed_database(
    settings: Settings,
    *,
    seed: int = 1,
    applications: int = 300,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Create offices, users and `applications` applications; returns what was made.

    Times are laid out backwards from `now` (the moment of seeding unless given): finished
    applications over the last months, open ones within days of it (see `_open_times`)."""
    db = Database(settings)
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    zone = local_zone(settings.timezone)
    from desktop.domain.catalogue import load_catalogue

    catalogue = load_catalogue(settings.region)
    report: dict[str, Any] = {"seed": seed, "password": DEMO_PASSWORD}
    try:
        with db.writing() as session:
            offices = _offices()
            existing_offices = set(session.execute(select(Office.code)).scalars())
            new_offices = [o for o in offices if o["code"] not in existing_offices]
            if new_offices:
                session.execute(insert(Office), new_offices)
            password_hash = hash_password(DEMO_PASSWORD)
            users, staff = _users(offices, password_hash, now, rng)
            existing_users = set(session.execute(select(User.username)).scalars())
            fresh = [u for u in users if u["username"] not in existing_users]
            if fresh:
                session.execute(insert(User), fresh)
            ids = {name: uid for name, uid in session.execute(select(User.username, User.id))}
            staff = {code: _resolve_ids(s, users, ids) for code, s in staff.items()}
            report["offices"] = len(offices)
            report["users"] = len(users)
            report["accounts"] = [
                {
                    "username": d.username,
                    "full_name": d.full_name,
                    "roles": list(d.roles),
                    "office_code": d.office_code,
                }
                for d in DEMO_USERS
            ]
            have = session.execute(select(func.count()).select_from(Application)).scalar_one()
            report["applications"] = 0
            if have or applications <= 0:
                report["skipped_applications"] = int(have)
                audit.append(session, "seed", at=now, details={"seed": seed, "applications": 0})
                return report
            status_tokens: list[str] = []
            made = _seed_applications(
                session,
                settings,
                catalogue,
                offices,
                staff,
                {v: k for k, v in ids.items()},
                rng,
                applications,
                zone,
                now,
                random.Random(f"loket-counter-{seed}"),
                status_tokens,
            )
            report["applications"] = made
            if status_tokens:
                base = (settings.public_url or DEMO_URL).rstrip("/")
                report["status_url"] = f"{base}/status/{status_tokens[0]}"
            audit.append(
                session,
                "seed",
                at=now,
                details={"seed": seed, "applications": made, "offices": len(offices)},
            )
    finally:
        db.dispose()
    return report


def _resolve_ids(staff: Staff, users: list[dict[str, Any]], ids: dict[str, str]) -> Staff:
    """Map generated ids to the ids stored (users may have existed before this run)."""
    by_id = {u["id"]: u["username"] for u in users}
    return Staff(*(ids[by_id[v]] for v in (staff.operator, staff.verifier, staff.validator)))


def _seed_applications(
    session: Session,
    settings: Settings,
    catalogue: Catalogue,
    offices: list[dict[str, Any]],
    staff: dict[str, Staff],
    usernames: dict[str, str],
    rng: random.Random,
    total: int,
    zone: Any,
    end: datetime,
    extra: random.Random,
    showcase_tokens: list[str],
) -> int:
    """Bulk-insert `total` applications; the last ones are the `SHOWCASE` (their status
    tokens go to `showcase_tokens`) when `total` >= `SHOWCASE_MIN`."""
    from server.blobs import BlobStore

    store = BlobStore(settings.blob_dir)
    blobs: dict[str, Any] = {}
    for code, doc_type in catalogue.document_types.items():
        data, content_type = specimen(code, doc_type.name)
        digest = store.put_bytes(data)
        blobs[code] = {
            "sha256": digest,
            "size": len(data),
            "content_type": content_type,
            "ext": ".png" if content_type == "image/png" else ".pdf",
        }
    gen = _Generator(rng, catalogue, offices, staff, usernames, blobs, end, zone, extra)
    showcase_from = total - len(SHOWCASE) if total >= SHOWCASE_MIN else total
    seq = counters.allocate(session, counters.SEQ, 0)
    for chunk in _chunks(total, CHUNK):
        apps, history, documents = [], [], []
        for i in chunk:
            showcase = SHOWCASE[i - showcase_from] if i >= showcase_from else None
            app, hist, docs = gen.application(showcase)
            seq += 1
            app["seq"] = seq
            apps.append(app)
            history.extend(hist)
            documents.extend(docs)
        session.execute(insert(Application), _by_empty_columns(apps))
        session.execute(insert(HistoryEntry), _by_empty_columns(history))
        if documents:
            session.execute(insert(Document), documents)
    counters.set_at_least(session, counters.SEQ, seq)
    showcase_tokens.extend(gen.showcase_tokens)
    for reg_day, number in gen.reg_counts.items():
        counters.set_at_least(
            session,
            counters.registration_counter(CITY.replace(".", ""), reg_day.isoformat()),
            number,
        )
    return total


def create_user(
    settings: Settings,
    *,
    username: str,
    password: str,
    roles: list[str],
    office_code: str,
    full_name: str,
) -> str:
    db = Database(settings)
    try:
        with db.writing() as session:
            if session.get(Office, office_code) is None:
                raise ValueError(
                    f"Kantor {office_code} tidak ada (jalankan seed atau buat kantor)."
                )
            if session.execute(select(User.id).where(User.username == username)).first():
                raise ValueError(f"Nama pengguna {username} sudah dipakai.")
            user_id = str(uuid.uuid4())
            now = datetime.now(UTC)
            session.add(
                User(
                    id=user_id,
                    username=username,
                    full_name=full_name,
                    password_hash=hash_password(password),
                    roles=list(dict.fromkeys(roles)),
                    office_code=office_code,
                    disabled=False,
                    created_at=now,
                    failed_count=0,
                )
            )
            session.flush()
            audit.append(
                session,
                "user_created",
                at=now,
                details={"user": user_id, "username": username, "roles": roles},
            )
            return user_id
    finally:
        db.dispose()


def print_accounts(report: dict[str, Any]) -> None:
    print(
        f"Data demo (seed {report['seed']}): {report['offices']} kantor, "
        f"{report['users']} pengguna, {report['applications']} permohonan baru."
    )
    if report.get("skipped_applications"):
        print(
            f"  (basis data sudah berisi {report['skipped_applications']} permohonan; "
            "pakai --reset untuk mengisi ulang)"
        )
    print(f"Akun demo (kata sandi semua: {report['password']}):")
    for acc in report["accounts"]:
        print(
            f"  {acc['username']:<12} {','.join(acc['roles']):<20} {acc['office_code']:<14} "
            f"{acc['full_name']}"
        )
    if report.get("status_url"):
        print(
            "Cek status seperti warga (permohonan yang perlu perbaikan, Kelurahan Jadirejo), "
            f"buka di peramban: {report['status_url']}"
        )


def specimen_digest(code: str, name: str) -> str:
    return hashlib.sha256(specimen(code, name)[0]).hexdigest()
