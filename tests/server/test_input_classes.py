"""Every hostile input class against every input of every operation in the served OpenAPI
document, so that a new endpoint or field is covered without a new test (issue 8).

The walker reads `/api/v1/openapi.json`, finds each operation's JSON body fields (nested
objects and arrays included) and query parameters, and sends, one field at a time, a request
that is otherwise valid (a known-good baseline for the operations below; for an operation not
listed, one made up from its schema) with a hostile value in that field:

- text (every string input): the baseline value with format and bidi controls woven in.
  Never a 5xx, no successful answer echoes them, and afterwards no table holds one.
- datetimes (every `date-time` / `date` input): out of range (`9999-12-31T23:59:59-14:00`,
  `0001-01-01T00:00:00+14:00`) and naive. Refused with 422 naming that field.
- booleans and integers in bodies: `"true"`, `"yes"`, `1` for a boolean; `"1"`, `1.0`, `true`
  for an integer. Refused with 422 naming that field. (Query parameters are strings by nature
  and are parsed.)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from PIL import Image

from tests.live_server import LiveServer, start_server
from tests.server.audit_chains import Chain
from tests.server.conftest import application_body, run_sql

Loc = tuple[str | int, ...]

# Woven into text: right-to-left isolate and its pop, Arabic letter mark, right-to-left override,
# zero width space and joiner, byte order mark, soft hyphen, an escape and a C1 control.
HOSTILE_TEXT = ("\u2067", "\u2069\u061c", "\u202e", "\u200b\u200d", "\ufeff\u00ad", "\x1b\x9b")
BAD_DATETIMES = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-11-24T08:15:00")
BAD_DATES = ("0001-01-01", "9999-12-31")
NOT_BOOLEANS: tuple[Any, ...] = ("true", "yes", 1)
NOT_INTEGERS: tuple[Any, ...] = ("1", 1.0, True)
WHITESPACE_CONTROLS = "\t\n\r"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def invisible(text: str) -> bool:
    """A character that no stored text may hold: controls (but tab, newline, carriage return),
    format characters (bidi controls, zero-width characters, ...), private use, separators."""
    return any(
        (unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
        and ch not in WHITESPACE_CONTROLS
        for ch in text
    )


def weave(value: str) -> str:
    """`value` with a hostile character after each of its first characters (and at its end)."""
    out = []
    for i, ch in enumerate(value):
        out.append(ch)
        if i < len(HOSTILE_TEXT):
            out.append(HOSTILE_TEXT[i])
    return "".join(out) + "".join(HOSTILE_TEXT[len(value) :])


# -- the OpenAPI document as a list of inputs -------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    where: str  # "body" or "query"
    loc: Loc  # within the body, or (name,) for a query parameter
    schema: dict[str, Any]

    @property
    def kind(self) -> str:
        schema = self.schema
        if schema.get("type") == "array":
            schema = schema.get("items", {})
        if schema.get("type") == "string":
            fmt = schema.get("format")
            return {"date-time": "datetime", "date": "date", "binary": "binary"}.get(
                fmt or "", "string"
            )
        return str(schema.get("type", "object"))


@dataclass
class Operation:
    method: str
    path: str
    leaves: list[Leaf] = field(default_factory=list)
    body_schema: dict[str, Any] | None = None
    form: bool = False  # the body is a form (text by nature, like a query), not JSON


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _not_null(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(doc, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_resolve(doc, s) for s in schema[key] if s.get("type") != "null"]
            if options:
                return _not_null(doc, options[0])
    return schema


def _body_leaves(doc: dict[str, Any], schema: dict[str, Any], loc: Loc) -> Iterator[Leaf]:
    schema = _not_null(doc, schema)
    if schema.get("type") == "object" or "properties" in schema:
        for name, sub in schema.get("properties", {}).items():
            yield from _body_leaves(doc, sub, (*loc, name))
        return
    if schema.get("type") == "array":
        items = _not_null(doc, schema.get("items", {}))
        if items.get("type") == "object" or "properties" in items:
            yield from _body_leaves(doc, items, (*loc, 0))
            return
        yield Leaf("body", loc, {"type": "array", "items": items})
        return
    yield Leaf("body", loc, schema)


def operations(doc: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            op = Operation(method.upper(), path)
            for param in spec.get("parameters", []):
                if param["in"] == "query":
                    schema = _not_null(doc, param.get("schema", {}))
                    op.leaves.append(Leaf("query", (param["name"],), schema))
            content = spec.get("requestBody", {}).get("content", {})
            for media in ("application/json", *FORMS):
                if media in content:
                    op.body_schema = content[media]["schema"]
                    op.form = media in FORMS
                    op.leaves += list(_body_leaves(doc, op.body_schema, ()))
                    break
            if op.leaves:
                found.append(op)
    return found


def example(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A plausible value for a schema (for operations without a known-good baseline)."""
    schema = _not_null(doc, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: example(doc, v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(doc, schema.get("items", {}))]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return int(schema.get("minimum", 1))
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date-time":
        return "2026-11-24T08:15:00Z"
    if fmt == "date":
        return "1990-01-01"
    return "contoh"


# -- known-good requests ----------------------------------------------------------------------


@dataclass
class Request:
    role: str | None
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    data: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 10, 120)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


class Walker:
    """A server of its own (the final scan must see only what this walk stored) and sessions."""

    OFFICE = "14.71.01.1002"

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.tokens: dict[str, str] = {}
        for role in ("operator", "admin"):
            username, password = server.accounts[role]
            r = requests.post(
                server.api + "/auth/login",
                json={"username": username, "password": password, "device_id": "walker"},
                timeout=30,
            )
            assert r.status_code == 200, r.text
            self.tokens[role] = r.json()["access_token"]
        self.doc: dict[str, Any] = requests.get(server.api + "/openapi.json", timeout=30).json()
        # Log-in and user edits are walked on accounts of their own (a walk may lock them).
        self.login_user = self._user("walker-login")
        self.target_user = self._user("walker-target")

    def call(self, method: str, role: str | None, path: str, **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = "Bearer " + self.tokens[role]
        headers.setdefault("X-Loket-Device", "walker")
        return requests.request(method, self.server.url + path, headers=headers, timeout=60, **kw)

    def _user(self, prefix: str) -> dict[str, Any]:
        r = self.call(
            "POST",
            "admin",
            "/api/v1/users",
            json={
                "username": f"{prefix}-{uuid.uuid4().hex[:6]}",
                "full_name": "Akun Uji",
                "password": "kata-sandi-uji",
                "roles": ["operator"],
                "office_code": self.OFFICE,
            },
        )
        assert r.status_code == 201, r.text
        user: dict[str, Any] = r.json()
        return user

    def draft(self) -> str:
        r = self.call(
            "POST",
            "operator",
            "/api/v1/applications",
            json=application_body(self.OFFICE, submit=False),
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert r.status_code == 201, r.text
        app_id: str = r.json()["id"]
        return app_id

    def baseline(self, op: Operation) -> Request:
        """A request that succeeds (or fails only for a reason unrelated to its fields)."""
        key = (op.method, op.path.removeprefix("/api/v1"))
        make = BASELINES.get(key)
        if make is not None:
            return make(self)
        role = "operator" if key[1].startswith("/applications") else "admin"
        params = {
            name.strip("{}"): str(uuid.uuid4())
            for name in op.path.split("/")
            if name.startswith("{")
        }
        body = example(self.doc, op.body_schema) if op.body_schema is not None else None
        return Request(role, params, body=body)

    def send(self, op: Operation, request: Request) -> requests.Response:
        path = op.path
        for name, value in request.path_params.items():
            path = path.replace("{" + name + "}", value)
        kwargs: dict[str, Any] = {"params": request.query, "headers": request.headers}
        if request.data is not None:
            kwargs["data"] = request.data
        elif request.body is not None and op.form:
            kwargs["data"] = request.body
        elif request.body is not None:
            kwargs["json"] = request.body
        return self.call(op.method, request.role, path, **kwargs)


def _login(w: Walker) -> Request:
    body = {"username": w.login_user["username"], "password": "kata-sandi-uji", "device_id": "w"}
    return Request(None, body=body)


def _token_body(_w: Walker) -> Request:
    return Request(None, body={"refresh_token": "t" * 43})


_PROVISIONAL = itertools.count(1)
"""The server refuses a provisional number already used (409 provisional_number_taken): each
baseline create gets its own, whichever tests ran before on the shared server."""


def _create(w: Walker) -> Request:
    body = application_body(w.OFFICE, submit=True, birth_date="1990-03-04", sex="P")
    body.update(
        device_time="2026-11-24T08:15:00Z",
        provisional_number=f"SEM-1471011002-D09-261124-{next(_PROVISIONAL):04d}",
    )
    body["applicant"].update(kk_number=None, email="siti@example.id")
    return Request("operator", body=body, headers={"Idempotency-Key": str(uuid.uuid4())})


def _act(w: Walker) -> Request:
    body = {
        "action": "submit",
        "reason": "Berkas sudah lengkap",
        "expected_version": 1,
        "transaction_id": str(uuid.uuid4()),
        "device_time": "2026-11-24T08:15:00Z",
        "checklist": [{"requirement_code": "KTP-EL", "ok": True, "note": "Jelas terbaca"}],
    }
    return Request("operator", {"app_id": w.draft()}, body=body)


def _upload(w: Walker) -> Request:
    return Request(
        "operator",
        {"app_id": w.draft(), "doc_id": str(uuid.uuid4())},
        query={"requirement_code": "KTP-EL", "filename": "ktp-pemohon.png"},
        data=PNG,
        headers={
            "Content-Type": "image/png",
            "X-Content-SHA256": hashlib.sha256(PNG).hexdigest(),
        },
    )


def _list(_w: Walker) -> Request:
    return Request("operator", query={"q": "Siti", "service_code": "SK-DOMISILI"})


def _letter(w: Walker) -> Request:
    body = {
        "office_code": w.OFFICE,
        "letter_type": "sk_domisili",
        "klasifikasi": "470",
        "transaction_id": str(uuid.uuid4()),
    }
    return Request("operator", body=body)


def _reserve(w: Walker) -> Request:
    body = {
        "office_code": w.OFFICE,
        "letter_type": "sktm",
        "count": 2,
        "transaction_id": str(uuid.uuid4()),
    }
    return Request("operator", body=body)


def _audit(_w: Walker) -> Request:
    """The first event of a new chain (the user as hashed is named, so the sender's own user
    need not be known here)."""
    event = Chain(str(uuid.uuid4())).event(
        application_id=str(uuid.uuid4()),
        device_time=datetime(2026, 11, 24, 8, 15, tzinfo=UTC),
        details={"copies": 1},
    )
    return Request("operator", body={"events": [event]})


def _new_user(w: Walker) -> Request:
    body = {
        "username": "baru-" + uuid.uuid4().hex[:8],
        "full_name": "Petugas Baru",
        "password": "kata-sandi-baru",
        "roles": ["operator"],
        "office_code": w.OFFICE,
    }
    return Request("admin", body=body)


def _patch_user(w: Walker) -> Request:
    body = {
        "full_name": "Nama Diperbarui",
        "password": "kata-sandi-lain",
        "roles": ["operator"],
        "office_code": w.OFFICE,
        "disabled": False,
    }
    return Request("admin", {"user_id": w.target_user["id"]}, body=body)


BASELINES: dict[tuple[str, str], Callable[[Walker], Request]] = {
    ("POST", "/auth/login"): _login,
    ("POST", "/auth/refresh"): _token_body,
    ("POST", "/auth/logout"): _token_body,
    ("GET", "/applications"): _list,
    ("POST", "/applications"): _create,
    ("POST", "/applications/{app_id}/actions"): _act,
    ("PUT", "/applications/{app_id}/documents/{doc_id}"): _upload,
    ("POST", "/numbers/letter"): _letter,
    ("POST", "/numbers/reserve"): _reserve,
    ("POST", "/audit"): _audit,
    ("POST", "/users"): _new_user,
    ("PATCH", "/users/{user_id}"): _patch_user,
}


def _get(container: Any, loc: Loc) -> Any:
    for part in loc:
        if isinstance(container, dict) and isinstance(part, str):
            container = container.get(part)
        elif isinstance(container, list) and isinstance(part, int) and part < len(container):
            container = container[part]
        else:
            return None
    return container


def _set(container: Any, loc: Loc, value: Any) -> None:
    for part in loc[:-1]:
        if isinstance(part, int):
            while len(container) <= part:
                container.append({})
        elif part not in container or container[part] is None:
            container[part] = {}
        container = container[part]
    container[loc[-1]] = value


def with_value(request: Request, leaf: Leaf, value: Any) -> Request:
    if leaf.where == "query":
        request.query = {**request.query, leaf.loc[0]: value}
        return request
    body = json.loads(json.dumps(request.body if request.body is not None else {}))
    _set(body, leaf.loc, value)
    request.body = body
    return request


def names_field(response: requests.Response, leaf: Leaf) -> bool:
    """A 422 `validation_error` whose errors point at exactly this input."""
    if response.status_code != 422:
        return False
    problem = response.json()
    wanted = [leaf.where, *leaf.loc]
    return problem.get("code") == "validation_error" and any(
        e["loc"][: len(wanted)] == wanted for e in problem.get("errors", [])
    )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        if value[:1] in "[{":
            with contextlib.suppress(ValueError):
                yield from _strings(json.loads(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def stored_invisible(server: LiveServer) -> list[tuple[str, str]]:
    """(table, text) for every stored string that holds an invisible character."""
    if server.db_path is not None:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    found = []
    for (table,) in run_sql(server, query):
        for row in run_sql(server, f'SELECT * FROM "{table}"'):
            found += [(table, text) for text in _strings(list(row)) if invisible(text)]
    return found


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def walker() -> Iterator[Walker]:
    with start_server() as server:
        yield Walker(server)


def _leaves(w: Walker, *kinds: str, where: str | None = None) -> list[tuple[Operation, Leaf]]:
    found = [
        (op, leaf)
        for op in operations(w.doc)
        for leaf in op.leaves
        if leaf.kind in kinds and (where is None or leaf.where == where)
    ]
    assert found, kinds
    return found


def _expect(found: list[tuple[Operation, Leaf]], method: str, path: str, loc: Loc) -> None:
    """The walk must reach inputs known to exist (a guard against walking nothing)."""
    assert any(
        op.method == method and op.path == "/api/v1" + path and leaf.loc == loc
        for op, leaf in found
    ), (method, path, loc)


def _label(op: Operation, leaf: Leaf) -> str:
    return f"{op.method} {op.path} {leaf.where}.{'.'.join(str(p) for p in leaf.loc)}"


def test_format_and_bidi_controls_in_every_text_input(walker: Walker) -> None:
    found = _leaves(walker, "string")
    _expect(found, "POST", "/applications", ("applicant", "name"))
    _expect(found, "POST", "/applications/{app_id}/actions", ("reason",))
    _expect(found, "POST", "/applications/{app_id}/actions", ("checklist", 0, "note"))
    _expect(found, "PUT", "/applications/{app_id}/documents/{doc_id}", ("filename",))
    _expect(found, "GET", "/applications", ("q",))
    _expect(found, "POST", "/audit", ("events", 0, "kind"))
    problems = []
    stored = 0
    for op, leaf in found:
        request = walker.baseline(op)
        current = _get(request.query if leaf.where == "query" else request.body, leaf.loc)
        if isinstance(current, list):
            current = current[0] if current else None
        sent = weave(current if isinstance(current, str) and current else "Teks uji")
        value: Any = [sent] if leaf.schema.get("type") == "array" else sent
        r = walker.send(op, with_value(request, leaf, value))
        if r.status_code >= 500:
            problems.append(f"{_label(op, leaf)}: {r.status_code} {r.text[:200]}")
        elif r.status_code < 300:
            stored += op.method != "GET"
            if r.content and invisible(r.text):
                problems.append(f"{_label(op, leaf)}: answer echoes them: {r.text[:300]!r}")
    assert not problems, "\n".join(problems)
    assert stored >= 5  # the walk really stored cleaned text (names, reasons, file names...)
    leftovers = stored_invisible(walker.server)
    assert not leftovers, leftovers[:10]


def test_out_of_range_and_naive_datetimes_in_every_input(walker: Walker) -> None:
    found = _leaves(walker, "datetime", "date")
    _expect(found, "POST", "/applications", ("device_time",))
    _expect(found, "POST", "/applications", ("applicant", "birth_date"))
    _expect(found, "POST", "/applications/{app_id}/actions", ("device_time",))
    _expect(found, "POST", "/audit", ("events", 0, "device_time"))
    problems = []
    for op, leaf in found:
        for bad in BAD_DATETIMES if leaf.kind == "datetime" else BAD_DATES:
            request = with_value(walker.baseline(op), leaf, bad)
            r = walker.send(op, request)
            if not names_field(r, leaf):
                problems.append(f"{_label(op, leaf)} = {bad}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_strings_for_booleans_and_integers_in_every_body(walker: Walker) -> None:
    found = [
        (op, leaf)
        for op, leaf in _leaves(walker, "boolean", "integer", where="body")
        if not op.form  # form fields, like query parameters, are text by nature
    ]
    _expect(found, "POST", "/applications", ("submit",))
    _expect(found, "POST", "/applications/{app_id}/actions", ("expected_version",))
    _expect(found, "POST", "/applications/{app_id}/actions", ("checklist", 0, "ok"))
    _expect(found, "POST", "/numbers/reserve", ("count",))
    _expect(found, "PATCH", "/users/{user_id}", ("disabled",))
    problems = []
    for op, leaf in found:
        for bad in NOT_BOOLEANS if leaf.kind == "boolean" else NOT_INTEGERS:
            request = with_value(walker.baseline(op), leaf, bad)
            r = walker.send(op, request)
            if not names_field(r, leaf):
                problems.append(f"{_label(op, leaf)} = {bad!r}: {r.status_code} {r.text[:200]}")
    assert not problems, "\n".join(problems)


def test_the_walk_finds_every_kind_of_input() -> None:
    """On a made-up document: query parameters, JSON bodies with nested objects and arrays,
    nullable fields and `$ref`s, and form bodies are all walked."""
    doc = {
        "paths": {
            "/api/v1/things": {
                "get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}]},
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/T"}}
                        }
                    }
                },
                "put": {
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"note": {"type": "string"}},
                                }
                            }
                        }
                    }
                },
            }
        },
        "components": {
            "schemas": {
                "T": {
                    "type": "object",
                    "properties": {
                        "when": {
                            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]
                        },
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/I"}},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "I": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
            }
        },
    }
    found = {
        (op.method, leaf.where, leaf.loc, leaf.kind, op.form)
        for op in operations(doc)
        for leaf in op.leaves
    }
    assert found == {
        ("GET", "query", ("q",), "string", False),
        ("POST", "body", ("when",), "datetime", False),
        ("POST", "body", ("items", 0, "ok"), "boolean", False),
        ("POST", "body", ("tags",), "string", False),
        ("PUT", "body", ("note",), "string", True),
    }


def test_every_baseline_request_is_accepted(walker: Walker) -> None:
    """The known-good requests are good: otherwise a hostile value could be refused for
    another reason and the walk above would prove nothing."""
    for op in operations(walker.doc):
        key = (op.method, op.path.removeprefix("/api/v1"))
        if key not in BASELINES:
            continue
        r = walker.send(op, walker.baseline(op))
        expected = {401} if key[1] == "/auth/refresh" else set()
        assert r.status_code < 300 or r.status_code in expected, (key, r.status_code, r.text)
