"""The duplicate guard at the counter: does this NIK already have an open application for the
same service? (issue 11, like OpenCRVS's deduplication rules.)

`find_open(store, api, nik, service_code)` looks in two places and merges by application id:

- **locally, always** (works offline): the cached queue (rows of the server's applications in
  this user's scope, and the queue rows of applications taken in on this PC), the local
  applications not yet known to the server, and this PC's other drafts for the same person and
  service (a citizen served twice at two counters' windows);
- **on the server**, when `api` is given: ``GET /applications/duplicates`` (every office in the
  user's scope, not only what the cache holds). A connection failure there is not an error:
  the local answer stands, and `DuplicateCheck.server_checked` says the server was not asked.

Finished applications (selesai, ditolak, dibatalkan) are not duplicates. Qt-free; call from a
worker (the server half is a network call).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import Connection

from desktop.domain.identity import mask_nik
from desktop.domain.workflow import TERMINAL_STATES
from desktop.models.store import Store
from desktop.services.api.errors import ConnectionFailure

log = logging.getLogger(__name__)

Source = Literal["server", "lokal", "draf"]
_TERMINAL = tuple(s.value for s in TERMINAL_STATES)


@dataclass(frozen=True)
class DuplicateHit:
    """One open application (or draft) of the same NIK for the same service."""

    id: str | None  # None: an application at an office outside the user's scope
    number: str  # registration or provisional number; "" for a draft
    status: str  # the server's status value, or "draf"
    applicant_name: str
    office_code: str
    source: Source
    in_scope: bool = True  # False: another office's; the server shows its office and status only


class DuplicateFinder(Protocol):
    """The part of the API client the server half needs (`ApiClient.find_duplicates`)."""

    def find_duplicates(self, nik: str, service_code: str) -> Iterable[Any]: ...


def find_open(
    store: Store,
    api: DuplicateFinder | None,
    nik: str,
    service_code: str,
    *,
    exclude_draft: str | None = None,
) -> list[DuplicateHit]:
    """Open applications and drafts of `nik` for `service_code`, local and (with `api`) on the
    server; the draft being edited (`exclude_draft`) is not its own duplicate."""
    return check(store, api, nik, service_code, exclude_draft=exclude_draft).hits


@dataclass(frozen=True)
class DuplicateCheck:
    hits: list[DuplicateHit]
    server_checked: bool  # False: offline or no api; only the local half answered


def check(
    store: Store,
    api: DuplicateFinder | None,
    nik: str,
    service_code: str,
    *,
    exclude_draft: str | None = None,
) -> DuplicateCheck:
    digits = "".join(c for c in nik if c.isdigit())
    if not digits:
        return DuplicateCheck([], False)
    hits = store.read(lambda conn: _local(conn, digits, service_code, exclude_draft))
    server_checked = False
    if api is not None:
        try:
            found = list(api.find_duplicates(digits, service_code))
            server_checked = True
        except ConnectionFailure as exc:
            log.info("duplicate check for %s on the server skipped: %s", mask_nik(digits), exc)
            found = []
        known = {h.id for h in hits if h.id} | {h.number for h in hits if h.number}
        for item in found:
            hit = _server_hit(item)
            if hit is None or hit.id in known or hit.number in known:
                continue
            hits.append(hit)
            known.update(k for k in (hit.id, hit.number) if k)
    return DuplicateCheck(hits, server_checked)


def _local(
    conn: Connection, nik: str, service_code: str, exclude_draft: str | None
) -> list[DuplicateHit]:
    hits: list[DuplicateHit] = []
    seen: set[str] = set()
    marks = ",".join("?" * len(_TERMINAL))
    rows = conn.exec_driver_sql(
        "SELECT id, number, status, applicant_name, office_code, seq FROM applications "
        f"WHERE applicant_nik = ? AND service_code = ? AND status NOT IN ({marks}) "
        "ORDER BY created_at",
        (nik, service_code, *_TERMINAL),
    ).all()
    for r in rows:
        source: Source = "lokal" if int(r[5]) == 0 else "server"
        hits.append(DuplicateHit(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), source))
        seen.add(str(r[0]))
    local = conn.exec_driver_sql(
        "SELECT l.id, l.provisional_number, l.official_number, l.office_code, l.summary "
        "FROM local_applications l LEFT JOIN applications a ON a.id = l.id "
        "WHERE l.service_code = ? AND a.id IS NULL ORDER BY l.created_at",
        (service_code,),
    ).all()
    for r in local:
        if str(r[0]) in seen:
            continue
        applicant = _json(r[4]).get("applicant") or {}
        if not isinstance(applicant, dict) or applicant.get("nik") != nik:
            continue
        number = str(r[2] or r[1])
        name = str(applicant.get("name") or "")
        hits.append(DuplicateHit(str(r[0]), number, "submitted", name, str(r[3]), "lokal"))
        seen.add(str(r[0]))
    drafts = conn.exec_driver_sql(
        "SELECT id, applicant FROM drafts WHERE service_code = ? ORDER BY updated_at",
        (service_code,),
    ).all()
    for r in drafts:
        if str(r[0]) == exclude_draft:
            continue
        applicant = _json(r[1])
        typed = "".join(c for c in str(applicant.get("nik") or "") if c.isdigit())
        if typed == nik:
            name = str(applicant.get("name") or "")
            hits.append(DuplicateHit(str(r[0]), "", "draf", name, "", "draf"))
    return hits


def _server_hit(item: Any) -> DuplicateHit | None:
    """A hit from the server's answer (`records.DuplicateInfo`, or its JSON)."""
    raw: dict[str, Any] = item if isinstance(item, dict) else dict(vars(item))
    app_id = raw.get("id")
    number = str(raw.get("number") or "")
    in_scope = bool(raw.get("in_scope", True))
    if not isinstance(app_id, str) and not number and (in_scope or not raw.get("office_code")):
        return None  # nothing to tell the officer (another office's comes with its office)
    status = raw.get("status_raw") or raw.get("status") or ""
    return DuplicateHit(
        app_id if isinstance(app_id, str) else None,
        number,
        str(status),
        str(raw.get("applicant_name") or ""),
        str(raw.get("office_code") or ""),
        "server",
        in_scope=in_scope,
    )


def _json(text: Any) -> dict[str, Any]:
    try:
        raw = json.loads(str(text))
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}


__all__ = ["DuplicateCheck", "DuplicateFinder", "DuplicateHit", "check", "find_open"]
