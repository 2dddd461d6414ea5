"""Applications: list, change feed, detail, create, claim/release and workflow actions."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from desktop.domain import authority
from desktop.domain.numbering import looks_like_registration_number, parse_registration_number
from desktop.domain.workflow import TERMINAL_STATES, Action, Refusal, RefusalCode
from desktop.domain.workflow import State as WState
from server import applications as ops
from server import claims, counters, edits, idempotency, intake
from server import handover as handover_rules
from server.deps import CurrentPrincipal, DbSession, Principal, State, require_roles
from server.models import Application, Office
from server.problems import ProblemError
from server.routes import AUTHED, errors
from server.schemas import (
    ActionRequest,
    ActionResult,
    ApplicationDetail,
    ApplicationPage,
    ChangesPage,
    ClaimResult,
    CreateApplication,
    DuplicateList,
    StateName,
    UpdateApplication,
    bounded_moment,
)
from server.scope import in_scope, scope_clause
from server.serialize import detail_dict, history_dict, iso, summaries, summary_query
from server.state import ServerState
from server.text import clean_text

router = APIRouter(tags=["applications"])

IdempotencyKey = Annotated[
    UUID | None,
    Header(
        alias="Idempotency-Key",
        description="Optional: the client's transaction id; a replay gets the first answer.",
    ),
]
"""An optional key on claim and release (the outbox sends one; an interactive client may not)."""


def _encode_cursor(created_at: datetime, app_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), app_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, app_id = json.loads(raw)
        if not isinstance(stamp, str) or not isinstance(app_id, str):
            raise ValueError("bad cursor")
        # A forged cursor may carry any time: bounded like every time a request carries, so
        # that year 9999 with an offset never overflows into a 500.
        return bounded_moment(datetime.fromisoformat(stamp)), app_id
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise ProblemError(
            422,
            "validation_error",
            "Penanda halaman (cursor) tidak valid.",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
        ) from exc


def _search_clause(q: str) -> Any:
    text = q.strip()
    if looks_like_registration_number(text):
        exact = Application.registration_number == str(parse_registration_number(text))
        digits = "".join(c for c in text if c not in " .-")
        if len(digits) == 16 and digits.isdigit():
            # About 2% of NIKs also pass the registration number's check digit.
            return or_(exact, Application.nik == digits)
        return exact
    compact = text.replace(" ", "").replace(".", "")
    if compact.isdigit() and len(compact) >= 4:
        return or_(
            Application.nik.like(compact + "%"),
            Application.registration_number.like(compact[:4] + "-%" + compact[4:10] + "%")
            if len(compact) > 4
            else Application.registration_number.like(compact + "%"),
        )
    if text.upper().startswith("SEM-"):
        return Application.provisional_number.like(text.upper() + "%")
    pattern = "%" + text.replace("\\", "").replace("%", "").replace("_", " ") + "%"
    return or_(
        Application.name.ilike(pattern),
        Application.registration_number.like(text + "%"),
    )


@router.get("/applications", response_model=ApplicationPage, responses=errors(*AUTHED))
def list_applications(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    status: Annotated[list[StateName] | None, Query()] = None,
    service_code: Annotated[str | None, Query(max_length=60)] = None,
    office_code: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    claimed_by_me: bool = False,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Oldest first (a queue), keyset-paged by (created_at, id)."""
    now = state.now()
    stmt = summary_query().where(scope_clause(Application.office_code, principal.office.code))
    if status:
        stmt = stmt.where(Application.status.in_(status))
    if service_code:
        stmt = stmt.where(Application.service_code == service_code)
    if office_code:
        stmt = stmt.where(scope_clause(Application.office_code, office_code))
    if q and q.strip():
        stmt = stmt.where(_search_clause(q))
    if claimed_by_me:
        stmt = stmt.where(
            Application.claim_user_id == principal.user.id, Application.claim_expires_at > now
        )
    if overdue:
        stmt = stmt.where(
            # "Open" as a positive list, so ix_applications_status_due finds exactly the
            # overdue open rows (NOT IN scanned months of finished ones: 150 ms at 100k).
            Application.status.in_([s.value for s in WState if s not in TERMINAL_STATES]),
            Application.due_at < now,
        )
    if cursor:
        created, app_id = _decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                Application.created_at > created,
                and_(Application.created_at == created, Application.id > app_id),
            )
        )
    stmt = stmt.order_by(Application.created_at, Application.id).limit(limit + 1)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(rows[-1][0].created_at, rows[-1][0].id) if more else None
    return idempotency.json_response({"items": summaries(rows, now), "next_cursor": next_cursor})


@router.get("/applications/changes", response_model=ChangesPage, responses=errors(*AUTHED))
def changes(
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> Response:
    """Applications changed after `since`, by the server's change sequence.

    The counter is read first: every change numbered up to it has committed (numbers are
    handed out under the counter's lock, released at commit), so when the page is not full the
    client may safely jump to it, skipping changes outside its scope for good.
    """
    now = state.now()
    ceiling = counters.current(session, counters.SEQ)
    stmt = (
        summary_query()
        .where(
            Application.seq > since,
            Application.seq <= ceiling,
            scope_clause(Application.office_code, principal.office.code),
        )
        .order_by(Application.seq)
        .limit(limit + 1)
    )
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last_seq = rows[-1][0].seq if more else max(since, ceiling)
    return idempotency.json_response(
        {"items": summaries(rows, now), "last_seq": last_seq, "has_more": more}
    )


OPEN_STATES = tuple(s.value for s in WState if s not in TERMINAL_STATES)
DUPLICATES_LIMIT = 20


@router.get("/applications/duplicates", response_model=DuplicateList, responses=errors(*AUTHED))
def duplicates(
    principal: CurrentPrincipal,
    session: DbSession,
    nik: Annotated[str, Query(pattern=r"^[0-9]{16}$")],
    service_code: Annotated[str, Query(min_length=1, max_length=60)],
) -> Response:
    """Open applications with this NIK for this service (the counter's duplicate guard).

    In the caller's scope: id, number, status, office, applicant's name. Elsewhere: the office
    and the status only, drafts there not at all. Not the number: an officer can type any NIK,
    and a NIK with a number opens the public status page (its check accepts the NIK's last
    four), so the number would let a curious officer follow a neighbour's application at
    another office. The counter needs only "open at Kelurahan X, status Y" to tell the citizen
    where their application is (decided in session 6; issue 11 asked it of the steering)."""
    rows = (
        session.execute(
            select(Application)
            .where(
                Application.nik == nik,
                Application.service_code == service_code,
                Application.status.in_(OPEN_STATES),
            )
            .order_by(Application.created_at, Application.id)
            .limit(DUPLICATES_LIMIT)
        )
        .scalars()
        .all()
    )
    items: list[dict[str, Any]] = []
    for app in rows:
        number = app.registration_number or app.provisional_number or ""
        if in_scope(principal.office.code, app.office_code):
            items.append(
                {
                    "number": number,
                    "status": app.status,
                    "in_scope": True,
                    "id": app.id,
                    "office_code": app.office_code,
                    "applicant_name": app.name,
                    "created_at": iso(app.created_at),
                }
            )
        elif app.status != WState.DRAFT.value:
            items.append(
                {
                    "number": "",
                    "status": app.status,
                    "in_scope": False,
                    "id": None,
                    "office_code": app.office_code,
                    "applicant_name": None,
                    "created_at": None,
                }
            )
    return idempotency.json_response({"items": items})


@router.get(
    "/applications/{app_id}", response_model=ApplicationDetail, responses=errors(*AUTHED, 404)
)
def get_application(
    app_id: UUID, principal: CurrentPrincipal, session: DbSession, state: State
) -> Response:
    app = ops.load_in_scope(session, principal, str(app_id))
    return idempotency.json_response(detail_dict(session, app, state.now()))


def _field_error(loc: list[str | int], message: str) -> ProblemError:
    return ProblemError(422, "validation_error", message, errors=[{"loc": loc, "msg": message}])


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationDetail,
    responses={
        200: {"model": ApplicationDetail, "description": "Replay of an earlier create"},
        **errors(*AUTHED, 409),
    },
)
def create_application(
    body: CreateApplication,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    idempotency_key: Annotated[UUID, Header(alias="Idempotency-Key")],
) -> Response:
    require_roles(principal, "operator")
    return idempotency.once_more_on_conflict(
        session, lambda: _create(body, principal, session, state, str(idempotency_key))
    )


def _create(
    body: CreateApplication,
    principal: Principal,
    session: Session,
    state: ServerState,
    key: str,
) -> Response:
    now = state.now()
    payload = body.model_dump(mode="json")
    rhash = idempotency.request_hash(principal.user.id, payload)
    replayed = idempotency.replay(session, "create", key, rhash, "Idempotency-Key")
    if replayed is not None:
        return replayed
    app_id = str(body.id)
    existing = session.get(Application, app_id)
    if existing is not None:
        if existing.create_hash == rhash and in_scope(principal.office.code, existing.office_code):
            return idempotency.json_response(detail_dict(session, existing, now), 200)
        raise idempotency.conflict("Id permohonan")
    if body.provisional_number is not None:
        # A provisional number is printed on a receipt: two applications must never share one.
        holder = session.execute(
            select(Application.id).where(Application.provisional_number == body.provisional_number)
        ).first()
        if holder is not None:
            raise ProblemError(
                409,
                "provisional_number_taken",
                f"Nomor sementara {body.provisional_number} sudah dipakai permohonan lain.",
            )
    service = state.catalogue.services.get(body.service_code)
    if service is None:
        raise ProblemError(
            422, "unknown_service", f"Layanan '{body.service_code}' tidak ada di katalog."
        )
    office = session.get(Office, body.office_code)
    if office is None or not in_scope(principal.office.code, office.code):
        raise ProblemError(
            422,
            "unknown_office",
            f"Kantor '{body.office_code}' tidak dikenal atau di luar wilayah Anda.",
        )
    if office.level not in service.intake_levels:
        raise _field_error(
            ["body", "service_code"],
            f"Layanan '{service.name}' tidak diterima di loket tingkat {office.level}.",
        )
    person = intake.checked_applicant(body.applicant, state, now)
    data = intake.checked_data(service, body.data, state, now)
    token = intake.status_token(session, body.status_token)
    app = Application(
        id=app_id,
        registration_number=None,
        provisional_number=body.provisional_number,
        service_code=service.code,
        status=WState.DRAFT.value,
        version=1,
        office_code=office.code,
        channel="counter",
        **person,
        data=data,
        status_token=token,
        created_at=now,
        updated_at=now,
        created_by=principal.user.id,
        create_hash=rhash,
        seq=0,
    )
    steps: list[tuple[str, str, str | None, str]] = [("create", "operator", None, "draft")]
    if body.submit:
        decided = authority.decide(
            principal.actor,
            office.code,
            service,
            WState.DRAFT,
            Action.SUBMIT,
            reason=None,
            holds_claim=False,
        )
        if isinstance(decided, Refusal):  # pragma: no cover - operators may always submit
            raise ProblemError(403, decided.code.value, decided.message)
        # Before the row exists: the registration counter is locked before the change sequence.
        ops.apply_transition(state, session, app, principal, Action.SUBMIT, decided.target, now)
        steps.append(
            (Action.SUBMIT.value, decided.role.value, WState.DRAFT.value, decided.target.value)
        )
    app.seq = counters.allocate(session, counters.SEQ)
    session.add(app)
    session.flush()
    for action_name, role, from_status, to_status in steps:
        ops.add_history(
            session,
            app,
            principal,
            action=action_name,
            role=role,
            now=now,
            from_status=from_status,
            to_status=to_status,
            device_time=body.device_time,
            # The key names the request on its `create` entry (keys are unique across history).
            transaction_id=key if action_name == "create" else None,
        )
    ops.touch(
        session, app, principal, now, "application_created", {"submit": body.submit}, new_seq=False
    )
    response = detail_dict(session, app, now)
    idempotency.remember(session, "create", key, principal.user.id, rhash, 201, response, now)
    session.commit()
    return idempotency.json_response(response, 201)


@router.post(
    "/applications/{app_id}/claim",
    response_model=ClaimResult,
    responses=errors(*AUTHED, 404, 409),
)
def claim(
    app_id: UUID,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Take or renew the lease; refused while someone else holds an unexpired one, and to
    anyone who could not act on it (role, or the service decided at another office level).
    With an `Idempotency-Key`, a replay is answered as the first time and the new claim's
    history entry carries the key."""
    key = str(idempotency_key) if idempotency_key is not None else None
    return idempotency.once_more_on_conflict(
        session, lambda: _claim(str(app_id), principal, session, state, key)
    )


def _claim(
    app_id: str, principal: Principal, session: Session, state: ServerState, key: str | None
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    rhash = idempotency.request_hash(principal.user.id, {"claim": app.id})
    if key is not None:
        replayed = idempotency.replay(session, "claim", key, rhash, "Idempotency-Key")
        if replayed is not None:
            return replayed
    current_state = WState(app.status)
    service = state.catalogue.services.get(app.service_code)
    refusal = authority.may_claim(principal.actor, app.office_code, service, current_state)
    # A finished application is named as such before anyone's claim; the roles after it.
    if refusal is not None and refusal.code is not RefusalCode.ROLE_NOT_ALLOWED:
        raise ops.refusal_problem(session, app, refusal, now)
    user_id = principal.user.id
    taken_away = claims.take_notice(session, user_id, app, now)
    if taken_away is not None:
        # A supervisor released or reassigned this person's claim: told once, never silently
        # taken back by the renewal timer (server/claims.py).
        session.commit()
        extras = {"claim": ops.claim_dict(session, app)} if ops.active_claim(app, now) else {}
        raise ProblemError(409, "claim_taken_away", taken_away, **extras)
    if ops.active_claim(app, now) and app.claim_user_id != user_id:
        holder = ops.claim_dict(session, app)
        name = holder["full_name"] if holder else ""
        raise ProblemError(
            409,
            "claimed_by_other",
            f"Permohonan sedang dikerjakan oleh {name}.",
            claim=holder,
        )
    if refusal is not None:
        raise ops.refusal_problem(session, app, refusal, now)
    renewing = ops.holds_claim(app, user_id, now)
    app.claim_user_id = user_id
    app.claim_expires_at = ops.claim_lease_end(now)
    if not renewing:
        ops.add_history(
            session,
            app,
            principal,
            action="claim",
            role=ops.acting_role(principal, current_state, service),
            now=now,
            from_status=None,
            to_status=None,
            transaction_id=key,
        )
    ops.touch(session, app, principal, now, "claim_renewed" if renewing else "claimed", {})
    body = {"claim": ops.claim_dict(session, app), "version": app.version}
    if key is not None:
        idempotency.remember(session, "claim", key, principal.user.id, rhash, 200, body, now)
    session.commit()
    return idempotency.json_response(body)


@router.delete(
    "/applications/{app_id}/claim",
    status_code=204,
    response_class=Response,
    responses=errors(*AUTHED, 404, 409),
)
def release(
    app_id: UUID,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
    idempotency_key: IdempotencyKey = None,
    reason: Annotated[
        str | None,
        Query(max_length=500, description="Why a supervisor releases another's claim"),
    ] = None,
) -> Response:
    """By the holder, or by a supervisor (or administrator) for anyone in scope; no claim is a
    no-op. With an `Idempotency-Key`, a replay is answered 204 without touching a claim taken
    since (a supervisor's lost release must never release the next person's claim). Another's
    claim is released with `reason` in the history and audit; its holder is told on their next
    claim request (`claim_taken_away`)."""
    key = str(idempotency_key) if idempotency_key is not None else None
    why = clean_text(reason or "") or None
    return idempotency.once_more_on_conflict(
        session, lambda: _release(str(app_id), principal, session, state, key, why)
    )


def _release(
    app_id: str,
    principal: Principal,
    session: Session,
    state: ServerState,
    key: str | None,
    reason: str | None = None,
) -> Response:
    now = state.now()
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    rhash = idempotency.request_hash(principal.user.id, {"release": app.id})
    if key is not None:
        replayed = idempotency.replay(session, "release", key, rhash, "Idempotency-Key")
        if replayed is not None:
            return replayed
    if not ops.active_claim(app, now):
        if key is not None:
            idempotency.remember(session, "release", key, principal.user.id, rhash, 204, {}, now)
            session.commit()
        return Response(status_code=204)
    if app.claim_user_id != principal.user.id and not principal.has_any("supervisor", "admin"):
        raise ProblemError(
            409,
            "claimed_by_other",
            "Klaim ini milik petugas lain; hanya pemegangnya atau supervisor yang dapat melepas.",
            claim=ops.claim_dict(session, app),
        )
    previous = app.claim_user_id
    app.claim_user_id = None
    app.claim_expires_at = None
    role = (
        ("supervisor" if principal.has_any("supervisor") else "admin")
        if previous != principal.user.id
        else ops.acting_role(
            principal, WState(app.status), state.catalogue.services.get(app.service_code)
        )
    )
    by_other = previous != principal.user.id
    ops.add_history(
        session,
        app,
        principal,
        action="release",
        role=role,
        now=now,
        from_status=None,
        to_status=None,
        reason=reason if by_other else None,
        transaction_id=key,
    )
    if by_other and previous is not None:
        claims.add_notice(
            session,
            user_id=previous,
            app_id=app.id,
            kind="release",
            by_user_id=principal.user.id,
            to_user_id=None,
            reason=reason or "tanpa alasan",
            now=now,
        )
    released = {"holder": previous, **({"reason": reason} if by_other and reason else {})}
    ops.touch(session, app, principal, now, "released", released)
    if key is not None:
        idempotency.remember(session, "release", key, principal.user.id, rhash, 204, {}, now)
    session.commit()
    return Response(status_code=204)


@router.post(
    "/applications/{app_id}/actions",
    response_model=ActionResult,
    responses=errors(*AUTHED, 404, 409),
)
def act(
    app_id: UUID,
    body: ActionRequest,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """One workflow decision, replay-safe by `transaction_id`, refused on a stale version."""
    return idempotency.once_more_on_conflict(
        session, lambda: _act(str(app_id), body, principal, session, state)
    )


def _locked_fresh(
    kind: str,
    app_id: str,
    body: ActionRequest | UpdateApplication,
    principal: Principal,
    session: Session,
    now: datetime,
) -> tuple[Application, str, str] | Response:
    """The application locked for a replay-safe change (an action or an edit): the stored
    answer when `body.transaction_id` was seen (the row lock comes first, so on PostgreSQL a
    concurrent replay's next statement sees the winner's answer), 409 on a stale
    `expected_version`, else (app, request hash, key)."""
    app = ops.load_in_scope(session, principal, app_id, lock=True)
    payload = body.model_dump(mode="json")
    payload["application_id"] = app.id
    rhash = idempotency.request_hash(principal.user.id, payload)
    key = str(body.transaction_id)
    replayed = idempotency.replay(session, kind, key, rhash, "transaction_id")
    if replayed is not None:
        return replayed
    if body.expected_version != app.version:
        raise ProblemError(
            409,
            "version_conflict",
            "Permohonan telah diubah oleh orang lain sejak Anda membukanya "
            f"(versi Anda {body.expected_version}, sekarang {app.version}).",
            current=detail_dict(session, app, now),
        )
    return app, rhash, key


def _act(
    app_id: str, body: ActionRequest, principal: Principal, session: Session, state: ServerState
) -> Response:
    now = state.now()
    fresh = _locked_fresh("action", app_id, body, principal, session, now)
    if isinstance(fresh, Response):
        return fresh
    app, rhash, key = fresh
    action = Action(body.action)
    current_state = WState(app.status)
    claimed = ops.holds_claim(app, principal.user.id, now)
    service = state.catalogue.services.get(app.service_code)
    checklist = [item.model_dump() for item in body.checklist] if body.checklist else None
    reason = body.reason
    if action is Action.REQUEST_REVISION and reason is None:
        reason = handover_rules.reasons_from_checklist(checklist)
    decided = authority.decide(
        principal.actor,
        app.office_code,
        service,
        current_state,
        action,
        reason=reason,
        holds_claim=claimed,
    )
    if isinstance(decided, Refusal):
        raise ops.refusal_problem(session, app, decided, now)
    details = handover_rules.details_for(session, app, action, body.handover, state, now)
    signed = ops.signed_document(session, app, action, body.document_sha256)
    if signed is not None:
        details = {**(details or {}), **signed}
    result, role = decided.target, decided.role.value
    ops.apply_transition(state, session, app, principal, action, result, now)
    entry = ops.add_history(
        session,
        app,
        principal,
        action=action.value,
        role=role,
        now=now,
        from_status=current_state.value,
        to_status=result.value,
        reason=reason,
        device_time=body.device_time,
        checklist=checklist,
        transaction_id=key,
        details=details,
    )
    ops.touch(session, app, principal, now, "action", {"action": action.value, "entry": entry.id})
    response = {
        "application": detail_dict(session, app, now),
        "entry": history_dict(entry, principal.user),
    }
    idempotency.remember(session, "action", key, principal.user.id, rhash, 200, response, now)
    session.commit()
    return idempotency.json_response(response)


@router.patch(
    "/applications/{app_id}",
    response_model=ApplicationDetail,
    responses=errors(*AUTHED, 404, 409),
)
def update_application(
    app_id: UUID,
    body: UpdateApplication,
    principal: CurrentPrincipal,
    session: DbSession,
    state: State,
) -> Response:
    """Correct the applicant and/or the service data of a draft or of an application returned
    for revision (`perlu perbaikan`), by whoever may (re)submit it. Replay-safe by
    `transaction_id` like an action, refused on a stale `expected_version`; each edit is a
    history entry `edit` naming the fields changed (never their values), a new version and a
    change in the feed."""
    return idempotency.once_more_on_conflict(
        session, lambda: _update(str(app_id), body, principal, session, state)
    )


EDITABLE = {WState.DRAFT: Action.SUBMIT, WState.NEEDS_REVISION: Action.RESUBMIT}
"""Editable states, and the action whose authority an edit borrows (who may send it on)."""


def _update(
    app_id: str,
    body: UpdateApplication,
    principal: Principal,
    session: Session,
    state: ServerState,
) -> Response:
    now = state.now()
    fresh = _locked_fresh("edit", app_id, body, principal, session, now)
    if isinstance(fresh, Response):
        return fresh
    app, rhash, key = fresh
    current_state = WState(app.status)
    service = state.catalogue.services.get(app.service_code)
    borrowed = EDITABLE.get(current_state)
    if borrowed is None:
        raise ProblemError(
            409,
            "wrong_state",
            f"Permohonan berstatus '{current_state.label}' tidak dapat diubah; hanya draf dan "
            "permohonan yang perlu perbaikan.",
            current=detail_dict(session, app, now),
        )
    decided = authority.decide(
        principal.actor,
        app.office_code,
        service,
        current_state,
        borrowed,
        reason=None,
        holds_claim=True,
    )
    if isinstance(decided, Refusal):
        raise ops.refusal_problem(session, app, decided, now)
    if ops.active_claim(app, now) and app.claim_user_id != principal.user.id:
        raise ProblemError(
            409,
            "claimed_by_other",
            "Permohonan sedang dikerjakan petugas lain; ubah setelah klaimnya dilepas.",
            claim=ops.claim_dict(session, app),
        )
    changed = edits.apply(app, body, service, state, now)
    if changed:
        app.version += 1
        app.updated_at = now
        entry = ops.add_history(
            session,
            app,
            principal,
            action="edit",
            role=decided.role.value,
            now=now,
            from_status=None,
            to_status=None,
            reason=edits.describe(changed),
            device_time=body.device_time,
            transaction_id=key,
            details={"fields": changed},
        )
        ops.touch(
            session,
            app,
            principal,
            now,
            "application_edited",
            {"fields": changed, "entry": entry.id},
        )
    response = detail_dict(session, app, now)
    idempotency.remember(session, "edit", key, principal.user.id, rhash, 200, response, now)
    session.commit()
    return idempotency.json_response(response)
