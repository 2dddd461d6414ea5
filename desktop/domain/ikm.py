"""Indeks Kepuasan Masyarakat (IKM): the satisfaction survey of Permenpan RB 14/2017.

Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan
Masyarakat Unit Penyelenggara Pelayanan Publik. The regulation is NOT among the seeds in
/work/shared/seeds (only the Perwali texts are; Perwali Pekanbaru 20/2024 Pasal 40 asks for the
survey), so this module follows the regulation's published text (Lampiran, Bab II and III):

- **Nine elements** (unsur) U1..U9, in the regulation's order of the unsur list: persyaratan;
  sistem, mekanisme dan prosedur; waktu penyelesaian; biaya/tarif; produk spesifikasi jenis
  pelayanan; kompetensi pelaksana; perilaku pelaksana; penanganan pengaduan, saran dan
  masukan; sarana dan prasarana. (The regulation's sample questionnaire asks sarana before
  pengaduan; the codes here follow the unsur list, so U8 is pengaduan and U9 sarana.)
- **Four answers** per element, valued 1..4, worded as the sample questionnaire words them
  (`Element.answers`): the value 4 is always the best (for biaya, 4 = "Gratis").
- **Every respondent answers all nine**: the questionnaire has no "tidak tahu"; a response is
  valid only with the nine values (`check_answers`). The formula still divides each element's
  total by the respondents who answered THAT element (`from_totals` takes a count per element),
  as the regulation writes it ("total unsur yang terisi").
- **NRR** (nilai rata-rata) per element = total of its answer values / respondents who answered;
  **NRR tertimbang** = NRR x weight; **IKM unit** = sum of the nine weighted NRRs (1.00..4.00);
  **IKM converted** = IKM unit x 25 (25.00..100.00).
- **The weight is exactly 1/9**, a `Fraction`. The regulation defines it as "jumlah bobot /
  jumlah unsur = 1/9" and prints it rounded (0,111). The rounded decimal is not used: with it a
  unit whose every respondent answered 4 on every element scores 3.996 x 25 = 99.90, never the
  100.00 that tops the regulation's own conversion table, and every result is 0.1 % low. The
  exact fraction reproduces the table's ends (1 -> 25.00, 4 -> 100.00). The regulation's worked
  example could not be read here (its text is not in the seeds): if a reviewer holds it and it
  multiplies by 0,111, `WEIGHT` is the one line to change, and `tests/domain/test_ikm.py`
  shows both results for the seeded set.
- **Quality bands** (mutu pelayanan), on the converted value: A Sangat Baik 88,31-100,00;
  B Baik 76,61-88,30; C Kurang Baik 65,00-76,60; D Tidak Baik 25,00-64,99. The table leaves
  gaps (64,99 | 65,00; 76,60 | 76,61; 88,30 | 88,31) because it is written with two decimals:
  the converted value is therefore rounded to two decimals (half up, as the report prints it)
  and the band is read from THAT number, so a printed IKM and its band always agree with the
  table a reader checks them against (76,605 prints 76,61 and is B).
- **Sample size**: the regulation takes the minimum number of respondents from Krejcie and
  Morgan's table for the population served in the period (e.g. 100 -> 80, 1.000 -> 278,
  10.000 -> 370, 100.000 and more -> 384). `SAMPLE_NOTE` says so; nothing here enforces it -
  the report shows the number of respondents beside every index.

Qt-free and exact (fractions), so the server's report and the tests compute the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


@dataclass(frozen=True)
class Element:
    """One unsur: its code, its name in the regulation, the question and the four answers
    (value 1 first)."""

    code: str
    name: str
    question: str
    answers: tuple[str, str, str, str]


ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1",
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        "U2",
        "Sistem, mekanisme dan prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    Element(
        "U3",
        "Waktu penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    Element(
        "U4",
        "Biaya/tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    Element(
        "U5",
        "Produk spesifikasi jenis pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element(
        "U6",
        "Kompetensi pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    Element(
        "U7",
        "Perilaku pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    Element(
        "U8",
        "Penanganan pengaduan, saran dan masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
    Element(
        "U9",
        "Sarana dan prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
)
CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)
LOWEST, HIGHEST = 1, 4
WEIGHT = Fraction(1, len(ELEMENTS))
"""Jumlah bobot / jumlah unsur = 1/9, exactly (see the module docstring)."""
CONVERSION = 25
"""IKM unit (1..4) x 25 = the converted index (25..100)."""
NO_DATA = "tidak ada data"
"""What a report says where no respondent answered: never a zero."""
SAMPLE_NOTE = (
    "Permenpan RB 14/2017 menentukan jumlah responden minimal dari tabel Krejcie dan Morgan "
    "menurut jumlah penerima layanan dalam periode survei (mis. 100 orang: 80 responden; "
    "1.000: 278; 10.000: 370; 100.000 atau lebih: 384). Jumlah responden ditampilkan; "
    "batas ini tidak dipaksakan."
)


@dataclass(frozen=True)
class Band:
    """A mutu pelayanan: letter, label (kinerja unit pelayanan) and its converted range."""

    letter: str
    label: str
    low: Decimal
    high: Decimal


BANDS: tuple[Band, ...] = (
    Band("A", "Sangat Baik", Decimal("88.31"), Decimal("100.00")),
    Band("B", "Baik", Decimal("76.61"), Decimal("88.30")),
    Band("C", "Kurang Baik", Decimal("65.00"), Decimal("76.60")),
    Band("D", "Tidak Baik", Decimal("25.00"), Decimal("64.99")),
)
CENT = Decimal("0.01")


def two_decimals(value: Fraction | Decimal) -> Decimal:
    """Half-up to two decimals, the way the regulation's tables print values."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def band_for(converted: Fraction | Decimal) -> Band:
    """The band of a converted index (25..100), read on its two-decimal value."""
    shown = two_decimals(converted)
    if not BANDS[-1].low <= shown <= BANDS[0].high:
        raise ValueError(f"nilai IKM {shown} di luar 25,00-100,00")
    for band in BANDS:
        if shown >= band.low:
            return band
    raise AssertionError("unreachable: D starts at 25.00")  # pragma: no cover


def check_answers(answers: Sequence[object]) -> list[str]:
    """Indonesian problems of one response: nine answers, each a whole number 1..4."""
    if len(answers) != len(ELEMENTS):
        return [f"Jawaban harus {len(ELEMENTS)} unsur (U1-U9), bukan {len(answers)}."]
    return [
        f"{code}: jawaban harus angka {LOWEST}-{HIGHEST}."
        for code, value in zip(CODES, answers, strict=True)
        if isinstance(value, bool) or not isinstance(value, int) or not LOWEST <= value <= HIGHEST
    ]


@dataclass(frozen=True)
class ElementScore:
    code: str
    name: str
    respondents: int
    total: int
    nrr: Fraction
    weighted: Fraction


@dataclass(frozen=True)
class IkmResult:
    """The index of a set of responses (a unit, an office, a service or all of them)."""

    respondents: int
    elements: tuple[ElementScore, ...]
    unit: Fraction
    """Sum of the weighted NRRs (1..4)."""
    converted: Fraction
    """unit x 25, exact."""

    @property
    def shown(self) -> Decimal:
        """The converted index as printed (two decimals)."""
        return two_decimals(self.converted)

    @property
    def band(self) -> Band:
        return band_for(self.converted)


def from_totals(
    respondents: int, totals: Sequence[int], counts: Sequence[int] | None = None
) -> IkmResult | None:
    """The index from per-element totals (what SQL sums); `counts`: respondents who answered
    each element (all of them when None). None - "tidak ada data" - when nobody answered."""
    if len(totals) != len(ELEMENTS):
        raise ValueError("nine element totals expected")
    answered = list(counts) if counts is not None else [respondents] * len(ELEMENTS)
    if respondents <= 0 or any(n <= 0 for n in answered):
        return None
    scores: list[ElementScore] = []
    for element, total, n in zip(ELEMENTS, totals, answered, strict=True):
        if not LOWEST * n <= total <= HIGHEST * n:
            raise ValueError(f"{element.code}: total {total} impossible for {n} answers")
        nrr = Fraction(total, n)
        scores.append(ElementScore(element.code, element.name, n, total, nrr, nrr * WEIGHT))
    unit = sum((s.weighted for s in scores), Fraction(0))
    return IkmResult(respondents, tuple(scores), unit, unit * CONVERSION)


def compute(responses: Iterable[Sequence[int]]) -> IkmResult | None:
    """The index of complete responses (nine answers each); None when there are none."""
    rows = list(responses)
    for row in rows:
        problems = check_answers(row)
        if problems:
            raise ValueError(" ".join(problems))
    totals = [sum(row[i] for row in rows) for i in range(len(ELEMENTS))]
    return from_totals(len(rows), totals)


__all__ = [
    "BANDS",
    "CODES",
    "CONVERSION",
    "ELEMENTS",
    "NO_DATA",
    "SAMPLE_NOTE",
    "WEIGHT",
    "Band",
    "Element",
    "ElementScore",
    "IkmResult",
    "band_for",
    "check_answers",
    "compute",
    "from_totals",
    "two_decimals",
]
