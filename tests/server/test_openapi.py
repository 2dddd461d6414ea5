"""The published OpenAPI document: committed copy up to date, and the live server conforms.

The property-based part drives every operation with schemathesis-generated requests (valid
and invalid) against a real server over HTTP and checks: no 5xx, documented status codes and
content types, and response bodies that match their schemas.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live_server import LiveServer, start_server

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"
REGENERATE = "python -m server openapi > docs/api/openapi.json"


def test_committed_document_matches_served(live_server: LiveServer) -> None:
    served = requests.get(live_server.api + "/openapi.json", timeout=30).json()
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, (
        f"docs/api/openapi.json is out of date; regenerate it with: {REGENERATE}"
    )


def test_every_error_is_documented_as_problem_json() -> None:
    doc = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    # The public status and verification pages answer a phone's errors as
                    # HTML as well.
                    page = ["text/html"] if path.startswith(("/status", "/verify")) else []
                    assert list(response["content"]) == ["application/problem+json", *page], (
                        path,
                        method,
                        status,
                    )
    assert "HTTPValidationError" not in doc["components"]["schemas"]


@pytest.fixture(scope="module")
def schema_server() -> Iterator[dict[str, Any]]:
    """A server of its own: generated requests create users and applications."""
    with start_server(applications=20) as server:
        tokens = {}
        for role in ("admin", "operator"):
            username, password = server.accounts[role]
            r = requests.post(
                server.api + "/auth/login",
                json={"username": username, "password": password, "device_id": "schemathesis"},
                timeout=30,
            )
            tokens[role] = r.json()["access_token"]
        yield {"server": server, "tokens": tokens}


# The committed document (checked above to equal the served one) is loaded at collection
# time; the base URL of the live server is given per call. (`schemathesis.pytest.from_fixture`
# would load it from the server, but does not work with pytest 9.)
schema = schemathesis.openapi.from_path(COMMITTED)


@schemathesis.serializer("application/pdf", "image/tiff")
def _binary(ctx: Any, value: Any) -> bytes:
    """Uploads are raw bytes whatever the declared type (the server sniffs the content)."""
    return value if isinstance(value, bytes) else str(value).encode()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any, schema_server: dict[str, Any]) -> None:
    path = case.operation.path
    role = "operator" if path.startswith("/api/v1/applications") else "admin"
    server: LiveServer = schema_server["server"]
    case.call_and_validate(
        base_url=server.url,
        headers={
            "Authorization": "Bearer " + schema_server["tokens"][role],
            "X-Loket-Device": "schemathesis",
        },
        checks=CHECKS,
        timeout=30,
    )
