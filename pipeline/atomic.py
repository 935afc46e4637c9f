"""Files written whole or not at all: a temp file beside the target, fsync, rename, fsync the folder.

A reader (or a run after a kill) sees the old file or the new one, never half of one. Used for the portal's
meeting JSON, the backfill's downloaded PDFs, the lemma-table cache and the web server's warehouse snapshot;
the nightly fetch streams a download into its temp file itself and shares `fsync_folder`, the temp suffix and
the file mode.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# The permissions the umask gives a new file, for files another user must read (a web server running as another
# user serving downloads or the warehouse snapshot); mkstemp alone makes them 0600.
FILE_MODE = 0o666 & ~_umask()
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


@contextmanager
def atomic_file(target: Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file that becomes `target` whole when the block ends, or not at all when it raises. `mode`: the
    file's permissions (default: mkstemp's 0600, for private files; pass what the umask gives a new file for
    files another user must read)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_folder(target.parent)


def write_atomically(target: Path, data: bytes, mode: int | None = None) -> Path:
    """Write `data` to `target` whole or not at all (see atomic_file)."""
    with atomic_file(target, mode) as out:
        out.write(data)
    return target
