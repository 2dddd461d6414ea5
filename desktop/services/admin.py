"""Staff and devices for administrators (issue 14), over the server's admin API; no Qt.

The server decides scope (an administrator sees and changes only the offices under their own)
and ends sessions where it must (a new password, a move, disabling). This module only turns
its answers into typed records and builds the requests; a temporary password is made here
with `secrets`, set once and never logged.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.domain.records import parse_datetime
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import ApiError, BadResponse

ROLES: tuple[str, ...] = ("operator", "verifier", "validator", "supervisor", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
PASSWORD_MIN = 8
NIP = re.compile(r"^[0-9]{18}$")  # ASCII digits: `\d` would also take other scripts' digits
NIP_REFUSED = "NIP ditolak server: harus 18 angka, atau dikosongkan."
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
_SYMBOLS = "-_.!?#"


@dataclass(frozen=True)
class StaffMember:
    id: str
    username: str
    full_name: str
    roles: tuple[str, ...]
    office_code: str
    disabled: bool
    locked_until: datetime | None
    nip: str | None = None


@dataclass(frozen=True)
class DeviceRecord:
    device_id: str
    code: str
    office_code: str
    first_seen: datetime | None
    last_seen: datetime | None
    last_username: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    revoked_by: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if not isinstance(value, str):
        raise BadResponse(f"Jawaban server tidak lengkap (kolom {key}).")
    return value


def _opt_text(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    return value if isinstance(value, str) and value else None


def _when(row: dict[str, Any], key: str) -> datetime | None:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise BadResponse(f"Waktu dari server tidak terbaca (kolom {key}).") from exc


def staff_member(row: Any) -> StaffMember:
    if not isinstance(row, dict):
        raise BadResponse("Data pengguna dari server tidak berbentuk yang diharapkan.")
    roles = row.get("roles")
    return StaffMember(
        id=_text(row, "id"),
        username=_text(row, "username"),
        full_name=_text(row, "full_name"),
        roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
        office_code=_text(row, "office_code"),
        disabled=bool(row.get("disabled")),
        locked_until=_when(row, "locked_until"),
        nip=_opt_text(row, "nip"),
    )


def device_record(row: Any) -> DeviceRecord:
    if not isinstance(row, dict):
        raise BadResponse("Data perangkat dari server tidak berbentuk yang diharapkan.")
    return DeviceRecord(
        device_id=_text(row, "device_id"),
        code=_text(row, "code"),
        office_code=_text(row, "office_code"),
        first_seen=_when(row, "first_seen"),
        last_seen=_when(row, "last_seen"),
        last_username=_opt_text(row, "last_username"),
        revoked_at=_when(row, "revoked_at"),
        revoked_reason=_opt_text(row, "revoked_reason"),
        revoked_by=_opt_text(row, "revoked_by_username"),
    )


def _items(answer: dict[str, Any]) -> list[Any]:
    items = answer.get("items")
    if not isinstance(items, list):
        raise BadResponse("Daftar dari server tidak berbentuk yang diharapkan.")
    return items


def normalized_nip(text: str) -> str:
    """`text` without spaces: NIPs are printed grouped ("19800101 200604 1 001") and typed or
    pasted that way; the server stores the 18 digits."""
    return "".join(text.split())


def nip_acceptable(nip: str) -> bool:
    """18 ASCII digits, or '' (no NIP; clears a stored one)."""
    return nip == "" or NIP.match(nip) is not None


def _nip_refused(exc: ApiError) -> ApiError | None:
    """The server's 422 on the NIP names only the field ("Data permintaan tidak valid (nip).");
    the administrator reads what it wants instead. None: the refusal is about something else."""
    errors = exc.extras.get("errors")
    about_nip = isinstance(errors, list) and any(
        isinstance(e, dict) and "nip" in (e.get("loc") or []) for e in errors
    )
    if exc.status == 422 and about_nip:
        return ApiError(exc.status, exc.code, NIP_REFUSED, exc.extras)
    return None


def temporary_password(length: int = 14) -> str:
    """A strong temporary password from the OS's random source: letters without look-alikes
    (0/O, 1/l/I, read aloud at the counter), at least one digit and one symbol."""
    while True:
        chars = [secrets.choice(_ALPHABET) for _ in range(length - 2)]
        chars.insert(secrets.randbelow(len(chars) + 1), secrets.choice("23456789"))
        chars.insert(secrets.randbelow(len(chars) + 1), secrets.choice(_SYMBOLS))
        text = "".join(chars)
        if any(c.islower() for c in text) and any(c.isupper() for c in text):
            return text


class AdminService:
    """The admin API for one signed-in administrator (calls run on a worker)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def offices(self) -> dict[str, str]:
        """Code -> name of the offices the caller may see (``GET /offices``)."""
        names: dict[str, str] = {}
        for row in _items(expect_mapping(self.client.get_json("/offices"), "daftar kantor")):
            if isinstance(row, dict) and isinstance(row.get("code"), str):
                names[row["code"]] = str(row.get("name") or row["code"])
        return names

    def users(self) -> list[StaffMember]:
        return [staff_member(r) for r in _items(self.client.admin_users())]

    def create_user(
        self,
        *,
        username: str,
        full_name: str,
        password: str,
        roles: tuple[str, ...],
        office_code: str,
        nip: str = "",
    ) -> StaffMember:
        """A new account; `nip` (18 digits) is sent only when given."""
        body: dict[str, Any] = {
            "username": username,
            "full_name": full_name,
            "password": password,
            "roles": list(roles),
            "office_code": office_code,
        }
        if nip:
            body["nip"] = nip
        try:
            return staff_member(self.client.admin_create_user(body))
        except ApiError as exc:
            refused = _nip_refused(exc)
            if refused is None:
                raise
            raise refused from exc

    def set_nip(self, user_id: str, nip: str) -> StaffMember:
        """Sets the NIP printed under the official's name; '' clears it."""
        try:
            return staff_member(self.client.admin_patch_user(user_id, {"nip": nip}))
        except ApiError as exc:
            refused = _nip_refused(exc)
            if refused is None:
                raise
            raise refused from exc

    def set_disabled(self, user_id: str, disabled: bool) -> StaffMember:
        return staff_member(self.client.admin_patch_user(user_id, {"disabled": disabled}))

    def move(self, user_id: str, office_code: str) -> StaffMember:
        return staff_member(self.client.admin_patch_user(user_id, {"office_code": office_code}))

    def reset_password(self, user_id: str, password: str) -> StaffMember:
        """Sets `password` (made by `temporary_password`); the server ends the user's sessions."""
        return staff_member(self.client.admin_patch_user(user_id, {"password": password}))

    def devices(self) -> list[DeviceRecord]:
        return [device_record(r) for r in _items(self.client.admin_devices())]

    def revoke(
        self, device_id: str, reason: str, transaction_id: str | None = None
    ) -> DeviceRecord:
        answer = self.client.admin_revoke_device(
            device_id, reason=reason, transaction_id=transaction_id or str(uuid.uuid4())
        )
        rows = [device_record(r) for r in _items(answer)]
        if not rows:
            raise BadResponse("Server tidak mengembalikan perangkat yang dicabut.")
        return rows[0]
