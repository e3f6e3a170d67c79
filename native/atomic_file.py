"""Files replaced whole or not at all: written beside the target, fsynced, renamed over it, the folder
fsynced, so that a reader (after a crash or a reset mid-write too) finds the old content or the new one,
never a torn file. Onboard stores, the mass memory, received products and plans all write this way."""

import os
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"


def fsync_folder(folder: Path) -> None:
    """Make a folder's entries (a rename, a new or removed file) durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file at `path` with `data` atomically and durably. The temporary file is
    `<name>.tmp` beside it (removed if writing fails); OSError if the medium fails."""
    temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
    try:
        with open(temporary, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)
