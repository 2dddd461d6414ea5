"""A reference server with a survey set whose IKM is worked by hand, and a camat's (Kecamatan
Sukajadi supervisor's) desktop client, for the IKM report's exports and the Laporan page.

The set, on 10 March 2027 (server clock), all at operator1's kelurahan (Jadirejo): the four
responses of tests/domain/test_ikm.py on SK-DOMISILI and one answering 4 everywhere on
SK-USAHA (as tests/server/test_survey.py). By hand:

- SK-DOMISILI, 4 respondents: totals 14 13 11 16 13 13 15 11 11, NRR 3,50 3,25 2,75 4,00 3,25
  3,25 3,75 2,75 2,75; sum 29,25; unit 29,25 / 9 = 3,25; IKM 3,25 x 25 = 81,25 -> B (Baik).
- SK-USAHA, 1 respondent: every NRR 4,00, IKM 100,00 -> A (Sangat Baik).
- Overall (and Kelurahan Jadirejo), 5 respondents: totals 18 17 15 20 17 17 19 15 15, NRR
  3,60 3,40 3,00 4,00 3,40 3,40 3,80 3,00 3,00; sum 30,60; unit 3,40; IKM 85,00 -> B (Baik).
  Weighted NRR of U1 = 3,6 / 9 = 0,4000; of U2 = 3,4 / 9 = 0,3778.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService
from desktop.services.secrets import SecretStore
from server.demo import KECAMATAN
from tests.desktop.support import MemoryKeyring
from tests.domain.test_ikm import SEEDED
from tests.live_server import LiveServer, start_server
from tests.server.conftest import Api
from tests.server.harness import ServerClock
from tests.server.test_reports import WIB
from tests.server.test_survey import body, completed, post

DAY = datetime(2027, 3, 10, 10, 0, tzinfo=WIB)
MARCH = (date(2027, 3, 1), date(2027, 3, 31))
EMPTY = (date(2027, 2, 1), date(2027, 2, 28))
"""A month nobody answered: "Tidak ada data"."""

OVERALL_NRR = ["3,60", "3,40", "3,00", "4,00", "3,40", "3,40", "3,80", "3,00", "3,00"]
DOMISILI_NRR = ["3,50", "3,25", "2,75", "4,00", "3,25", "3,25", "3,75", "2,75", "2,75"]
SCOPE = "Kecamatan Sukajadi"


@contextmanager
def ikm_server() -> Iterator[LiveServer]:
    with start_server(applications=0, clock=True) as live:
        clock = ServerClock(live)
        clock.advance(seconds=(DAY - clock.now()).total_seconds())
        cache: dict[str, Api] = {}

        def login(role: str) -> Api:
            if role not in cache:
                cache[role] = Api(live, *live.accounts[role])
            return cache[role]

        operator = login("operator")
        for answers in SEEDED:
            app = completed(login)
            assert post(operator, app["id"], body(answers)).status_code == 201
        usaha = completed(login, "SK-USAHA")
        assert post(operator, usaha["id"], body((4,) * 9)).status_code == 201
        yield live


def camat_client(server: LiveServer) -> ApiClient:
    """The desktop's own client, signed in as the Kecamatan Sukajadi supervisor (camat1)."""
    api = ApiClient(server.url, device_id=str(uuid.uuid4()))
    AuthService(api, SecretStore(MemoryKeyring())).sign_in(*server.accounts["camat"])
    return api


__all__ = ["DAY", "EMPTY", "KECAMATAN", "MARCH", "SCOPE", "camat_client", "ikm_server"]
