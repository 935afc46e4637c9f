"""Files written whole or not at all: a temp file beside the target, fsync, rename, fsync the folder.

A reader (or a run after a kill) sees the old file or the new one, never half of one. Used for the portal's
meeting JSON, the backfill's downloaded PDFs and the lemma-table cache; the nightly fetch streams a download
into its temp file itself and shares `fsync_folder` and the temp suffix.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".part"  # a run that finds `.<name>.…part` files in a folder it writes may delete them (a killed run's)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: some file systems refuse to fsync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(target: Path, data: bytes, mode: int | None = None) -> Path:
    """Write `data` to `target` whole or not at all. `mode`: the file's permissions (default: mkstemp's 0600,
    for private files; pass what the umask gives a new file for files another user must read)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_folder(target.parent)
    return target
