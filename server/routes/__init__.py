"""API v1 routers, one module per area of docs/architecture/api-v1.md."""

from __future__ import annotations

from typing import Any

from server.schemas import Problem


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for problem documents (media type fixed up in `openapi.py`)."""
    return {status: {"model": Problem, "description": "Problem"} for status in statuses}


AUTHED = (400, 401, 403, 413, 422)
