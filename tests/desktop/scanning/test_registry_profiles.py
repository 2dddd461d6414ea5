"""Scan profiles and the scanning settings: kept in the real settings file of this PC, and a
bad stored value falls back instead of breaking the scan dialog."""

from __future__ import annotations

import json
import logging

import pytest

from desktop import settings as S
from desktop.services.scanning import profiles as P
from desktop.services.scanning.device import ColourMode, Paper, ScanSettings, Source
from tests.desktop.fixtures import LoketDirs

KTP = P.ScanProfile(
    "KTP berwarna", "sane:test:0", ScanSettings(Source.FLATBED, 300, ColourMode.COLOUR, Paper.A4)
)
KK = P.ScanProfile(
    "KK pengumpan",
    "escl:http://10.0.5.20:80/eSCL",
    ScanSettings(Source.DUPLEX, 200, ColourMode.BW, Paper.F4, remove_blank=False, deskew=False),
)


def write_raw(values: dict[str, object]) -> None:
    S.settings_path().parent.mkdir(parents=True, exist_ok=True)
    S.settings_path().write_text(json.dumps(values), encoding="utf-8")


def test_profiles_round_trip_through_the_settings_file(loket_dirs: LoketDirs) -> None:
    del loket_dirs
    settings = P.with_profiles(S.load_settings(), [KTP, KK])
    settings = settings.with_changes(
        scan_device="sane:test:0",
        escl_addresses=["http://10.0.5.20:80/eSCL"],
        hot_folder="/srv/pindai",
    )
    S.save_settings(settings)
    again = S.load_settings()
    assert not again.warnings
    assert P.load_profiles(again) == [KTP, KK]
    assert again.scan_device == "sane:test:0"
    assert again.escl_addresses == ("http://10.0.5.20:80/eSCL",)
    assert again.hot_folder == "/srv/pindai"
    stored = json.loads(S.settings_path().read_text(encoding="utf-8"))
    assert stored["scan_profiles"][1] == {
        "name": "KK pengumpan",
        "device_id": "escl:http://10.0.5.20:80/eSCL",
        "source": "duplex",
        "dpi": 200,
        "mode": "bw",
        "paper": "F4",
        "remove_blank": False,
        "deskew": False,
    }


def test_defaults_are_empty(loket_dirs: LoketDirs) -> None:
    del loket_dirs
    s = S.load_settings()
    assert (s.scan_profiles, s.scan_device, s.escl_addresses, s.hot_folder) == ((), "", (), "")
    assert P.load_profiles(s) == []


def test_bad_fields_fall_back_per_field(
    loket_dirs: LoketDirs, caplog: pytest.LogCaptureFixture
) -> None:
    del loket_dirs
    write_raw(
        {
            "scan_profiles": [
                {"name": "", "dpi": 300},  # no name: skipped
                {"dpi": 300},  # no name at all: skipped
                {
                    "name": "  KTP  ",
                    "device_id": 7,
                    "source": "feeder",
                    "dpi": "tinggi",
                    "mode": "sepia",
                    "paper": "F4",
                    "remove_blank": "ya",
                    "deskew": False,
                },
                {"name": "Besar", "dpi": 9600},
                {"name": "Benar", "dpi": True},  # a bool is not a DPI
                {"name": "KTP", "dpi": 600},  # same name again: the first is kept
            ]
        }
    )
    with caplog.at_level(logging.WARNING, logger=P.__name__):
        profiles = P.load_profiles(S.load_settings())
    default = ScanSettings()
    assert [p.name for p in profiles] == ["KTP", "Besar", "Benar"]
    ktp = profiles[0]
    assert ktp.device_id == ""
    assert ktp.settings == ScanSettings(
        Source.FEEDER, default.dpi, default.mode, Paper.F4, default.remove_blank, False
    )
    assert profiles[1].settings.dpi == default.dpi == profiles[2].settings.dpi
    logged = " ".join(r.getMessage() for r in caplog.records)
    for field in ("device_id", "dpi", "mode", "remove_blank"):
        assert field in logged


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("scan_profiles", {"name": "KTP"}),  # an object, not a list
        ("scan_profiles", ["KTP"]),  # not objects
        ("escl_addresses", "http://10.0.5.20/eSCL"),
        ("escl_addresses", [80]),
        ("hot_folder", ["/srv"]),
        ("scan_device", None),
    ],
)
def test_bad_scanning_settings_fall_back_with_a_warning(
    loket_dirs: LoketDirs, name: str, value: object
) -> None:
    del loket_dirs
    write_raw({name: value, "idle_lock_minutes": 3})
    s = S.load_settings()
    assert getattr(s, name) == S.Settings().__getattribute__(name)
    assert s.idle_lock_minutes == 3  # the rest is kept
    assert any(name in w for w in s.warnings)


def test_add_replace_and_remove_a_profile() -> None:
    s = P.with_profile(S.Settings(), KTP)
    s = P.with_profile(s, KK)
    faster = P.ScanProfile(KTP.name, KTP.device_id, ScanSettings(dpi=200))
    s = P.with_profile(s, faster)
    assert P.load_profiles(s) == [faster, KK]  # replaced in place
    s = P.without_profile(s, KTP.name)
    assert P.load_profiles(s) == [KK]


def test_settings_with_profiles_stay_hashable_and_comparable() -> None:
    a = P.with_profile(S.Settings(), KTP)
    b = P.with_profile(S.Settings(), KTP)
    assert a == b and hash(a) == hash(b)
    assert a != P.with_profile(S.Settings(), KK)
