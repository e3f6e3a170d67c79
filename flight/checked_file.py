"""Onboard stores that survive a reset mid-write: a JSON object with a CRC-32 of its body, written to a
temporary file, fsynced and renamed over the old one (the folder fsynced too), so a reader finds the
old store or the new one, never a torn one — and refuses any other."""

import json
import zlib
from pathlib import Path

from native.atomic_file import write_atomically

CRC_KEY = "crc32"


class CorruptStoreError(ValueError):
    """A store that does not parse or fails its CRC."""


def _crc(body: dict) -> int:
    return zlib.crc32(json.dumps(body, sort_keys=True).encode())


def write_checked(path: Path, body: dict) -> None:
    """Replace the store at `path` with `body` atomically; OSError if the medium fails."""
    write_atomically(path, json.dumps({**body, CRC_KEY: _crc(body)}, sort_keys=True).encode())


def read_checked(path: Path) -> dict:
    """The body stored at `path`; CorruptStoreError if it is not a whole store, OSError if unreadable
    (IsADirectoryError for a folder, ELOOP for a symlink loop). The caller checks the fields: a CRC
    proves the file is whole, not that its values are sane (JSON admits NaN and 1e30)."""
    try:
        stored = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise CorruptStoreError(f"{path.name}: not JSON (or not UTF-8)") from None
    if not isinstance(stored, dict) or CRC_KEY not in stored:
        raise CorruptStoreError(f"{path.name}: no CRC")
    crc = stored.pop(CRC_KEY)
    if crc != _crc(stored):
        raise CorruptStoreError(f"{path.name}: CRC mismatch")
    return stored
