"""Whether two written names are the same person's, as Indonesian offices write them: with
academic and religious titles before the name ("Ir.", "Dr.", "H.", "Hj.", "Prof.") and degrees
after a comma ("…, S.Sos., M.Si."), in any case. "Ir. Bambang Sutrisno, M.Si." and "BAMBANG
SUTRISNO" are one person; "Budi Santoso" and "Bambang Sutrisno" are not.

Used before signing with a PKCS#12 (issue 13): a certificate whose holder (CN) is not the
signed-in official gets a warning, never a refusal - a legitimate match must never be blocked,
so the comparison forgives titles, dots, commas, case and spacing, and nothing else."""

from __future__ import annotations

import re
import unicodedata

PREFIX_TITLES = frozenset(
    {"prof", "dr", "drs", "dra", "ir", "h", "hj", "kh", "hc", "ny", "nn", "tn", "sdr", "sdri"}
)
"""Written before the name (lower case, without dots); "dr" is also "Dr." (doctor)."""
_WORDS = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def plain_name(text: str) -> str:
    """The name without titles or degrees, lower case, single spaces: "bambang sutrisno"."""
    name = unicodedata.normalize("NFKC", text).split(",", 1)[0]  # degrees follow a comma
    words = [w.casefold() for w in _WORDS.findall(name.replace(".", ". "))]
    while words and words[0] in PREFIX_TITLES:
        words.pop(0)
    return " ".join(words)


def same_person(a: str, b: str) -> bool:
    """True when both name the same person (titles, degrees, case and dots aside). Two empty
    names are not a match: nothing is known."""
    left, right = plain_name(a), plain_name(b)
    return bool(left) and left == right


__all__ = ["PREFIX_TITLES", "plain_name", "same_person"]
