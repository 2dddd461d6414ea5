"""What a typed or scanned entry means in the queue (issue 8 item 3): only an exact number opens
an application; a wrong or cut-short registration number is refused with the reason; anything
else is a search. And the office filter's grouping by kecamatan (item 10)."""

from __future__ import annotations

from datetime import date

import pytest

from desktop.domain.numbering import format_registration_number
from desktop.views.queue.entry import classify, read_number
from desktop.views.queue.office_filter import office_entries

NUMBER = format_registration_number("1471", date(2026, 11, 24), 42)  # 1471-261124-0042-x
WRONG = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)


@pytest.mark.parametrize(
    "text",
    [NUMBER, NUMBER.replace("-", ""), f"  {NUMBER} ", NUMBER.replace("-", " ")],
)
def test_an_exact_number_is_a_number(text: str) -> None:
    entry = classify(text)
    assert entry.kind == "number" and entry.value == NUMBER
    assert read_number(text).value == NUMBER


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (WRONG, "digit pemeriksa"),
        (WRONG.replace("-", ""), "digit pemeriksa"),
        (NUMBER[:-2], "terlalu pendek"),  # 1471-261124-0042: a prefix of a real number
        (NUMBER[:-3], "terlalu pendek"),
        (NUMBER.replace("-", "")[:-2], "terlalu pendek"),  # 13 digits
        (NUMBER.replace("-", "")[:11], "terlalu pendek"),
        ("SEM-1471011001-D03", "sementara tidak lengkap"),
    ],
)
def test_a_wrong_or_partial_number_is_refused_with_the_reason(text: str, why: str) -> None:
    entry = classify(text)
    assert entry.kind == "bad_number" and why in entry.reason
    assert read_number(text).kind == "bad_number"


@pytest.mark.parametrize(
    "text",
    ["wulan sari", "3171015208900001", "1471", "0042", "147126", "", "abd. rahman", "1471-2611"],
)
def test_names_niks_and_short_parts_are_searches(text: str) -> None:
    assert classify(text).kind == "text"


def test_a_scan_is_always_read_as_a_number() -> None:
    assert read_number("3171015208900001").kind == "bad_number"  # a NIK is not a receipt
    assert read_number("hello world").kind == "bad_number"
    complete = "SEM-1471011001-D03-261124-0007"
    assert read_number(complete.lower()).value == complete
    assert classify(complete).value == complete


def test_offices_are_grouped_by_kecamatan() -> None:
    names = {
        "14.71": "Disdukcapil Kota Pekanbaru",
        "14.71.01": "Kecamatan Sukajadi",
        "14.71.01.1002": "Kelurahan Jadirejo",
        "14.71.01.1001": "Kelurahan Kampung Tengah",
        "14.71.02.1001": "Kelurahan Simpang Empat",
    }
    codes = ["14.71.02.1001", "14.71.01.1002", "14.71", "14.71.01.1001", "14.71.01"]
    entries = [(e.label, e.level) for e in office_entries(codes, names)]
    assert entries == [
        ("Disdukcapil Kota Pekanbaru", 0),
        ("Kecamatan 14.71.02", 0),  # no name known: still a group, by its code
        ("Kelurahan Simpang Empat", 1),
        ("Kecamatan Sukajadi", 0),
        ("Kelurahan Jadirejo", 1),
        ("Kelurahan Kampung Tengah", 1),
    ]
