"""The OpenAPI document as committed to docs/api/openapi.json (stable text)."""

from __future__ import annotations

import json

from fastapi import FastAPI


def openapi_text(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
