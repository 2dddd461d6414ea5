"""Request body limits and text hygiene, enforced before any handler sees the request (ASGI).

JSON bodies are read into memory up to the JSON limit (1 MiB) and no further; document uploads
are passed through as a stream with a byte count, and the upload handler stops at its limit.
A body over the limit is drained (up to `DRAIN_CAP`) before answering 413, so an ordinary
HTTP client that sends the whole body first still reads the 413 rather than a reset connection.

Text that no database can store - NUL characters and lone UTF-16 surrogates, both expressible
in JSON (`\\u0000`, `\\ud800`) - is refused with 422 here, once for every endpoint, instead of
failing deep inside PostgreSQL as a 500.

Query values (filters, and the display-only file name of an upload) lose their invisible
characters here, once for every endpoint (`server.text`): `q=Siti<ZWSP>` searches for `Siti`,
`filename=gambar<RLI>gnp.exe` arrives as `gambargnp.exe`. (JSON bodies get the same rules in
`schemas.Strict`, field by field.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode

from server.problems import problem_response
from server.text import has_invisible, strip_invisible

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DRAIN_CAP = 64 * 1024 * 1024
UPLOAD_PATH = re.compile(r"^/api/v1/applications/[^/]+/documents/[^/]+/?$")
VERIFY_UPLOAD_PATH = re.compile(r"^/verify/[^/]+/?$")
"""A PDF compared with an issued document (`routes/verify.py`): streamed like an upload."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _unstorable(value: Any, depth: int = 0) -> bool:
    """True when a parsed JSON value holds a NUL or a lone surrogate (keys included)."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if depth > 64:
        return False  # pathological nesting; the request models refuse it anyway
    if isinstance(value, dict):
        return any(_unstorable(k, depth + 1) or _unstorable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v, depth + 1) for v in value)
    return False


def _json_unstorable(body: bytes) -> bool:
    if b"\\u" not in body and b"\x00" not in body:
        return False
    try:
        return _unstorable(json.loads(body))
    except (ValueError, RecursionError):
        return False  # not JSON: the handler answers 400 malformed_json


def clean_query(raw: bytes) -> bytes | None:
    """The query string with invisible characters removed from its names and values, or None
    when it has none (the common case, left byte for byte as it came)."""
    text = raw.decode("latin-1")
    if not has_invisible(unquote_plus(text, errors="replace")):
        return None
    pairs = parse_qsl(text, keep_blank_values=True, errors="replace")
    cleaned = [(strip_invisible(name), strip_invisible(value)) for name, value in pairs]
    return urlencode(cleaned, quote_via=quote).encode("ascii")


async def _refuse_text(scope: Scope, receive: Receive, send: Send, where: str) -> None:
    response = problem_response(
        422,
        "validation_error",
        "Teks berisi karakter yang tidak sah (NUL atau surrogate Unicode tunggal).",
        errors=[{"loc": [where], "msg": "text contains NUL or a lone surrogate"}],
    )
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _drain(receive: Receive, already: int) -> None:
    total = already
    while total <= DRAIN_CAP:
        message = await receive()
        if message["type"] != "http.request":
            return
        total += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            "payload_too_large",
            f"Isi permintaan terlalu besar (maksimum {limit} byte).",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").lower()
        if b"%00" in query or b"\x00" in query or b"%ed%a" in query or b"%ed%b" in query:
            await _refuse_text(scope, receive, send, "query")
            return
        cleaned = clean_query(scope.get("query_string", b""))
        if cleaned is not None:
            scope = dict(scope, query_string=cleaned)
        if scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        upload = (scope["method"] == "PUT" and bool(UPLOAD_PATH.match(path))) or (
            scope["method"] == "POST" and bool(VERIFY_UPLOAD_PATH.match(path))
        )
        limit = self.upload_limit if upload else self.json_limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            if declared <= DRAIN_CAP:
                await _drain(receive, 0)
            await self._too_large(scope, receive, send, limit)
            return
        if upload:
            await self.app(scope, self._counting(receive, limit), send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                if message.get("more_body", False):
                    await _drain(receive, size)
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        buffered = b"".join(chunks)
        if _json_unstorable(buffered):
            await _refuse_text(scope, receive, send, "body")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": buffered, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _counting(receive: Receive, limit: int) -> Receive:
        """Pass chunks on; past the limit, drain the rest and end the body (the handler, having
        counted past the limit, answers 413)."""
        size = 0

        async def wrapped() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit and message.get("more_body", False):
                    await _drain(receive, size)
                    return {"type": "http.request", "body": message["body"], "more_body": False}
            return message

        return wrapped
