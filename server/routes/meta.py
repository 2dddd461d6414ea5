"""Health, catalogue and office tree: what a desktop reads before anything else."""

from __future__ import annotations

from fastapi import APIRouter, Header
from sqlalchemy import select
from starlette.responses import Response

from server.config import API_VERSION, SERVER_VERSION
from server.deps import CurrentPrincipal, DbSession, State
from server.idempotency import json_response
from server.models import Office
from server.routes import AUTHED, errors
from server.schemas import Catalogue, Health, OfficeList
from server.scope import scope_clause
from server.serialize import iso, office_dict

router = APIRouter()


@router.get("/health", response_model=Health, tags=["meta"])
def health(state: State) -> Response:
    """Liveness for the desktop's connectivity probe; no auth, no database."""
    return json_response(
        {
            "status": "ok",
            "api_version": API_VERSION,
            "server_time": iso(state.now()),
            "server_version": SERVER_VERSION,
        }
    )


@router.get(
    "/catalogue",
    response_model=Catalogue,
    tags=["meta"],
    responses={304: {"description": "Not modified (If-None-Match matched)"}, **errors(*AUTHED)},
)
def catalogue(
    principal: CurrentPrincipal,
    state: State,
    if_none_match: str | None = Header(default=None, max_length=200),
) -> Response:
    cat = state.catalogue
    etag = f'"{cat.version}"'
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if etag in tags or "*" in tags:
            return Response(status_code=304, headers={"ETag": etag})
    response = json_response(cat.to_dict())
    response.headers["ETag"] = etag
    return response


@router.get("/offices", response_model=OfficeList, tags=["meta"], responses=errors(*AUTHED))
def offices(principal: CurrentPrincipal, session: DbSession) -> Response:
    rows = (
        session.execute(
            select(Office)
            .where(scope_clause(Office.code, principal.office.code))
            .order_by(Office.code)
        )
        .scalars()
        .all()
    )
    return json_response({"items": [office_dict(o) for o in rows]})
