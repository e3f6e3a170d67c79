"""Where a run's truth rows go as it runs, block by block, so that nothing of them grows in memory:

- a binary file of the rows (float64, TRUTH_COLUMNS a row) in a scratch folder, from which the rows of a
  capture's interval are read back for its absolute pointing error, and a checkpoint copies its rows;
- with a run folder, truth.oem and truth.aem (`zorka.outputs.oem_aem.TruthFiles`);
- the absolute nadir pointing error's streaming spread (`zorka.outputs.absolute_pointing`), over the rows
  flown on the nadir law, whole and from the statistics' start;
- a decimated copy for plots and the report: every `stride`-th row, at most DECIMATED_ROWS, the stride
  doubling when it fills (uniform in time, whole run).
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from zorka.outputs.absolute_pointing import NadirPointing
from zorka.outputs.oem_aem import TruthFiles
from zorka.run.recorder import TRUTH_COLUMNS

DECIMATED_ROWS = 1 << 14
"""The decimated truth holds at most this many rows (1.8 MB): every row of the first 4.5 h at 1 Hz, every
8th of a day's (what the report's plots, map and access windows need)."""
ROWS_NAME = "truth.f64"
COPY_BYTES = 1 << 20


class TruthLog:
    """The truth rows of a run, streamed; `row_dt_s` apart from t = 0. `files`: truth.oem/truth.aem to
    write them into as they come (None: no run folder)."""

    def __init__(self, row_dt_s: float, nadir: NadirPointing, files: TruthFiles | None):
        self.row_dt_s = row_dt_s
        self.nadir = nadir
        self.files = files
        self._scratch = tempfile.TemporaryDirectory(prefix="zorka-truth-")
        self.rows_path = Path(self._scratch.name) / ROWS_NAME
        self._rows_file = self.rows_path.open("w+b")
        self.rows = 0
        self.stride = 1
        self._decimated = np.zeros((DECIMATED_ROWS, TRUTH_COLUMNS))
        self._kept = 0

    def append(self, rows: np.ndarray, on_nadir: np.ndarray) -> None:
        """The next truth rows, and per row whether the ADCS flew its nadir law."""
        self._rows_file.write(np.ascontiguousarray(rows).tobytes())
        if self.files is not None:
            self.files.append(rows)
        self.nadir.add(rows, on_nadir)
        self._decimate(rows)
        self.rows += len(rows)

    def _decimate(self, rows: np.ndarray) -> None:
        first = (-self.rows) % self.stride  # the first row of the block on the stride
        picked = rows[first :: self.stride]
        while self._kept + len(picked) > DECIMATED_ROWS:
            half = self._decimated[: self._kept : 2]
            self._decimated[: len(half)] = half
            self._kept = len(half)
            first = (-self.rows) % (self.stride * 2)
            self.stride *= 2
            picked = rows[first :: self.stride]
        self._decimated[self._kept : self._kept + len(picked)] = picked
        self._kept += len(picked)

    def decimated(self) -> np.ndarray:
        """Every `stride`-th row from t = 0 (every row while the run has fewer than DECIMATED_ROWS)."""
        return self._decimated[: self._kept]

    def between(self, t_start_s: float, t_end_s: float) -> np.ndarray:
        """The rows with t_start_s <= t_s <= t_end_s, read back from the rows file."""
        self._rows_file.flush()
        first = max(0, int(np.floor(t_start_s / self.row_dt_s)) - 1)
        last = min(self.rows - 1, int(np.ceil(t_end_s / self.row_dt_s)) + 1)
        if last < first:
            return np.zeros((0, TRUTH_COLUMNS))
        row_bytes = 8 * TRUTH_COLUMNS
        rows = np.fromfile(self.rows_path, count=(last - first + 1) * TRUTH_COLUMNS, offset=first * row_bytes)
        rows = rows.reshape(-1, TRUTH_COLUMNS)
        return rows[(rows[:, 0] >= t_start_s) & (rows[:, 0] <= t_end_s)]

    def blocks(self) -> Iterator[np.ndarray]:
        """Every row so far from the rows file, in blocks of at most COPY_BYTES."""
        self._rows_file.flush()
        per_block = COPY_BYTES // (8 * TRUTH_COLUMNS)
        for first in range(0, self.rows, per_block):
            count = min(per_block, self.rows - first) * TRUTH_COLUMNS
            yield np.fromfile(self.rows_path, count=count, offset=first * 8 * TRUTH_COLUMNS).reshape(
                -1, TRUTH_COLUMNS
            )

    def rows_bytes(self, start_row: int) -> bytes:
        """The rows file from row `start_row` on (a checkpoint's copy)."""
        self._rows_file.flush()
        with self.rows_path.open("rb") as handle:
            handle.seek(start_row * 8 * TRUTH_COLUMNS)
            return handle.read()

    def state(self) -> dict:
        """What a checkpoint keeps to go on from here (with the rows, which it copies itself)."""
        return {
            "rows": self.rows,
            "stride": self.stride,
            "decimated": self.decimated().tobytes(),
            "nadir": self.nadir.state(),
            "files": None if self.files is None else self.files.state(),
        }

    def restore(self, state: dict, rows_path: Path) -> None:
        """Back to a checkpoint's `state`, the rows from `rows_path` (its copy, at least state["rows"])."""
        left = state["rows"] * 8 * TRUTH_COLUMNS
        self._rows_file.seek(0)
        self._rows_file.truncate()
        with rows_path.open("rb") as saved:
            while left > 0:
                piece = saved.read(min(left, COPY_BYTES))
                if not piece:
                    raise ValueError(f"{rows_path}: fewer truth rows than the checkpoint counts")
                self._rows_file.write(piece)
                left -= len(piece)
        self.rows, self.stride = state["rows"], state["stride"]
        kept = np.frombuffer(state["decimated"]).reshape(-1, TRUTH_COLUMNS)
        self._decimated[: len(kept)] = kept
        self._kept = len(kept)
        self.nadir.restore(state["nadir"])

    def close(self) -> None:
        """truth.oem/truth.aem finished (`TruthFiles.close`); the rows file stays readable."""
        if self.files is not None:
            self.files.close()
