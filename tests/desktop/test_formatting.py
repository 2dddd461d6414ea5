"""The words and zones the queue and the workbench share (`desktop.domain.formatting`):
one deadline wording, and the office's own zone (WIB/WITA/WIT) from its region code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain.formatting import (
    WIB,
    WIT,
    WITA,
    format_datetime,
    format_deadline,
    format_epoch_short,
    zone_for_region,
)
from desktop.domain.wilayah import get_wilayah

# Perpres/Keppres 41/1987: the provinces in each zone (codes as in resources/wilayah).
EXPECTED_ZONES = {
    "11": WIB,  # Aceh
    "12": WIB,
    "13": WIB,
    "14": WIB,  # Riau
    "15": WIB,
    "16": WIB,
    "17": WIB,
    "18": WIB,
    "19": WIB,  # Kep. Bangka Belitung
    "21": WIB,  # Kepulauan Riau
    "31": WIB,  # DKI Jakarta
    "32": WIB,
    "33": WIB,
    "34": WIB,
    "35": WIB,
    "36": WIB,  # Banten
    "51": WITA,  # Bali
    "52": WITA,  # NTB
    "53": WITA,  # NTT
    "61": WIB,  # Kalimantan Barat
    "62": WIB,  # Kalimantan Tengah
    "63": WITA,  # Kalimantan Selatan
    "64": WITA,  # Kalimantan Timur
    "65": WITA,  # Kalimantan Utara
    "71": WITA,
    "72": WITA,
    "73": WITA,
    "74": WITA,
    "75": WITA,  # Gorontalo
    "76": WITA,  # Sulawesi Barat
    "81": WIT,  # Maluku
    "82": WIT,  # Maluku Utara
    "91": WIT,  # Papua
    "92": WIT,
    "93": WIT,
    "94": WIT,
    "95": WIT,
    "96": WIT,  # Papua Barat Daya
}


def test_every_province_in_the_region_list_has_its_zone() -> None:
    provinces = {r.code for r in get_wilayah().regions("provinsi")}
    assert provinces == set(EXPECTED_ZONES)  # the table above is the whole country
    for code, zone in EXPECTED_ZONES.items():
        assert zone_for_region(code) is zone, code


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("14.71.01.1002", WIB),  # Kelurahan Jadirejo, Pekanbaru
        ("1471", WIB),
        ("14.71", WIB),
        ("62.71", WIB),  # Palangka Raya: Kalimantan Tengah is WIB
        ("63.71", WITA),  # Banjarmasin
        ("51.71.01", WITA),  # Denpasar
        ("73.71", WITA),  # Makassar
        ("81.71", WIT),  # Ambon
        ("94.01", WIT),
        ("97.01", WIT),  # a Papua code newer than the region list
    ],
)
def test_zone_of_an_office(code: str, zone: object) -> None:
    assert zone_for_region(code) is zone


@pytest.mark.parametrize("code", ["", "x", "00", "80", "99.99", "41.01", "1", "abc.def"])
def test_unknown_region_has_no_zone(code: str) -> None:
    assert zone_for_region(code) is None


def test_zone_names_in_datetimes() -> None:
    moment = datetime(2026, 11, 25, 3, 32, tzinfo=UTC)
    assert format_datetime(moment, WIB) == "Rab, 25 Nov 2026 10.32 WIB"
    assert format_datetime(moment, WITA) == "Rab, 25 Nov 2026 11.32 WITA"
    assert format_datetime(moment, WIT) == "Rab, 25 Nov 2026 12.32 WIT"
    assert format_datetime(moment, zone_for_region("14.71.01.1002")).endswith("10.32 WIB")


def test_epoch_short_in_a_zone() -> None:
    epoch = int(datetime(2026, 11, 24, 1, 15, tzinfo=UTC).timestamp())
    assert format_epoch_short(epoch, WIB) == "24/11/2026 08.15"
    assert format_epoch_short(epoch, WIT) == "24/11/2026 10.15"
    assert format_epoch_short(None, WIB) == ""


@pytest.mark.parametrize(
    ("remaining", "text"),
    [
        (timedelta(hours=21, minutes=40), "sisa 21 jam 40 menit"),
        (timedelta(minutes=12), "sisa 12 menit"),
        (timedelta(seconds=20), "sisa kurang dari 1 menit"),
        (timedelta(days=2, hours=3), "sisa 2 hari 3 jam"),
        (-timedelta(hours=46), "lewat tenggat 1 hari 22 jam"),
        (-timedelta(hours=3), "lewat tenggat 3 jam"),
        (-timedelta(minutes=5), "lewat tenggat 5 menit"),
        (-timedelta(days=175), "lewat tenggat 175 hari"),
    ],
)
def test_one_deadline_wording(remaining: timedelta, text: str) -> None:
    assert format_deadline(remaining) == text
