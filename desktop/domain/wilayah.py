"""Indonesian administrative region codes (kode wilayah), loaded lazily from `resources/wilayah`.

Two files, two costs. NIK and KK checks need only provinsi/kabupaten/kecamatan codes, and must
accept codes that were later split or renamed, so they use `kode_historis.csv` (~8.5k rows).
The full current list `wilayah.csv` (91,599 rows, mostly desa/kelurahan) is read only when a
desa lookup, `children()` of a kecamatan or a desa search needs it. Importing this module and
calling `get_wilayah()` read nothing; loading is guarded by a lock because worker threads may
validate numbers concurrently.
"""

from __future__ import annotations

import csv
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Level = Literal["provinsi", "kabkota", "kecamatan", "desa"]

HISTORICAL_FILE = "kode_historis.csv"
CURRENT_FILE = "wilayah.csv"

_LEVEL_BY_DIGITS: dict[int, Level] = {2: "provinsi", 4: "kabkota", 6: "kecamatan", 10: "desa"}
_DIGITS_BY_LEVEL: dict[Level, int] = {v: k for k, v in _LEVEL_BY_DIGITS.items()}


class WilayahDataError(RuntimeError):
    """The region files are missing or malformed: a packaging fault, not bad user input."""


@dataclass(frozen=True, slots=True)
class Region:
    """One region. `current` means it is in today's list; `years_seen` are the list years
    it appeared in (empty for desa/kelurahan, whose history is not tracked)."""

    code: str
    name: str
    level: Level
    current: bool
    years_seen: tuple[int, ...]

    @property
    def digits(self) -> str:
        """The code without dots, as it appears inside a NIK."""
        return self.code.replace(".", "")


def code_digits(code: str) -> str | None:
    """`"31.71.01"` or `"317101"` -> `"317101"`; None when it cannot be a region code."""
    text = code.strip()
    if "." in text:
        parts = text.split(".")
        widths = (2, 2, 2, 4)
        if len(parts) > 4 or any(
            len(p) != w or not (p.isascii() and p.isdigit())
            for p, w in zip(parts, widths[: len(parts)], strict=True)
        ):
            return None
        return "".join(parts)
    if len(text) in _LEVEL_BY_DIGITS and text.isascii() and text.isdigit():
        return text
    return None


def dotted(digits: str) -> str:
    """`"3171010001"` -> `"31.71.01.0001"` (no validation; see `code_digits`)."""
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(p for p in parts if p)


_CODE = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2})?)?")
"""Provinsi, kabkota or kecamatan code as written in the files."""


def _read_rows(path: Path, columns: int) -> list[list[str]]:
    """Rows without the header. Plain split (fast); the csv module only for the few quoted
    lines (names with commas)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WilayahDataError(f"data wilayah tidak dapat dibaca: {path} ({exc})") from exc
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines[0].startswith("kode,"):
        raise WilayahDataError(f"data wilayah rusak (kepala kolom salah): {path}")
    rows = []
    for line in lines[1:]:
        if not line:
            continue
        row = next(csv.reader([line])) if '"' in line else line.split(",")
        if len(row) != columns:
            raise WilayahDataError(f"baris rusak di {path.name}: {line!r}")
        rows.append(row)
    return rows


def _parse_years(text: str) -> tuple[int, ...]:
    try:
        return tuple(sorted(int(y) for y in text.split()))
    except ValueError:
        raise WilayahDataError(f"tahun rusak di {HISTORICAL_FILE}: {text!r}") from None


class Wilayah:
    """Region index over one resources directory. Construct cheaply; files load on first use.

    Region objects are built on first lookup and then reused: building 8.5k frozen objects
    up front would cost more than reading the file."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        # digits -> (dotted code, name, years seen); provinsi/kabkota/kecamatan, all years
        self._historical: dict[str, tuple[str, str, tuple[int, ...]]] | None = None
        self._latest_year = 0
        self._regions: dict[str, Region] = {}
        # desa/kelurahan from today's list: digits -> name, kecamatan digits -> desa digits
        self._desa_names: dict[str, str] | None = None
        self._desa_by_parent: dict[str, list[str]] | None = None

    # -- loading ------------------------------------------------------------------------------

    @property
    def historical_loaded(self) -> bool:
        return self._historical is not None

    @property
    def full_list_loaded(self) -> bool:
        return self._desa_names is not None

    def warm_up(self) -> None:
        """Read both lists now (~0.2 s), on the caller's thread: the session starts this on a
        worker so the first address line or kelurahan picker does not pay it on the GUI
        thread."""
        self._historical_index()
        self._full_list()

    def _historical_index(self) -> dict[str, tuple[str, str, tuple[int, ...]]]:
        index = self._historical
        if index is None:
            with self._lock:
                if self._historical is None:
                    self._historical = self._load_historical()
                index = self._historical
        return index

    def _load_historical(self) -> dict[str, tuple[str, str, tuple[int, ...]]]:
        index: dict[str, tuple[str, str, tuple[int, ...]]] = {}
        years_by_text: dict[str, tuple[int, ...]] = {}  # only a handful of distinct values
        latest = 0
        for code, name, years_text in _read_rows(self.directory / HISTORICAL_FILE, 3):
            if not _CODE.fullmatch(code):
                raise WilayahDataError(f"kode rusak di {HISTORICAL_FILE}: {code!r}")
            years = years_by_text.get(years_text)
            if years is None:
                years = years_by_text[years_text] = _parse_years(years_text)
                latest = max(latest, *years, 0)
            index[code.replace(".", "")] = (code, name.strip(), years)  # a few end in " "
        # A code is current when it was seen in the newest list the file knows about.
        self._latest_year = latest
        return index

    def _full_list(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        names, by_parent = self._desa_names, self._desa_by_parent
        if names is None or by_parent is None:
            with self._lock:
                if self._desa_names is None or self._desa_by_parent is None:
                    self._desa_by_parent, self._desa_names = self._load_full_list()
                names, by_parent = self._desa_names, self._desa_by_parent
        return names, by_parent

    def _load_full_list(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """Only desa/kelurahan are kept: the upper levels of today's list are exactly the
        newest year of the historical file."""
        names: dict[str, str] = {}
        by_parent: dict[str, list[str]] = {}
        for code, name in _read_rows(self.directory / CURRENT_FILE, 2):
            if len(code) != 13:
                continue
            parent = code[0:2] + code[3:5] + code[6:8]
            digits = parent + code[9:13]
            names[digits] = name.strip()
            siblings = by_parent.get(parent)
            if siblings is None:
                by_parent[parent] = [digits]
            else:
                siblings.append(digits)
        return by_parent, names

    def _region(self, digits: str) -> Region | None:
        region = self._regions.get(digits)
        if region is None:
            entry = self._historical_index().get(digits)
            if entry is None:
                return None
            code, name, years = entry
            region = Region(
                code, name, _LEVEL_BY_DIGITS[len(digits)], self._latest_year in years, years
            )
            self._regions[digits] = region  # benign race: equal objects
        return region

    def _desa(self, digits: str, name: str) -> Region:
        return Region(dotted(digits), name, "desa", True, ())

    # -- queries ------------------------------------------------------------------------------

    def lookup(self, code: str) -> Region | None:
        """Any level, current or historical; accepts `"317101"` or `"31.71.01"`."""
        digits = code_digits(code)
        if digits is None:
            return None
        if len(digits) == 10:
            name = self._full_list()[0].get(digits)
            return None if name is None else self._desa(digits, name)
        return self._region(digits)

    def lookup_digits(self, digits: str) -> Region | None:
        """Fast path for NIK/KK checks: 2, 4 or 6 plain digits, no normalisation, never
        loads the full list."""
        return self._region(digits)

    def is_historical_kecamatan(self, code6: str) -> bool:
        """True if the kecamatan code existed in any known year (today's list included)."""
        digits = code_digits(code6)
        return digits is not None and len(digits) == 6 and digits in self._historical_index()

    def _historical_regions(self, width: int, prefix: str, current_only: bool) -> list[Region]:
        found = []
        for digits in sorted(self._historical_index()):
            if len(digits) == width and digits.startswith(prefix):
                region = self._region(digits)
                if region is not None and (region.current or not current_only):
                    found.append(region)
        return found

    def regions(self, level: Level, *, current_only: bool = False) -> list[Region]:
        """Every region of one level in code order (desa loads the full list)."""
        if level == "desa":
            names = self._full_list()[0]
            return [self._desa(d, names[d]) for d in sorted(names)]
        return self._historical_regions(_DIGITS_BY_LEVEL[level], "", current_only)

    def children(self, code: str, *, current_only: bool = True) -> list[Region]:
        """Direct children in code order: kabkota of a provinsi, kecamatan of a kabkota,
        desa/kelurahan of a kecamatan. Historical children only with `current_only=False`."""
        digits = code_digits(code)
        if digits is None or len(digits) == 10:
            return []
        if len(digits) == 6:
            names, by_parent = self._full_list()
            return [self._desa(d, names[d]) for d in by_parent.get(digits, [])]
        return self._historical_regions(len(digits) + 2, digits, current_only)

    def search(self, text: str, level: Level | None = None, limit: int = 20) -> list[Region]:
        """Regions whose name contains `text` (case-insensitive), or whose code starts with it
        when `text` is a code. Exact matches first, then prefixes; current before historical;
        then by code. Desa are searched (loading the full list) only when `level` is None or
        "desa"."""
        needle = " ".join(text.split()).casefold()
        if not needle or limit <= 0:
            return []
        is_code = any(c.isdigit() for c in needle) and all(c.isdigit() or c == "." for c in needle)
        code_prefix = needle.replace(".", "") if is_code else ""
        scored: list[tuple[int, int, str, str]] = []  # rank, historical, digits, name

        def consider(digits: str, name: str, historical: int) -> None:
            if code_prefix:
                if not digits.startswith(code_prefix):
                    return
                rank = 0 if digits == code_prefix else 1
            else:
                folded = name.casefold()
                pos = folded.find(needle)
                if pos < 0:
                    return
                rank = 0 if folded == needle else (1 if pos == 0 else 2)
            scored.append((rank, historical, digits, name))

        if level != "desa":
            width = _DIGITS_BY_LEVEL[level] if level is not None else 0
            latest = self._latest_year
            for digits, (_, name, years) in self._historical_index().items():
                if not width or len(digits) == width:
                    consider(digits, name, 0 if latest in years else 1)
        if level in (None, "desa"):
            for digits, name in self._full_list()[0].items():
                consider(digits, name, 0)
        scored.sort()
        found = []
        for _, _, digits, name in scored[:limit]:
            region = self._region(digits) if len(digits) < 10 else self._desa(digits, name)
            if region is not None:
                found.append(region)
        return found


_cache: dict[Path, Wilayah] = {}
_default_by_env: dict[str | None, Wilayah] = {}  # LOKET_RESOURCES value -> index
_cache_lock = threading.Lock()


def default_directory() -> Path:
    """`$LOKET_RESOURCES/wilayah` if set, else the repository's `resources/wilayah`."""
    override = os.environ.get("LOKET_RESOURCES")
    if override:
        return Path(override) / "wilayah"
    return Path(__file__).resolve().parents[2] / "resources" / "wilayah"


def get_wilayah(directory: Path | None = None) -> Wilayah:
    """Shared index per directory; cheap to call (nothing is read until a query needs it).
    The default is looked up by the value of LOKET_RESOURCES, so checks that call this per
    number pay a dict lookup, not a path resolution."""
    if directory is None:
        env = os.environ.get("LOKET_RESOURCES") or None
        found = _default_by_env.get(env)
        if found is None:
            found = _default_by_env[env] = get_wilayah(default_directory())
        return found
    path = Path(directory)
    with _cache_lock:
        found = _cache.get(path)
        if found is None:
            found = _cache[path] = Wilayah(path)
        return found
