"""Helpers for the server suite: a logged-in HTTP client per role, and application factories.

All requests go over real HTTP to the `live_server` subprocess (tests/live_server.py), or, for
tests that move time or need a catalogue layer of their own, to the `harness_server`
(tests/server/harness.py).
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import requests

from desktop.domain.identity import encode_nik
from tests.live_server import LiveServer, fresh_server, live_server  # noqa: F401
from tests.server.harness import ServerClock, start_harness_server

HARNESS_CATALOGUE = {
    "regions/14.toml": """\
# Test layer (province 14, under regions/1471.toml): a letter the camat decides.
[[layanan]]
kode = "SK-PINDAH"
tingkat_keputusan = "kecamatan"
"""
}
"""The harness server's catalogue layer: one explicit `tingkat_keputusan` override."""

_serials = itertools.count(1)
_rng = random.Random(4)


def new_nik(sex: str = "P") -> str:
    """A valid NIK (Sukajadi, born 1990) with a fresh serial, so tests never collide."""
    birth = date(1990, 1 + _rng.randrange(12), 1 + _rng.randrange(28))
    return encode_nik("14.71.01", birth, sex, 1 + next(_serials) % 9999)  # type: ignore[arg-type]


class Api:
    """A `requests.Session` bound to one user of one server."""

    def __init__(
        self, server: LiveServer, username: str, password: str, device_id: str | None = None
    ) -> None:
        self.server = server
        self.username = username
        self.password = password
        self.device_id = device_id or f"test-{uuid.uuid4().hex[:12]}"
        self.http = requests.Session()
        self.http.headers["X-Loket-Device"] = self.device_id
        self.tokens: dict[str, Any] = {}
        self.login()

    def login(self) -> requests.Response:
        r = self.http.post(
            self.server.api + "/auth/login",
            json={
                "username": self.username,
                "password": self.password,
                "device_id": self.device_id,
            },
        )
        assert r.status_code == 200, r.text
        self.tokens = r.json()
        self.http.headers["Authorization"] = "Bearer " + self.tokens["access_token"]
        return r

    def refresh(self) -> None:
        """New tokens from the refresh token (no password check): after the clock moved."""
        r = self.http.post(
            self.server.api + "/auth/refresh",
            json={"refresh_token": self.tokens["refresh_token"]},
        )
        assert r.status_code == 200, r.text
        self.tokens = r.json()
        self.http.headers["Authorization"] = "Bearer " + self.tokens["access_token"]

    @property
    def me(self) -> dict[str, Any]:
        me: dict[str, Any] = self.tokens["user"]
        return me

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.server.api + path, timeout=30, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.http.post(self.server.api + path, timeout=30, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.http.put(self.server.api + path, timeout=60, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.http.patch(self.server.api + path, timeout=30, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.http.delete(self.server.api + path, timeout=30, **kw)

    # -- application helpers ----------------------------------------------------------------

    def create(
        self,
        *,
        service_code: str = "SK-DOMISILI",
        office_code: str | None = None,
        submit: bool = True,
        key: str | None = None,
        app_id: str | None = None,
        expect: int = 201,
        data: dict[str, str] | None = None,
        status_token: str | None = None,
        provisional_number: str | None = None,
        **applicant: Any,
    ) -> dict[str, Any]:
        body = application_body(
            office_code or self.me["office"]["code"], service_code, submit, app_id, **applicant
        )
        if data is not None:
            body["data"] = data
        if status_token is not None:
            body["status_token"] = status_token
        if provisional_number is not None:
            body["provisional_number"] = provisional_number
        r = self.post(
            "/applications", json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
        )
        assert r.status_code == expect, r.text
        data: dict[str, Any] = r.json()
        return data

    def claim(self, app_id: str, expect: int = 200) -> dict[str, Any]:
        r = self.post(f"/applications/{app_id}/claim")
        assert r.status_code == expect, r.text
        data: dict[str, Any] = r.json()
        return data

    def act(
        self,
        app_id: str,
        action: str,
        version: int,
        *,
        reason: str | None = None,
        transaction_id: str | None = None,
        expect: int = 200,
        **extra: Any,
    ) -> dict[str, Any]:
        r = self.post(
            f"/applications/{app_id}/actions",
            json={
                "action": action,
                "reason": reason,
                "expected_version": version,
                "transaction_id": transaction_id or str(uuid.uuid4()),
                **extra,
            },
        )
        assert r.status_code == expect, r.text
        data: dict[str, Any] = r.json()
        return data


def application_body(
    office_code: str,
    service_code: str = "SK-DOMISILI",
    submit: bool = True,
    app_id: str | None = None,
    **applicant: Any,
) -> dict[str, Any]:
    person = {
        "nik": new_nik(),
        "name": "Siti Rahmawati",
        "birth_date": None,
        "sex": "P",
        "kk_number": None,
        "phone": "081234567890",
        "email": None,
        "address": "Jl. Riau No. 5, Pekanbaru",
    }
    person.update(applicant)
    return {
        "id": app_id or str(uuid.uuid4()),
        "service_code": service_code,
        "office_code": office_code,
        "applicant": person,
        "provisional_number": None,
        "submit": submit,
        "device_time": None,
    }


def run_sql(
    server: LiveServer, statement: str, params: tuple[Any, ...] = ()
) -> list[tuple[Any, ...]]:
    """Run one SQL statement directly on the server's database (SQLite or PostgreSQL), committed;
    `?` placeholders. For tests that must set up or inspect what the API does not expose."""
    if server.db_path is not None:
        import sqlite3

        with sqlite3.connect(server.db_path, timeout=30) as conn:
            return list(conn.execute(statement, params).fetchall())
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server.database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        cursor = conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
        return list(cursor.fetchall()) if cursor.description else []


@pytest.fixture(scope="session")
def login(live_server: LiveServer) -> Callable[[str], Api]:  # noqa: F811
    """`login("verifier")` -> an `Api` for that demo account (cached per role)."""
    cache: dict[str, Api] = {}

    def make(role: str) -> Api:
        if role not in cache:
            username, password = live_server.accounts[role]
            cache[role] = Api(live_server, username, password)
        return cache[role]

    return make


@pytest.fixture
def new_login(live_server: LiveServer) -> Iterator[Callable[[str], Api]]:  # noqa: F811
    """Like `login`, but a new log-in (session, device) on every call."""
    made: list[Api] = []

    def make(role: str) -> Api:
        username, password = live_server.accounts[role]
        api = Api(live_server, username, password)
        made.append(api)
        return api

    yield make
    for api in made:
        api.http.close()


@pytest.fixture(scope="session")
def harness_server() -> Iterator[LiveServer]:
    """A second server for the whole run with a movable clock (`clock` fixture) and the
    `HARNESS_CATALOGUE` layer. Its clock only goes forward: refresh or log in after a jump."""
    with start_harness_server(catalogue_layers=HARNESS_CATALOGUE) as server:
        yield server


@pytest.fixture(scope="session")
def clock(harness_server: LiveServer) -> ServerClock:
    return ServerClock(harness_server)
