"""Letter numbers from a block this device reserved while online, handed out offline, against
the real reference server: never twice (not across a crash), refilled when the server answers,
and a clear message when the block is empty (issue 10)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.catalogue import load_catalogue
from desktop.models.store import Store
from desktop.services.api.client import ApiClient
from desktop.services.auth import AuthService, UserInfo
from desktop.services.letter_numbers import (
    ASKED,
    EMPTY_MESSAGE,
    LetterNumbers,
    LetterNumbersExhausted,
    issues_letters,
    letter_types_for,
)
from desktop.services.secrets import SecretStore
from tests.desktop.support import MemoryKeyring, TcpProxy
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer

PASSWORD = "loket-demo"
LETTER = "sktm"


def signed_in(url: str) -> tuple[ApiClient, UserInfo]:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
    return api, AuthService(api, SecretStore(MemoryKeyring())).sign_in("operator1", PASSWORD)


def numbers_for(api: ApiClient | None, store: Store, user: UserInfo, **kw: int) -> LetterNumbers:
    return LetterNumbers(api, store, office_code=user.office.code, user_id=user.id, **kw)


@pytest.fixture
def proxied(live_server: LiveServer) -> Iterator[TcpProxy]:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()


def test_reserve_take_offline_empty_message_then_refill_online(
    proxied: TcpProxy, store: Store
) -> None:
    api, user = signed_in(proxied.url)
    letters = numbers_for(api, store, user, block_size=3, low_water=0)
    assert letters.reserve(LETTER) == 3
    assert letters.available(LETTER) == 3
    proxied.down()  # the outage begins
    taken = [letters.take(LETTER, purpose=f"surat {i}") for i in range(3)]
    numbers = [t.number for t in taken]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    # Formatted offline exactly as the server would: klasifikasi/nomor/unit/bulan/tahun.
    assert all(t.formatted.split("/")[1] == str(t.number) for t in taken)
    assert all(t.formatted.endswith(f"/{t.year}") for t in taken)
    assert taken[0].formatted.split("/")[2].startswith("Kel.")
    with pytest.raises(LetterNumbersExhausted) as refused:
        letters.take(LETTER)
    assert refused.value.message == EMPTY_MESSAGE
    assert "tersedia lagi saat tersambung ke server" in refused.value.message

    proxied.up()  # back: the empty block is refilled by the take itself
    nxt = letters.take(LETTER)
    assert nxt.number > numbers[-1]
    every = [t.number for t in letters.taken()]
    assert len(every) == len(set(every)) == 4
    api.close()


def test_refilled_below_the_threshold_while_online(live_server: LiveServer, store: Store) -> None:
    api, user = signed_in(live_server.url)
    letters = numbers_for(api, store, user, block_size=4, low_water=2)
    assert letters.refill(LETTER) is True  # none at all: a block comes
    assert letters.available(LETTER) == 4
    assert letters.refill(LETTER) is False  # enough left: nothing asked
    letters.take(LETTER)
    letters.take(LETTER)
    letters.take(LETTER)  # one left, below two: the take refilled
    assert letters.available(LETTER) == 1 + 4
    offline = numbers_for(None, store, user, block_size=4, low_water=2)
    assert offline.refill(LETTER) is False  # no server: never raises
    api.close()


def test_no_number_twice_across_a_crash(live_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "pc.sqlite3"
    api, user = signed_in(live_server.url)
    first = Store(path)
    letters = numbers_for(api, first, user, block_size=5, low_water=0)
    letters.reserve(LETTER)
    one = numbers_for(None, first, user).take(LETTER)
    # The process dies right after handing the number out (no clean close of the store).
    first.engine.dispose()
    again = Store(path)
    try:
        offline = numbers_for(None, again, user)
        rest = [offline.take(LETTER).number for _ in range(4)]
        assert one.number not in rest and len(set(rest)) == 4
        with pytest.raises(LetterNumbersExhausted):
            offline.take(LETTER)
        every = [t.number for t in offline.taken()]
        assert sorted(every) == list(range(one.number, one.number + 5))
    finally:
        again.close()
        first.close()
        api.close()


def test_a_reservation_whose_answer_was_lost_is_the_same_block(
    live_server: LiveServer, store: Store
) -> None:
    with FaultProxy(live_server.url) as proxy:
        api, user = signed_in(proxy.url)
        letters = numbers_for(api, store, user, block_size=5, low_water=0)
        proxy.reset_after_request(once=True)  # the server reserved; the answer never came
        assert letters.refill(LETTER) is False
        assert proxy.faults == 1 and letters.available(LETTER) == 0
        assert letters.reserve(LETTER) == 5  # asked again with the same transaction id
        blocks = store.read(
            lambda c: c.exec_driver_sql("SELECT transaction_id, start FROM letter_blocks").all()
        )
        assert len(blocks) == 1
        # The server's next single number follows that one block: nothing reserved twice.
        nxt = api.post_json(
            "/numbers/letter",
            {
                "office_code": user.office.code,
                "letter_type": LETTER,
                "transaction_id": str(uuid.uuid4()),
            },
        )
        assert nxt["number"] == blocks[0][1] + 5
        api.close()


def test_the_letter_types_an_office_issues_and_who_numbers_them() -> None:
    catalogue = load_catalogue()
    kelurahan = letter_types_for(catalogue, "kelurahan")
    assert {"sktm", "sk_domisili", "sk_usaha"} <= set(kelurahan)
    assert kelurahan == tuple(sorted(set(kelurahan)))  # each once, in a stable order
    assert letter_types_for(catalogue, "dinas") == ()  # Disdukcapil issues no kelurahan letter
    assert letter_types_for(None, "kelurahan") == ()
    assert issues_letters(["operator"]) and issues_letters(["verifier", "validator"])
    assert not issues_letters(["verifier"]) and not issues_letters(["supervisor", "admin"])


def test_a_refill_pass_reserves_the_types_without_a_block_and_stops_when_offline(
    proxied: TcpProxy, store: Store
) -> None:
    api, user = signed_in(proxied.url)
    letters = numbers_for(api, store, user, block_size=3, low_water=2)
    assert letters.refill_all(["sktm", "sk_usaha"]) == ["sktm", "sk_usaha"]
    assert letters.refill_all(["sktm", "sk_usaha"]) == []  # enough of both: nothing asked
    letters.take("sktm", refill=False)
    letters.take("sktm", refill=False)
    proxied.down()
    # Offline: the first request fails and the pass ends (no second type is tried).
    assert letters.refill_all(["sktm", "sk_domisili"]) == []
    asked = store.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT letter_type FROM letter_blocks WHERE state = ?", (ASKED,)
        ).all()
    )
    assert [r[0] for r in asked] == ["sktm"]  # kept: asked again with the same id
    proxied.up()
    assert letters.refill_all(["sktm", "sk_domisili"]) == ["sktm", "sk_domisili"]
    assert letters.available("sktm") == 4
    api.close()
