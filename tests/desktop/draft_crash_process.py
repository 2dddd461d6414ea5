"""A counter PC typing a draft, as a process of its own, for the SIGKILL test: opens the
encrypted store, makes a draft, attaches the files named on the command line, says
``attached <draft id>``, then keeps typing (a save per round) and attaching (a new file every
round), saying ``round <n>`` after each, until it is killed.

    python -m tests.desktop.draft_crash_process STORE_PATH KEY_HEX WORK_DIR FILE...
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pikepdf

from desktop.models.store import Store
from desktop.services.attachments import AttachmentError
from desktop.services.drafts import DraftService


def main(argv: list[str]) -> int:
    path, key, work, *files = argv
    store = Store(Path(path), key=bytes.fromhex(key))
    drafts = DraftService(store, user_id="operator1")
    draft = drafts.new("SK-DOMISILI")
    draft.applicant.update(nik="1471010101900001", name="Sebelum Mati Listrik")
    drafts.save(draft)
    for i, name in enumerate(files):
        drafts.attach(draft.id, f"SYARAT-{i}", Path(name))
    print("attached", draft.id, flush=True)
    n = 0
    while True:
        n += 1
        draft.applicant["address"] = f"Jl. Riau no. {n}"
        drafts.save(draft)
        extra = Path(work) / f"tambahan-{n}.pdf"
        if n % 2:  # a real PDF of 256 KB: kept
            doc = pikepdf.new()
            doc.add_blank_page()
            doc.pages[0].obj.Noise = pikepdf.Stream(doc, os.urandom(256 * 1024))
            doc.save(extra)
            drafts.attach(draft.id, "TAMBAHAN", extra)
        else:  # garbage named .pdf: copied, checked, refused, the copy removed
            extra.write_bytes(b"%PDF-1.4\n" + os.urandom(256 * 1024))
            with contextlib.suppress(AttachmentError):
                drafts.attach(draft.id, "TAMBAHAN", extra)
        print("round", n, flush=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
