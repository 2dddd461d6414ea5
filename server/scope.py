"""What an office may see: itself and its descendants in the wilayah tree.

Office codes are dotted wilayah codes, so descent is a prefix: the dinas `14.71` sees every
`14.71.*`, the kecamatan `14.71.01` sees `14.71.01.*`, a kelurahan sees only itself. The dot in
the prefix keeps `14.71.1` from matching `14.71.10...`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_

from desktop.domain.authority import in_scope

__all__ = ["in_scope", "scope_clause"]


def scope_clause(column: Any, scope_code: str) -> ColumnElement[bool]:
    """`in_scope` as SQL: the office itself, or a code under it."""
    return or_(column == scope_code, column.like(_escape_like(scope_code) + ".%", escape="\\"))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
