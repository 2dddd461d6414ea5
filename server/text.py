"""Which characters request text may hold: the one definition, applied to every JSON body field
(`schemas.Strict`), every query value (`limits.BodyLimitMiddleware`) and every document file name
(`files.safe_filename`).

*Invisible* characters are refused or removed everywhere:

- controls (Unicode category Cc) except tab, line feed and carriage return (ordinary white space,
  which free text collapses to single spaces);
- format characters (Cf): the bidi embeddings, overrides and isolates U+202A-U+202E and
  U+2066-U+2069, the marks U+200E, U+200F and U+061C, zero-width space, non-joiner and joiner
  (U+200B-U+200D), word joiner and invisible operators (U+2060-U+2064), the byte order mark,
  the soft hyphen, the interlinear annotation and tag characters, and any other;
- line and paragraph separators (Zl, Zp), surrogates (Cs) and private-use characters (Co);
- the other default-ignorable code points that render as nothing: combining grapheme joiner,
  Hangul fillers, Khmer inherent vowels, Mongolian free variation selectors, variation selectors.

Indonesian text needs none of them: names, addresses and reasons are written in the Latin script
(Dukcapil records are Latin), where the zero-width joiner and non-joiner (U+200C, U+200D) have no
use; they are needed in Arabic, Persian and Indic scripts and emoji sequences, none of which a
record here holds. They are removed with the rest, so no invisible character can make two
names that look the same compare different, or make text display in another order than it
is stored (`gambar<RLI>gnp.exe` showing as `gambarexe.png`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

WHITESPACE_CONTROLS = "\t\n\r"
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_DEFAULT_IGNORABLE = (  # default-ignorable code points outside Cf (Unicode DerivedCoreProperties)
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors (and the vowel separator)
    (0x2065, 0x2065),  # reserved in the bidi block
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # reserved specials
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)
_PRIVATE_USE = ((0xE000, 0xF8FF), (0xF0000, 0x10FFFF))
_SCAN_LIMIT = 0x20000  # controls and format characters outside the tag plane all lie below


def _ranges() -> list[tuple[int, int]]:
    points = [
        cp
        for cp in range(_SCAN_LIMIT)
        if unicodedata.category(chr(cp)) in INVISIBLE_CATEGORIES
        and chr(cp) not in WHITESPACE_CONTROLS
    ]
    spans: list[tuple[int, int]] = []
    for cp in points:
        if spans and spans[-1][1] == cp - 1:
            spans[-1] = (spans[-1][0], cp)
        else:
            spans.append((cp, cp))
    return sorted(spans + list(_DEFAULT_IGNORABLE) + list(_PRIVATE_USE))


def _char_class(spans: list[tuple[int, int]]) -> str:
    def esc(cp: int) -> str:
        return f"\\U{cp:08x}"

    return "[" + "".join(esc(lo) if lo == hi else f"{esc(lo)}-{esc(hi)}" for lo, hi in spans) + "]"


INVISIBLE = re.compile(_char_class(_ranges()))
"""One invisible character (see the module docstring)."""

INVISIBLE_MESSAGE = (
    "berisi karakter tak terlihat (karakter kontrol, pengatur arah teks atau karakter lebar nol)"
)


def has_invisible(text: str) -> bool:
    return INVISIBLE.search(text) is not None


def strip_invisible(text: str) -> str:
    """`text` without invisible characters, NFC-normalised (after the removal, so that what is
    left composes)."""
    return unicodedata.normalize("NFC", INVISIBLE.sub("", text))


def clean_text(text: str) -> str:
    """Free text as stored: no invisible characters, NFC, single spaces, trimmed."""
    return " ".join(strip_invisible(text).split())


def holds_invisible(value: Any, depth: int = 0) -> bool:
    """True when a string in a (nested) value holds an invisible character (dict keys too)."""
    if isinstance(value, str):
        return has_invisible(value)
    if depth > 64:
        return False  # pathological nesting is refused elsewhere
    if isinstance(value, dict):
        return any(
            holds_invisible(k, depth + 1) or holds_invisible(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_invisible(v, depth + 1) for v in value)
    return False
