"""summary.json kept current while a live session runs, so a session killed without warning (SIGKILL,
a power cut) still leaves a summary at most `every_s` old beside its telemetry.

Written at the first frame and then every `every_s` of wall time, after the telemetry written so far
is flushed to the file it describes: to a temporary file renamed over the old one, so a reader or a
killed process finds the old summary or the new one. Not fsynced — that would stall a real-time frame
for tens of milliseconds; the final summary at the end of the session is (zorka/outputs/run_folder.py).
"""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from native.atomic_file import TEMPORARY_SUFFIX

EVERY_S = 60.0


class PeriodicSummary:
    """A frame hook: `summary()` into `out_dir`/summary.json now and then; `flush()` first."""

    def __init__(
        self, out_dir: Path, summary: Callable[[], dict], flush: Callable[[], None], every_s: float = EVERY_S
    ) -> None:
        self._path = Path(out_dir) / "summary.json"
        self._summary = summary
        self._flush = flush
        self.every_s = every_s
        self._next_s = time.monotonic()
        self.written = 0

    def __call__(self) -> None:
        if time.monotonic() >= self._next_s:
            self.write()

    def write(self) -> None:
        """Write the summary now (the OSError of a failing medium is the caller's)."""
        self._flush()
        summary = {**self._summary(), "interim": True}
        temporary = self._path.with_name(self._path.name + TEMPORARY_SUFFIX)
        temporary.write_text(json.dumps(summary, indent=2) + "\n")
        os.replace(temporary, self._path)
        self.written += 1
        self._next_s = time.monotonic() + self.every_s
