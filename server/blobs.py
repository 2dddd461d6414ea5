"""Content-addressed document store on disk: `blobs/ab/cdef...` named by SHA-256.

The same scan uploaded twice is stored once; a file is written to a temporary name and renamed
into place, so a crash never leaves a half-written blob under a real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if not _HEX64.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:]

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def temp_file(self) -> tuple[int, Path]:
        """An open descriptor and path for an upload in progress (same filesystem as blobs).

        Citizens' scans are personal data: directories are created owner-only (0700) and files
        are 0600 (mkstemp's mode, kept by the rename into place)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".upload-", dir=self.root)
        return fd, Path(name)

    def commit(self, temp: Path, sha256: str) -> Path:
        """Move a finished upload into place (or drop it when the blob is already stored)."""
        target = self.path_for(sha256)
        if target.is_file():
            temp.unlink(missing_ok=True)
            return target
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(temp, target)
        return target

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if self.exists(digest):
            return digest
        fd, temp = self.temp_file()
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        self.commit(temp, digest)
        return digest
