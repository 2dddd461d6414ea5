"""A reference server with engineer R's hand-worked report data set (tests/server/test_reports.py
`seed`: known counts, SLA at the exact deadline and across a holiday, 3000 actions by one
officer in a day) and a Jadirejo supervisor's desktop client, for the report exports and the
Laporan page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService
from desktop.services.secrets import SecretStore
from server.demo import KELURAHAN
from tests.desktop.support import MemoryKeyring
from tests.live_server import LiveServer, start_server
from tests.server.conftest import Api
from tests.server.harness import ServerClock
from tests.server.test_reports import TODAY, seed

SUPERVISOR = ("spv_laporan", "rahasia-laporan-1")


@contextmanager
def seeded_server() -> Iterator[LiveServer]:
    with start_server(applications=0, clock=True) as live:
        clock = ServerClock(live)
        clock.advance(seconds=(TODAY - clock.now()).total_seconds())
        seed(live)
        admin = Api(live, *live.accounts["admin"])
        r = admin.post(
            "/users",
            json={
                "username": SUPERVISOR[0],
                "full_name": "Kasi Pelayanan Jadirejo",
                "password": SUPERVISOR[1],
                "roles": ["supervisor"],
                "office_code": KELURAHAN,
            },
        )
        assert r.status_code == 201, r.text
        yield live


def supervisor_client(server: LiveServer) -> ApiClient:
    """The desktop's own client, signed in as the Jadirejo supervisor."""
    api = ApiClient(server.url, device_id=str(uuid.uuid4()))
    AuthService(api, SecretStore(MemoryKeyring())).sign_in(*SUPERVISOR)
    return api
