"""The FastAPI application: routers under /api/v1, problem handlers, body limits, OpenAPI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from server import problems
from server.clock import SYSTEM_CLOCK, Clock
from server.config import API_PREFIX, SERVER_VERSION, Settings
from server.db import Database
from server.limits import BodyLimitMiddleware
from server.problems import PROBLEM_MEDIA_TYPE
from server.routes import (
    admin,
    applications,
    audit,
    auth,
    claims,
    delivery,
    documents,
    escrow,
    meta,
    numbers,
    reports,
    status,
    survey,
    transfer,
    verify,
)
from server.state import ServerState

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Reference central server of Loket. The contract is docs/architecture/api-v1.md; "
    "errors are application/problem+json with a stable `code`."
)


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> FastAPI:
    """Build the app; the database schema must already be migrated (`loket-server migrate`).

    `clock` is for tests that build the app themselves (`server.clock`); every command of
    `loket-server` runs on the system clock.
    """
    settings = settings or Settings.from_env()
    db = database or Database(settings)
    state = ServerState(settings=settings, db=db, secret=settings.resolved_secret(), clock=clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.catalogue  # noqa: B018 - load (and validate) the catalogue before serving
        log.info(
            "Loket server %s ready (database: %s, catalogue %s)",
            SERVER_VERSION,
            db.dialect,
            state.catalogue.version,
        )
        yield
        db.dispose()

    app = FastAPI(
        title="Loket central API",
        version=SERVER_VERSION,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.loket = state
    problems.install(app)
    for module in (
        meta,
        auth,
        applications,
        documents,
        delivery,
        numbers,
        audit,
        admin,
        reports,
        transfer,
        escrow,
        survey,
        claims,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(verify.api_router, prefix=API_PREFIX)
    app.include_router(status.router)  # public, outside the API: the receipt's QR link
    app.include_router(verify.router)  # public: an issued document's QR link
    app.add_middleware(
        BodyLimitMiddleware,
        json_limit=settings.max_json_bytes,
        upload_limit=settings.max_upload_bytes,
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error response as a problem+json `Problem`."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for code, response in operation.get("responses", {}).items():
                if code.isdigit() and int(code) >= 400:
                    # A public page answers its errors as HTML too (routes/status.py).
                    content = response.get("content", {})
                    page = {k: v for k, v in content.items() if k == "text/html"}
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}, **page}
                    if response.get("description") in (None, "", "Validation Error"):
                        response["description"] = "Problem"
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
