"""tm.bin across the segments of a resumed run: a new run starts the stream; a resumed one cuts it back to
the length its checkpoint vouched for (packets after it belong to a timeline the world no longer lives)
and appends its own packets after the earlier segments'."""

import os
from pathlib import Path
from typing import BinaryIO

TM_NAME = "tm.bin"


def open_tm_stream(out_dir: Path, keep_bytes: int | None = None) -> BinaryIO:
    """tm.bin of `out_dir` for writing: emptied (`keep_bytes` None), or cut to `keep_bytes` and opened to
    append; ValueError if it is shorter than that (the stream the checkpoint counted is not there)."""
    path = out_dir / TM_NAME
    if keep_bytes is None:
        return path.open("wb")
    size = path.stat().st_size if path.exists() else 0
    if size < keep_bytes:
        raise ValueError(f"{TM_NAME} holds {size} bytes, fewer than the {keep_bytes} the checkpoint counted")
    stream = path.open("r+b")
    stream.truncate(keep_bytes)
    stream.seek(keep_bytes)
    return stream


def make_durable(stream: BinaryIO) -> int:
    """Flush and fsync the stream; the bytes it holds, which a checkpoint may then count on."""
    stream.flush()
    os.fsync(stream.fileno())
    return stream.tell()
