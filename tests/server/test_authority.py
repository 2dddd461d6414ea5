"""The desktop's judgement of authority and the real server's, over HTTP, for a whole table.

For every role set (single roles and the multi-role people offices have), every office (dinas,
kecamatan, kelurahan; in and out of the application's scope) and three services (an adminduk
one, a kelurahan letter, and a letter whose catalogue entry overrides `tingkat_keputusan`), the
test asks `desktop.domain.authority` what the desktop would ask up front (from `/me` and the
catalogue, as the desktop has them), then the server's claim and decide endpoints, and requires
the same answer: allowed, or the same refusal in the same words.

- claim: `may_claim` is None <=> 200 (released again at once); otherwise 404 / 409
  `wrong_state` / 403 `role_not_allowed` with the refusal's message as `detail`;
- decide: `may_act` is None <=> 409 `claim_required` (allowed, but the person asking holds no
  claim, so nothing changes); otherwise the same refusal as for the claim.

The states are the deciding ones (where the catalogue narrows the workflow) for every service,
and signed / completed for the adminduk service (only the workflow and the scope count
there); out of scope, one claim and one decision per row suffice (the scope is judged first).
The domain tests judge every (state, action) against the rule in words; this test proves the
server's wiring (users, offices, catalogue, claims, HTTP) agrees with them.

Fast by construction: the session's harness server, five users whose roles the admin changes
between role sets (instead of forty log-ins), and one application per (service, state).
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from desktop.domain.authority import Actor, may_act, may_claim
from desktop.domain.catalogue import Catalogue, load_catalogue
from desktop.domain.workflow import Action, Refusal, RefusalCode, State
from tests.live_server import LiveServer
from tests.server.conftest import Api

S, A = State, Action
JADIREJO = "14.71.01.1002"
ROLE_SETS: tuple[tuple[str, ...], ...] = (
    ("operator",),
    ("verifier",),
    ("validator",),
    ("supervisor",),
    ("admin",),
    ("verifier", "validator"),  # a lurah, like lurah1
    ("operator", "verifier"),  # a small kelurahan: the counter also checks
    ("supervisor", "validator"),  # a kepala seksi who also signs
)
OFFICES = (
    "14.71",  # Disdukcapil Kota Pekanbaru (dinas)
    "14.71.01",  # Kecamatan Sukajadi, above Jadirejo
    JADIREJO,  # the kelurahan the applications were taken in at
    "14.71.02",  # Kecamatan Pekanbaru Kota: out of scope
    "14.71.01.1003",  # Kampung Tengah, a neighbouring kelurahan: out of scope
)
IN_SCOPE = frozenset(OFFICES[:3])
THREADS = 2  # applications checked side by side (more only queue for the database)
SERVICES = (
    "KK-KTPEL-WNI",  # adminduk: decided at the dinas
    "SKTM",  # kelurahan letter: at the kelurahan or above
    "SK-PINDAH",  # kelurahan letter with tingkat_keputusan = "kecamatan" (HARNESS_CATALOGUE)
)
DECIDING = (S.SUBMITTED, S.VERIFIED, S.VALIDATED)
"""Where the catalogue narrows the workflow: every service, every office."""
WORKFLOW_ONLY = (S.SIGNED, S.COMPLETED)
"""Where only the workflow's roles and the scope count: checked on the adminduk service."""
STATES = (*DECIDING, *WORKFLOW_ONLY)
ACTIONS: dict[State, Action] = {
    S.SUBMITTED: A.VERIFY,
    S.VERIFIED: A.VALIDATE,
    S.VALIDATED: A.SIGN,
    S.SIGNED: A.DELIVER,
    S.COMPLETED: A.DELIVER,  # an action the state does not have: wrong_state
}
"""The action asked in each state (the domain tests judge every action against the rule)."""
# The way to each state, from a submitted application (verifier1 and validator1 of the dinas
# decide all three services: the dinas is above every decision level).
PATHS: dict[State, tuple[tuple[str, Action], ...]] = {
    S.SUBMITTED: (),
    S.VERIFIED: (("verifier", A.VERIFY),),
    S.VALIDATED: (("verifier", A.VERIFY), ("validator", A.VALIDATE)),
    S.SIGNED: (("verifier", A.VERIFY), ("validator", A.VALIDATE), ("validator", A.SIGN)),
    S.COMPLETED: (
        ("verifier", A.VERIFY),
        ("validator", A.VALIDATE),
        ("validator", A.SIGN),
        ("operator", A.DELIVER),
    ),
}

Answer = tuple[int, str | None, str | None]
"""(HTTP status, problem code, problem detail when it is the refusal's message)."""


def answer(refusal: Refusal | None, allowed: Answer) -> Answer:
    """What the server must say for the domain's judgement."""
    if refusal is None:
        return allowed
    if refusal.code is RefusalCode.OUT_OF_SCOPE:
        return (404, "not_found", None)  # the server never says whether it exists
    status = 409 if refusal.code is RefusalCode.WRONG_STATE else 403
    return (status, refusal.code.value, refusal.message)


@dataclass
class App:
    id: str
    service: str
    state: State
    version: int


class Http:
    """One `requests.Session` per thread; each call names whose token it carries."""

    def __init__(self, server: LiveServer) -> None:
        self.api = server.api
        self._local = threading.local()

    def send(self, token: str, method: str, path: str, **kw: Any) -> requests.Response:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        headers = {"Authorization": "Bearer " + token}
        return session.request(method, self.api + path, headers=headers, timeout=60, **kw)


def seen(r: requests.Response, detail: str | None) -> Answer:
    if r.status_code in (200, 204):
        return (r.status_code, None, None)
    body = r.json()
    return (r.status_code, body["code"], body["detail"] if detail is not None else None)


def prepare(server: LiveServer) -> list[App]:
    """One application per (service, state) of the table, taken in at Jadirejo, unclaimed."""
    operator = Api(server, "operator1", "loket-demo")
    deciders = {
        "verifier": Api(server, "verifier1", "loket-demo"),
        "validator": Api(server, "validator1", "loket-demo"),
        "operator": operator,
    }

    def make(service: str, state: State) -> App:
        app = operator.create(service_code=service)
        version = app["version"]
        for who, action in PATHS[state]:
            api = deciders[who]
            api.claim(app["id"])
            result = api.act(app["id"], action.value, version)
            version = result["application"]["version"]
            if result["application"]["claim"] is not None:  # validate keeps it for signing
                assert api.delete(f"/applications/{app['id']}/claim").status_code == 204
        return App(app["id"], service, state, version)

    table = [(service, state) for service in SERVICES for state in DECIDING]
    table += [(SERVICES[0], state) for state in WORKFLOW_ONLY]
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda c: make(*c), table))


def staff(server: LiveServer, admin: Api) -> dict[str, tuple[str, str]]:
    """One user per office (office -> (user id, access token)); roles are set per role set."""
    suffix = uuid.uuid4().hex[:6]

    def make(office: str) -> tuple[str, tuple[str, str]]:
        name = f"wenang{office.replace('.', '')}{suffix}"
        r = admin.post(
            "/users",
            json={
                "username": name,
                "full_name": f"Petugas {office}",
                "password": "rahasia-wenang",
                "roles": ["operator"],
                "office_code": office,
            },
        )
        assert r.status_code == 201, r.text
        return office, (r.json()["id"], Api(server, name, "rahasia-wenang").tokens["access_token"])

    with ThreadPoolExecutor(len(OFFICES)) as pool:
        return dict(pool.map(make, OFFICES))


@pytest.fixture(scope="module")
def catalogue(harness_server: LiveServer) -> Catalogue:
    """The catalogue as the desktop would load it, checked to be the one the server serves."""
    local = load_catalogue("1471", directory=harness_server.data_dir / "resources" / "catalogue")
    served = Api(harness_server, "verifier1", "loket-demo").get("/catalogue")
    assert served.headers["ETag"] == f'"{local.version}"'
    pindah = next(s for s in served.json()["services"] if s["code"] == "SK-PINDAH")
    assert pindah["decision_level"] == "kecamatan" == local.service("SK-PINDAH").decision_level
    assert local.service("SKTM").decision_level == "kelurahan"
    assert local.service("KK-KTPEL-WNI").decision_level == "dinas"
    return local


def test_desktop_and_server_judge_authority_alike(
    harness_server: LiveServer, catalogue: Catalogue
) -> None:
    admin = Api(harness_server, "admin", "loket-demo")
    apps = prepare(harness_server)
    users = staff(harness_server, admin)
    http = Http(harness_server)
    mismatches: list[str] = []
    rows: set[tuple[tuple[str, ...], str, str]] = set()
    allowed = {"claim": 0, "decide": 0}
    lock = threading.Lock()

    def compare(where: str, kind: str, want: Answer, r: requests.Response) -> None:
        got = seen(r, want[2])
        with lock:
            allowed[kind] += want[0] in (200, 409) and want[1] in (None, "claim_required")
            if got != want:
                mismatches.append(f"{where}: desktop {want}, server {got}")

    for roles in ROLE_SETS:
        actors: dict[str, Actor] = {}
        for office, (user_id, token) in users.items():
            r = admin.patch(f"/users/{user_id}", json={"roles": list(roles)})
            assert r.status_code == 200, r.text
            me = http.send(token, "GET", "/me").json()
            actors[office] = Actor.of(me["roles"], me["office"]["code"], me["office"]["level"])

        def check(
            app: App, roles: tuple[str, ...] = roles, actors: dict[str, Actor] = actors
        ) -> None:
            """One application, each office's person in turn (a claim taken is released before
            the next person asks)."""
            service = catalogue.service(app.service)
            action = ACTIONS[app.state]
            for office, (_user_id, token) in users.items():
                if office not in IN_SCOPE and app.state is not S.SUBMITTED:
                    continue
                actor = actors[office]
                rows.add((roles, office, app.service))
                where = f"{'+'.join(roles)} @ {office}, {app.service} {app.state.value}"
                refusal = may_claim(actor, JADIREJO, service, app.state)
                r = http.send(token, "POST", f"/applications/{app.id}/claim")
                compare(where + ": claim", "claim", answer(refusal, (200, None, None)), r)
                if r.status_code == 200:
                    released = http.send(token, "DELETE", f"/applications/{app.id}/claim")
                    assert released.status_code == 204, released.text
                refusal = may_act(actor, JADIREJO, service, app.state, action)
                body = {
                    "action": action.value,
                    "reason": None,
                    "expected_version": app.version,
                    "transaction_id": str(uuid.uuid4()),
                }
                r = http.send(token, "POST", f"/applications/{app.id}/actions", json=body)
                want = answer(refusal, (409, "claim_required", None))
                compare(f"{where}: {action.value}", "decide", want, r)

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(check, apps))

    assert not mismatches, "\n".join(mismatches[:40])
    assert len(rows) == len(ROLE_SETS) * len(OFFICES) * len(SERVICES)
    assert allowed["claim"] >= 30 and allowed["decide"] == allowed["claim"]
