"""Registration, provisional and letter numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.numbering import (
    DEFAULT_LETTER_PATTERN,
    NumberError,
    check_letter_pattern,
    format_letter_number,
    format_provisional_number,
    format_registration_number,
    is_provisional_number,
    looks_like_registration_number,
    parse_registration_number,
    roman_month,
)

DAY = date(2026, 11, 24)


def test_registration_number_shape() -> None:
    text = format_registration_number("1471", DAY, 42)
    assert text.startswith("1471-261124-0042-")
    assert len(text) == len("1471-261124-0042-6")
    parsed = parse_registration_number(text)
    assert (parsed.area, parsed.issued, parsed.sequence) == ("1471", DAY, 42)
    assert str(parsed) == text


def test_registration_number_grows_past_four_digits() -> None:
    text = format_registration_number("1471", DAY, 123456)
    assert parse_registration_number(text).sequence == 123456


@given(
    area=st.from_regex(r"\A[1-9][0-9]{3}\Z"),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    seq=st.integers(min_value=1, max_value=999_999),
)
def test_registration_number_round_trip(area: str, day: date, seq: int) -> None:
    text = format_registration_number(area, day, seq)
    parsed = parse_registration_number(text)
    assert (parsed.area, parsed.issued, parsed.sequence) == (area, day, seq)
    # Separators are optional when typed or scanned.
    assert parse_registration_number(text.replace("-", "")) == parsed
    assert parse_registration_number(" " + text.replace("-", " ") + " ") == parsed


@given(
    seq=st.integers(min_value=1, max_value=9999),
    pos=st.integers(min_value=0, max_value=14),
    delta=st.integers(min_value=1, max_value=9),
)
def test_every_single_digit_typo_is_caught(seq: int, pos: int, delta: int) -> None:
    digits = format_registration_number("1471", DAY, seq).replace("-", "")
    wrong = digits[:pos] + str((int(digits[pos]) + delta) % 10) + digits[pos + 1 :]
    assert not looks_like_registration_number(wrong)


@given(seq=st.integers(min_value=1, max_value=9999), pos=st.integers(min_value=0, max_value=13))
def test_every_adjacent_swap_is_caught(seq: int, pos: int) -> None:
    digits = format_registration_number("1471", DAY, seq).replace("-", "")
    swapped = digits[:pos] + digits[pos + 1] + digits[pos] + digits[pos + 2 :]
    if swapped != digits:
        assert not looks_like_registration_number(swapped)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "terlalu pendek"),
        ("1471-2611", "terlalu pendek"),
        ("1471-26112A-0042-6", "hanya berisi angka"),
        ("SEM-1471-D01", "hanya berisi angka"),
    ],
)
def test_bad_registration_numbers(text: str, fragment: str) -> None:
    with pytest.raises(NumberError, match=fragment):
        parse_registration_number(text)


def test_impossible_date_in_a_checksummed_number() -> None:
    from stdnum import damm

    body = "1471" + "261324" + "0001"  # month 13
    with pytest.raises(NumberError, match="tanggal"):
        parse_registration_number(body + damm.calc_check_digit(body))


def test_registration_number_refuses_bad_parts() -> None:
    with pytest.raises(NumberError, match="4 digit"):
        format_registration_number("147", DAY, 1)
    with pytest.raises(NumberError, match="dimulai dari 1"):
        format_registration_number("1471", DAY, 0)


def test_provisional_numbers() -> None:
    text = format_provisional_number("14.71.01.1001", "D03", DAY, 7)
    assert text == "SEM-1471011001-D03-261124-0007"
    assert is_provisional_number(text)
    assert not is_provisional_number(format_registration_number("1471", DAY, 7))
    # Two devices of the same office on the same day never collide.
    assert text != format_provisional_number("14.71.01.1001", "D04", DAY, 7)
    with pytest.raises(NumberError, match="kode perangkat"):
        format_provisional_number("1471011001", "d-3", DAY, 1)
    with pytest.raises(NumberError, match="kode kantor"):
        format_provisional_number("14710110", "D03", DAY, 1)


def test_roman_months() -> None:
    assert [roman_month(m) for m in (1, 4, 9, 11, 12)] == ["I", "IV", "IX", "XI", "XII"]
    with pytest.raises(NumberError):
        roman_month(13)


def test_default_letter_pattern() -> None:
    text = format_letter_number(
        DEFAULT_LETTER_PATTERN, number=17, issued=DAY, klasifikasi="470", unit="KEL-SKJ"
    )
    assert text == "470/17/KEL-SKJ/XI/2026"


def test_letter_pattern_variants() -> None:
    assert (
        format_letter_number("[nomor:3]/[klasifikasi]/[bulan]/[tahun2]", number=5, issued=DAY,
                             klasifikasi="474.1")
        == "005/474.1/11/26"
    )
    assert format_letter_number("SKD-[nomor:4]-[tahun]", number=12345, issued=DAY) == (
        "SKD-12345-2026"
    )


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("[klasifikasi]/[tahun]", "[nomor] tepat satu kali"),
        ("[nomor]/[nomor]/[tahun]", "[nomor] tepat satu kali"),
        ("[nomor]/[unit]", "[tahun] atau [tahun2]"),
        ("[nomor]/[bln]/[tahun]", "[bln] tidak dikenal"),
        ("[nomor]/[tahun", "tidak berpasangan"),
    ],
)
def test_bad_letter_patterns(pattern: str, fragment: str) -> None:
    assert any(fragment in p for p in check_letter_pattern(pattern))
    with pytest.raises(NumberError, match="pola nomor surat tidak valid"):
        format_letter_number(pattern, number=1, issued=DAY)


def test_letter_number_starts_at_one() -> None:
    with pytest.raises(NumberError):
        format_letter_number(DEFAULT_LETTER_PATTERN, number=0, issued=DAY)
