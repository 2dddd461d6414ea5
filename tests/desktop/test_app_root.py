"""The composition root's own logic, without windows: what a sign-in prepares for the session
(the office's store, the region's catalogue) and hands to the GUI thread, and private log files.
Where stores live and how they are checked: test_store_locator."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from pathlib import Path

import pytest

from desktop.logs import setup_logging
from desktop.models.store_locator import store_location
from desktop.services.api.errors import LoketError
from desktop.services.auth import Office, UserInfo
from desktop.services.logmask import install_log_masking
from desktop.session import PreparedSlot, prepare, region_of

SERVER = "https://loket.pekanbaru.go.id"


def user(username: str = "ana", office: str = "14.71.02") -> UserInfo:
    return UserInfo(
        id="u-1",
        username=username,
        full_name="Ana",
        roles_raw=("verifier",),
        office=Office(office, "Kantor", "kecamatan", "14.71"),
        device_code="D01",
        max_offline_days=7,
    )


# -- what a sign-in prepares (on its worker), and its hand-over to the GUI thread ------------------


def test_prepare_opens_the_office_store_and_loads_its_regions_catalogue(tmp_path: Path) -> None:
    prepared = prepare(tmp_path, SERVER, user("ana", "14.71.02"))
    try:
        assert prepared.store.store.path == store_location(tmp_path, SERVER, "ana", "14.71.02")
        assert prepared.catalogue is not None and prepared.catalogue.services
        assert prepared.fits(SERVER, user("ana", "14.71.02"))
        assert not prepared.fits(SERVER, user("ana", "14.71.01"))
        assert not prepared.fits("https://lain.go.id", user("ana", "14.71.02"))
    finally:
        prepared.close()
    assert region_of("14.71.02") == "1471" and region_of("14") is None


def test_a_store_that_cannot_be_made_is_an_indonesian_loket_error(tmp_path: Path) -> None:
    blocker = tmp_path / "stores"
    blocker.write_text("not a folder")  # the data folder is unusable
    with pytest.raises(LoketError) as caught:
        prepare(tmp_path, SERVER, user())
    assert "tidak dapat dibuat" in caught.value.message and "izin folder" in caught.value.message


def test_the_slot_closes_what_it_replaces_and_what_does_not_fit(tmp_path: Path) -> None:
    slot = PreparedSlot(tmp_path)
    first = prepare(tmp_path, SERVER, user("ana", "14.71.02"))
    second = prepare(tmp_path, SERVER, user("budi", "14.71.02"))
    slot.put(first)
    slot.put(second)  # a second sign-in (the first was cancelled): the first store closes
    with pytest.raises(RuntimeError):
        first.store.store.write_async(lambda c: None)
    taken = slot.take(SERVER, user("ana", "14.71.02"))  # not what was prepared: made now
    try:
        assert taken is not second and taken.store.username == "ana"
        with pytest.raises(RuntimeError):
            second.store.store.write_async(lambda c: None)
    finally:
        taken.close()
    moved = user("ana", "14.71.01")
    slot.put(prepare(tmp_path, SERVER, moved, remove_stale=False), moved=moved)
    assert slot.take_moved() is moved and slot.take_moved() is None
    again = slot.take(SERVER, moved)
    again.close()


# -- private log files (finding 10) ----------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_log_directory_and_files_are_private(tmp_path: Path) -> None:
    install_log_masking()
    root = logging.getLogger()
    before = list(root.handlers)
    old_umask = os.umask(0o022)
    try:
        logs = tmp_path / "data" / "logs"
        path = setup_logging(logs)
        handler = next(h for h in root.handlers if h not in before)
        logging.getLogger("desktop.test").warning("NIK 1471015208900001 dicatat")
        handler.flush()
        assert stat.S_IMODE(logs.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "1471015208900001" not in path.read_text(encoding="utf-8")
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.doRollover()  # the new file after rotation is private too
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE((logs / "loket.log.1").stat().st_mode) == 0o600
    finally:
        os.umask(old_umask)
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
                h.close()
