"""A counter PC's sender as a process of its own, for the SIGKILL test: signs in, says
``ready``, waits for a line on stdin, then sends the outbox of the store file until nothing is
left (``done``). Killed with SIGKILL mid-push by the test; a fresh one resumes.

    python -m tests.sync_faults.push_process URL STORE_PATH USERNAME
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from desktop.models.store import Store
from tests.sync_faults.desk import Clock, open_desk


def main(argv: list[str]) -> int:
    url, path, username = argv
    store = Store(Path(path))  # entries left "mengirim" by a killed process are queued again
    desk = open_desk(url, store, username, clock=Clock(time.time()), timeout=60)
    print("ready", flush=True)
    sys.stdin.readline()
    desk.drain(rounds=50, step=0)  # step 0: wall time moves; the backoffs are short here
    print("done", flush=True)
    desk.close()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
