"""IKM (Permenpan RB 14/2017) worked by hand on a seeded set, and the band boundaries."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from desktop.domain import ikm

SEEDED = [
    # U1 U2 U3 U4 U5 U6 U7 U8 U9   row sum
    (4, 4, 3, 4, 3, 3, 4, 3, 3),  # 31
    (3, 3, 3, 4, 3, 3, 3, 3, 3),  # 28
    (4, 3, 2, 4, 3, 4, 4, 2, 3),  # 29
    (3, 3, 3, 4, 4, 3, 4, 3, 2),  # 29
]
"""Four respondents. By hand, per element (total / 4 respondents = NRR):

U1 4+3+4+3 = 14 -> 3.50    U2 4+3+3+3 = 13 -> 3.25    U3 3+3+2+3 = 11 -> 2.75
U4 4+4+4+4 = 16 -> 4.00    U5 3+3+3+4 = 13 -> 3.25    U6 3+3+4+3 = 13 -> 3.25
U7 4+3+4+4 = 15 -> 3.75    U8 3+3+2+3 = 11 -> 2.75    U9 3+3+3+2 = 11 -> 2.75

Sum of NRR = 29.25 (check: the row sums 31+28+29+29 = 117, / 4 = 29.25).
Weighted NRR = NRR x 1/9; IKM unit = 29.25 / 9 = 3.25; converted = 3.25 x 25 = 81.25 -> B (Baik,
76.61-88.30). With the rounded weight 0.111 it would be 29.25 x 0.111 = 3.24675 -> 81.16875,
printed 81.17: the same band, 0.08 lower (see `ikm.WEIGHT`).
"""
HAND_NRR = ["3.5", "3.25", "2.75", "4", "3.25", "3.25", "3.75", "2.75", "2.75"]


def test_seeded_set_equals_the_hand_worked_formula() -> None:
    result = ikm.compute(SEEDED)
    assert result is not None
    assert result.respondents == 4
    assert [s.total for s in result.elements] == [14, 13, 11, 16, 13, 13, 15, 11, 11]
    assert [s.nrr for s in result.elements] == [Fraction(n) for n in HAND_NRR]
    assert [s.weighted for s in result.elements] == [Fraction(n) / 9 for n in HAND_NRR]
    assert result.unit == Fraction("3.25")
    assert result.converted == Fraction("81.25")
    assert result.shown == Decimal("81.25")
    assert (result.band.letter, result.band.label) == ("B", "Baik")
    rounded_weight = sum(Fraction(n) for n in HAND_NRR) * Fraction("0.111") * 25
    assert ikm.two_decimals(rounded_weight) == Decimal("81.17")


def test_the_ends_of_the_scale_are_25_and_100() -> None:
    best = ikm.compute([(4,) * 9] * 3)
    worst = ikm.compute([(1,) * 9])
    assert best is not None and worst is not None
    assert best.converted == 100 and best.band.letter == "A"
    assert worst.converted == 25 and worst.band.letter == "D"


def test_no_answers_is_no_data_never_zero() -> None:
    assert ikm.compute([]) is None
    assert ikm.from_totals(0, [0] * 9) is None
    assert ikm.NO_DATA == "tidak ada data"


def test_nrr_divides_by_those_who_answered_the_element() -> None:
    # 3 respondents, one skipped U9 (the regulation divides by "unsur yang terisi"):
    # U1..U8 totals 9 / 3 = 3.00; U9 total 8 / 2 = 4.00 -> sum 28 / 9 x 25 = 77.78 (B).
    result = ikm.from_totals(3, [9] * 8 + [8], [3] * 8 + [2])
    assert result is not None
    assert result.elements[-1].nrr == 4
    assert result.converted == Fraction(28 * 25, 9)
    assert result.shown == Decimal("77.78") and result.band.letter == "B"


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        ("100", "A"),
        ("88.31", "A"),
        ("88.305", "A"),  # prints 88.31
        ("88.3049", "B"),  # prints 88.30
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.605", "B"),  # prints 76.61
        ("76.6049", "C"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.995", "C"),  # prints 65.00
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_band_boundaries(value: str, letter: str) -> None:
    assert ikm.band_for(Decimal(value)).letter == letter


def test_band_labels_and_ranges() -> None:
    assert [(b.letter, b.label, str(b.low), str(b.high)) for b in ikm.BANDS] == [
        ("A", "Sangat Baik", "88.31", "100.00"),
        ("B", "Baik", "76.61", "88.30"),
        ("C", "Kurang Baik", "65.00", "76.60"),
        ("D", "Tidak Baik", "25.00", "64.99"),
    ]
    with pytest.raises(ValueError, match="di luar"):
        ikm.band_for(Decimal("24.99"))
    with pytest.raises(ValueError, match="di luar"):
        ikm.band_for(Decimal("100.01"))


def test_a_boundary_reached_by_real_answers() -> None:
    # The lower edge of C, 65.00 = 2.6 x 25, reached by real answers: 5 respondents whose
    # answers total 13 on every element (NRR 13 / 5 = 2.6 each, unit 2.6): C, not D.
    result = ikm.from_totals(5, [13] * 9)
    assert result is not None
    assert result.converted == 65 and result.band.letter == "C"
    just_below = ikm.from_totals(5, [13] * 8 + [12])  # 116 / 45 x 25 = 64.44
    assert just_below is not None and just_below.shown == Decimal("64.44")
    assert just_below.band.letter == "D"


def test_elements_and_answers_follow_the_regulation() -> None:
    assert ikm.CODES == ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
    names = [e.name for e in ikm.ELEMENTS]
    assert names[0] == "Persyaratan" and names[7].startswith("Penanganan pengaduan")
    assert names[8] == "Sarana dan prasarana"
    assert ikm.ELEMENTS[3].answers == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert all(len(e.answers) == 4 for e in ikm.ELEMENTS)


def test_check_answers() -> None:
    assert ikm.check_answers([3] * 9) == []
    assert ikm.check_answers([3] * 8) == ["Jawaban harus 9 unsur (U1-U9), bukan 8."]
    assert ikm.check_answers([3] * 8 + [5]) == ["U9: jawaban harus angka 1-4."]
    assert ikm.check_answers([True] + [3] * 8) == ["U1: jawaban harus angka 1-4."]
    with pytest.raises(ValueError):
        ikm.compute([(0,) * 9])
    with pytest.raises(ValueError):
        ikm.from_totals(2, [9] + [4] * 8)  # 9 > 2 x 4: impossible
