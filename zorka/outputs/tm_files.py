"""The telemetry files of a run folder: appended, never truncated, rotated.

The current file is `tm.bin`. When a session opens the folder and finds a `tm.bin` from an earlier
one (a restart, or a session that was killed), it is renamed to the next `tm-NNNN.bin` first, and
so is the current file whenever it would grow past `limit_bytes`: the stream in order is
tm-0001.bin, tm-0002.bin, ..., tm.bin. Each file holds whole packets only, except a killed session's
last one, whose cut tail the archive reports as one undecodable record and does not carry over.
A resumed `zorka run` (zorka/run/checkpoint.py) instead cuts tm.bin back to the bytes its checkpoint
counted (packets after it belong to a timeline the world no longer lives) and appends to it.
"""

import os
import re
from pathlib import Path

TM_NAME = "tm.bin"
ROTATED = re.compile(r"tm-(\d{4,})\.bin")
LIMIT_BYTES = 256 << 20


def rotated_files(folder: Path) -> list[Path]:
    """The rotated telemetry files of `folder`, oldest first."""
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := ROTATED.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def tm_files(folder: Path) -> list[Path]:
    """Every telemetry file of `folder` in stream order (the rotated ones, then tm.bin)."""
    current = folder / TM_NAME
    return [*rotated_files(folder), *([current] if current.is_file() else [])]


class TmLog:
    """Appends whole TM packets to `folder`/tm.bin, rotating as the module says."""

    def __init__(self, folder: Path, limit_bytes: int = LIMIT_BYTES, keep_bytes: int | None = None) -> None:
        """`keep_bytes` (a resumed run): tm.bin cut to that many bytes and appended to, not rotated;
        ValueError if it is shorter (the stream the checkpoint counted is not there)."""
        self.folder = Path(folder)
        self.limit_bytes = limit_bytes
        self.rotations = 0
        current = self.folder / TM_NAME
        if keep_bytes is not None:
            size = current.stat().st_size if current.is_file() else 0
            if size < keep_bytes:
                raise ValueError(
                    f"{TM_NAME} holds {size} bytes, fewer than the {keep_bytes} the checkpoint counted"
                )
            os.truncate(current, keep_bytes)
        elif current.is_file() and current.stat().st_size > 0:
            self._rotate_current()
        self._file = current.open("ab")
        self._size = self._file.tell()

    def write(self, packet: bytes) -> None:
        if self._size and self._size + len(packet) > self.limit_bytes:
            self._file.close()
            self._rotate_current()
            self._file = (self.folder / TM_NAME).open("ab")
            self._size = 0
        self._file.write(packet)
        self._size += len(packet)

    def flush(self) -> None:
        self._file.flush()

    def make_durable(self) -> int:
        """Flush and fsync tm.bin; the bytes it holds, which a checkpoint may then count on."""
        self._file.flush()
        os.fsync(self._file.fileno())
        return self._size

    def close(self) -> None:
        self._file.close()

    def _rotate_current(self) -> None:
        rotated = rotated_files(self.folder)
        number = int(ROTATED.fullmatch(rotated[-1].name).group(1)) + 1 if rotated else 1
        (self.folder / TM_NAME).rename(self.folder / f"tm-{number:04d}.bin")
        self.rotations += 1
