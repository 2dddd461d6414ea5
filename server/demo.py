"""The demo accounts `loket-server seed` creates (importable without the server's dependencies,
so test fixtures and docs can name them)."""

from __future__ import annotations

from typing import NamedTuple

DEMO_PASSWORD = "loket-demo"
DEMO_URL = "http://127.0.0.1:8765"
"""Where `loket demo` (`make run`) serves by default: the base of the printed status link."""
DINAS = "14.71"
"""Disdukcapil Kota Pekanbaru."""
KECAMATAN = "14.71.01"
"""Kecamatan Sukajadi."""
KELURAHAN = "14.71.01.1002"
"""Kelurahan Jadirejo (Sukajadi)."""
OTHER_KECAMATAN = "14.71.02"
OTHER_KELURAHAN = "14.71.02.1001"
"""A kelurahan of Kecamatan Pekanbaru Kota: outside operator1's scope."""


class DemoUser(NamedTuple):
    username: str
    full_name: str
    roles: tuple[str, ...]
    office_code: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Rina Kartika, S.Kom.", ("admin",), DINAS),
    DemoUser("supervisor1", "Drs. Hendra Gunawan", ("supervisor",), DINAS),
    DemoUser("verifier1", "Siti Nurhaliza Lubis", ("verifier",), DINAS),
    DemoUser("verifier2", "Andi Saputra", ("verifier",), DINAS),
    DemoUser("validator1", "Ir. Bambang Sutrisno, M.Si.", ("validator",), DINAS),
    DemoUser("operator1", "Dewi Lestari", ("operator",), KELURAHAN),
    DemoUser("operator2", "Yusrizal Tanjung", ("operator",), OTHER_KELURAHAN),
    DemoUser("operator3", "Putri Ayu Wulandari", ("operator",), KECAMATAN),
    DemoUser("lurah1", "Tengku Said Hamzah, S.Sos.", ("validator", "verifier"), KELURAHAN),
    DemoUser("camat1", "Hj. Nurhayati Siregar, S.STP.", ("supervisor",), KECAMATAN),
)

DEMO_NIPS: dict[str, str] = {
    "validator1": "196903151994031005",
    "lurah1": "197805122005011003",
    "camat1": "197201101998032004",
    "supervisor1": "196805241990031002",
}
"""The ASN officials' NIPs (made up, well-formed: birth date, appointment month, sex, number):
printed under their names in the letters they sign."""

ROLE_ACCOUNTS: dict[str, str] = {
    "operator": "operator1",
    "verifier": "verifier1",
    "validator": "validator1",
    "supervisor": "supervisor1",
    "admin": "admin",
}
"""One account per role, the ones tests and the README use first."""
