"""A small onboard store kept as two copies, for state whose loss must never go unnoticed (the link's
anti-replay counters).

Each write is a JSON object with a generation number and a CRC-32 of its body, written atomically
(native/atomic_file.py) to the copy the generation selects (odd: `.a`, even: `.b`), so writes alternate
and the other copy always holds the previous whole state. A load takes the valid copy with the highest
generation. It is *proven* current only when both copies are valid: with one copy gone, the survivor may
be the older one, one write behind, and a caller that guards against replay must not trust it.
`settle` writes twice, so both copies hold the state (after provisioning or a re-synchronisation).
"""

import json
import os
import shutil
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from native.atomic_file import write_atomically

GENERATION_KEY = "generation"
CRC_KEY = "crc32"
MAX_COPY_BYTES = 65536


@dataclass(frozen=True)
class Loaded:
    """What a load found: the body (None if no copy is valid), whether both copies agree that it is the
    newest (`proven`), and the reason the other copy or copies were refused ("" if none was)."""

    body: dict | None
    proven: bool
    problem: str


def _crc(body: dict) -> int:
    return zlib.crc32(json.dumps(body, sort_keys=True).encode())


def parse_copy(raw: bytes, validate: Callable[[dict], str | None]) -> tuple[dict | None, str]:
    """The body of one copy's bytes and "", or None and why it is refused. Never raises on bytes."""
    try:
        stored = json.loads(raw.decode())
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, "not JSON"
    if not isinstance(stored, dict) or not isinstance(stored.get(CRC_KEY), int):
        return None, "no CRC"
    crc = stored.pop(CRC_KEY)
    if crc != _crc(stored):
        return None, "CRC mismatch"
    generation = stored.get(GENERATION_KEY)
    if type(generation) is not int or generation < 1:
        return None, "generation must be a positive integer"
    problem = validate(stored)
    if problem is not None:
        return None, problem
    return stored, ""


class TwoCopyStore:
    """The copies `<stem>.a.json` and `<stem>.b.json` beside `path`; `validate(body)` returns what is
    wrong with a body whose CRC is right (a field out of range), or None."""

    def __init__(self, path: Path, validate: Callable[[dict], str | None]) -> None:
        self.copies = (path.with_name(f"{path.stem}.a.json"), path.with_name(f"{path.stem}.b.json"))
        self._validate = validate
        self.generation = 0

    def any_exists(self) -> bool:
        """Whether anything (file, folder, link) stands at either copy's path."""
        return any(copy.exists() or copy.is_symlink() for copy in self.copies)

    def load(self) -> Loaded:
        """The newest valid copy; sets the generation the next write continues from."""
        found, problems = [], []
        for copy in self.copies:
            body, problem = self._read(copy)
            if body is None:
                problems.append(f"{copy.name}: {problem}")
            else:
                found.append(body)
        if not found:
            return Loaded(None, False, "; ".join(problems))
        newest = max(found, key=lambda body: body[GENERATION_KEY])
        self.generation = newest[GENERATION_KEY]
        body = {k: v for k, v in newest.items() if k != GENERATION_KEY}
        return Loaded(body, len(found) == 2, "; ".join(problems))

    def save(self, body: dict) -> None:
        """Write `body` as the next generation to the copy it selects; OSError if the medium fails."""
        self.generation += 1
        stored = {**body, GENERATION_KEY: self.generation}
        data = json.dumps({**stored, CRC_KEY: _crc(stored)}, sort_keys=True).encode()
        copy = self.copies[(self.generation + 1) % 2]
        if copy.is_dir() and not copy.is_symlink():
            shutil.rmtree(copy)  # a folder where the copy belongs would block the rename for good
        write_atomically(copy, data)

    def settle(self, body: dict) -> None:
        """Write `body` to both copies, so that a later load proves it current."""
        self.save(body)
        self.save(body)

    def _read(self, copy: Path) -> tuple[dict | None, str]:
        try:
            descriptor = os.open(copy, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not hang the load
        except FileNotFoundError:
            return None, "missing"
        except OSError as error:
            return None, f"unreadable ({error.strerror})"
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            return None, "not a regular file"
        with os.fdopen(descriptor, "rb") as handle:
            raw = handle.read(MAX_COPY_BYTES + 1)
        if len(raw) > MAX_COPY_BYTES:
            return None, f"larger than {MAX_COPY_BYTES} bytes"
        return parse_copy(raw, self._validate)
