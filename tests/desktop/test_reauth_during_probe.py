"""Signed in offline without a refresh token, the first request after the server returns probes
`/health` and then ends the offline session ("masukkan kata sandi"). Several requests do that at
once (pull, outbox round, audit push), and on a busy PC a probe's answer can come after the
person already typed the password in the lock screen and the sign-in went through: that late
probe must not end the NEW session (it did: tokens wiped, the lock shown again, the password
asked a second time; seen in the offline-day GUI test under load). Real server behind a
FaultProxy whose slow connection carries the probe while the sign-in passes."""

from __future__ import annotations

import threading
from pathlib import Path

from desktop.services.api.errors import SessionExpired
from tests.desktop.support import MemoryKeyring
from tests.desktop.test_keys import PASSWORD, offline_auth
from tests.faultproxy import FaultProxy, Setting
from tests.live_server import LiveServer

PROBE_LATENCY_MS = 3000  # per answer chunk; below the client's 5 s read timeout


def test_a_probe_answered_after_the_password_leaves_the_new_session_alone(
    live_server: LiveServer, tmp_path: Path
) -> None:
    backend = MemoryKeyring()
    with FaultProxy(live_server.url) as proxy:
        online = offline_auth(proxy.url, backend, tmp_path)
        online.sign_in("verifier1", PASSWORD)
        online.forget_session()  # signed out: the offline record stays, no refresh token
        auth = offline_auth(proxy.url, backend, tmp_path)
        auth.sign_in_offline("verifier1", PASSWORD)
        ended: list[SessionExpired] = []
        auth.session_listeners.append(ended.append)

        proxy.latency(PROBE_LATENCY_MS)  # the probe's connection answers slowly
        accepted = proxy.accepted
        outcome: list[object] = []

        def request() -> None:  # a pull's token, on a worker
            try:
                outcome.append(auth.access_token())
            except Exception as exc:
                outcome.append(exc)

        probe = threading.Thread(target=request)
        probe.start()
        assert proxy.wait_accepted(accepted + 1)  # the probe is on its way
        proxy.set(Setting(), close_open=False)  # ... and the next connections pass
        user = auth.reauthenticate(PASSWORD)  # the password in the lock screen
        assert probe.is_alive(), "the probe answered before the sign-in: nothing tested"
        probe.join(timeout=30)
        assert not probe.is_alive()

        assert user.username == "verifier1"
        assert ended == [], ended  # the new session was not ended
        assert auth.session_valid and not auth.offline
        (token,) = outcome
        assert isinstance(token, str) and token, outcome  # the late probe's request goes on
        assert auth.api.get_json("/me")["username"] == "verifier1"
