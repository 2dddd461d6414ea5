"""Verification codes of issued documents: made on the desktop (printed in the letter's QR
before the server knows of it) and checked by the server's public `/verify/{code}` page.

The code is the only key of the public page, so it is random and long (20 Crockford base-32
characters, 100 bits): never the letter number, which is sequential and printed. It is
readable aloud and typed forgivingly (lower case, hyphens, spaces, O for 0 and I/L for 1).
Here, not in the server, because the desktop makes it and both must agree on its shape.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH: Final = 20
CODE: Final = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
VERIFY_PATH: Final = "/verify"
_TYPED: Final = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def new_code() -> str:
    """A fresh random code (`secrets`: not guessable from the ones seen before)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """The canonical code for what was typed or scanned, or None when it cannot be one."""
    if len(text) > 4 * CODE_LENGTH:
        return None
    code = text.upper().translate(_TYPED)
    return code if CODE.match(code) else None


def verify_path(code: str) -> str:
    """The public page of a code, relative to the server: '/verify/<code>'."""
    return f"{VERIFY_PATH}/{code}"


def verify_url(base_url: str, code: str) -> str:
    """The link printed on the document and put in its QR: the server's base URL (without
    /api/v1) and the public page."""
    return base_url.rstrip("/") + verify_path(code)


__all__ = [
    "ALPHABET",
    "CODE",
    "CODE_LENGTH",
    "VERIFY_PATH",
    "new_code",
    "normalize_code",
    "verify_path",
    "verify_url",
]
