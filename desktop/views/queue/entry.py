"""What a typed or scanned entry in the queue means: an exact number, a number that is wrong, or
free text to search for. No Qt here, so the rule is one function that the search box, the
barcode reader and the tests share.

Only an exact number opens an application: a registration number with a correct check digit
(`numbering.parse_registration_number`) or a complete provisional number. Text that looks like
a registration number but is not one (a wrong check digit, a number cut short) is refused with
the reason, never matched by prefix. Anything else (a name, a NIK, a part of a number typed to
narrow the list) is a search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from desktop.domain.numbering import NumberError, parse_registration_number

_SEPARATORS = re.compile(r"[\s.\-/]+")
_PROVISIONAL = re.compile(r"^SEM-(\d{2}|\d{4}|\d{6}|\d{10})-[A-Z0-9]{1,6}-\d{6}-\d{4,}$")
_GROUPED_REGISTRATION = re.compile(r"^\d{4}[\s.\-/]\d{6}[\s.\-/]")
"""A registration number being written the way the receipt prints it: 1471-261124-…"""
REGISTRATION_DIGITS = range(11, 16)
"""Digit-only entries of this length are taken as registration numbers (15 digits): the area
and date make 10, so 11+ digits is a sequence being typed. A NIK or KK number has 16."""

EntryKind = Literal["number", "bad_number", "text"]


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    value: str
    """"number": the canonical number; otherwise the text as given (stripped)."""
    reason: str = ""
    """"bad_number": why it is not a registration number (Indonesian)."""


def read_number(text: str) -> Entry:
    """`text` is meant as a number (a scan): the exact number, or why it is not one."""
    stripped = text.strip()
    upper = stripped.upper()
    if upper.startswith("SEM-"):
        if _PROVISIONAL.match(upper):
            return Entry("number", upper)
        return Entry("bad_number", stripped, "nomor sementara tidak lengkap")
    try:
        return Entry("number", str(parse_registration_number(stripped)))
    except NumberError as exc:
        return Entry("bad_number", stripped, str(exc))


def classify(text: str) -> Entry:
    """A typed entry in the search box, at Enter."""
    stripped = text.strip()
    if not stripped:
        return Entry("text", "")
    compact = _SEPARATORS.sub("", stripped)
    if stripped.upper().startswith("SEM-"):
        return read_number(stripped)
    digits = compact.isascii() and compact.isdigit()
    if digits and (len(compact) in REGISTRATION_DIGITS or _GROUPED_REGISTRATION.match(stripped)):
        return read_number(stripped)
    return Entry("text", stripped)
