"""Scan profiles per PC ("KTP berwarna", "KK pengumpan F4"): a name, a device and settings.

They live in the PC's settings file (`Settings.scan_profiles`, a JSON list of objects) because
a profile names a device of THIS counter's PC. Loading is forgiving like the rest of the
settings: a profile without a usable name is skipped, a field with an unusable value falls
back to `ScanSettings`' default, and each is logged once, never fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from desktop.services.scanning.device import ColourMode, Paper, ScanSettings, Source
from desktop.settings import Settings

log = logging.getLogger(__name__)

_E = TypeVar("_E", Source, ColourMode, Paper)

MIN_DPI = 50
MAX_DPI = 1200


@dataclass(frozen=True)
class ScanProfile:
    name: str
    device_id: str  # backend-prefixed (see device.py); "" = whichever device is chosen
    settings: ScanSettings

    def to_json(self) -> dict[str, Any]:
        s = self.settings
        return {
            "name": self.name,
            "device_id": self.device_id,
            "source": s.source.value,
            "dpi": s.dpi,
            "mode": s.mode.value,
            "paper": s.paper.value,
            "remove_blank": s.remove_blank,
            "deskew": s.deskew,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ScanProfile | None:
        """The profile, with unusable fields at their defaults; None without a usable name."""
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            log.warning("scan profile without a name skipped")
            return None
        name = name.strip()
        default = ScanSettings()
        device_id = raw.get("device_id", "")
        if not isinstance(device_id, str):
            log.warning("scan profile %r: device_id %r unusable, none", name, device_id)
            device_id = ""
        dpi = raw.get("dpi", default.dpi)
        if isinstance(dpi, bool) or not isinstance(dpi, int) or not MIN_DPI <= dpi <= MAX_DPI:
            log.warning("scan profile %r: dpi %r unusable, %d", name, dpi, default.dpi)
            dpi = default.dpi
        settings = ScanSettings(
            source=_enum(Source, raw, "source", default.source, name),
            dpi=dpi,
            mode=_enum(ColourMode, raw, "mode", default.mode, name),
            paper=_enum(Paper, raw, "paper", default.paper, name),
            remove_blank=_flag(raw, "remove_blank", default.remove_blank, name),
            deskew=_flag(raw, "deskew", default.deskew, name),
        )
        return cls(name=name, device_id=device_id, settings=settings)


def _enum(kind: type[_E], raw: Mapping[str, Any], key: str, default: _E, name: str) -> _E:
    value = raw.get(key, default.value)
    try:
        return kind(value)
    except ValueError:
        log.warning("scan profile %r: %s %r unusable, %s", name, key, value, default.value)
        return default


def _flag(raw: Mapping[str, Any], key: str, default: bool, name: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        log.warning("scan profile %r: %s %r unusable, %s", name, key, value, default)
        return default
    return value


def load_profiles(settings: Settings) -> list[ScanProfile]:
    """The PC's profiles in stored order; a repeated name keeps its first profile."""
    out: list[ScanProfile] = []
    seen: set[str] = set()
    for raw in settings.scan_profiles:
        profile = ScanProfile.from_json(raw)
        if profile is None or profile.name in seen:
            continue
        seen.add(profile.name)
        out.append(profile)
    return out


def with_profiles(settings: Settings, profiles: Sequence[ScanProfile]) -> Settings:
    """`settings` with `profiles` as the PC's profiles (save it with `save_settings`)."""
    return settings.with_changes(scan_profiles=[p.to_json() for p in profiles])


def with_profile(settings: Settings, profile: ScanProfile) -> Settings:
    """Add `profile`, or replace the one of the same name in place."""
    profiles = load_profiles(settings)
    for i, existing in enumerate(profiles):
        if existing.name == profile.name:
            profiles[i] = profile
            break
    else:
        profiles.append(profile)
    return with_profiles(settings, profiles)


def without_profile(settings: Settings, name: str) -> Settings:
    return with_profiles(settings, [p for p in load_profiles(settings) if p.name != name])
