"""The targets of a `zorka plan` input, checked as they stream in and kept as columns.

Targets arrive in batches (zorka/scenario/plan_input.py reads the file in pieces); a batch whose targets are
all plainly good (objects with the required keys and perhaps the optional ones, unique non-empty string ids,
numbers in range) is checked on whole arrays — 100,000 targets took 2.6 s field by field — and any other
batch is checked target by target, which names the first bad field. Only the columns are kept, never the
parsed objects; the requests are made once the input's horizon and geometry limits are known.
"""

import json
import math
from typing import Any

import numpy as np

from flight.payload.requests import ImagingRequest
from zorka.scenario.plan_fields import PlanFileError, checked_number, checked_object

TARGET_KEYS = ("id", "lat_deg", "lon_deg", "priority", "duration_s")
OPTIONAL_TARGET_KEYS = ("alt_m",)
RANGES = {  # key: (low, high, low open)
    "lat_deg": (-90.0, 90.0, False),
    "lon_deg": (-180.0, 360.0, False),
    "alt_m": (-500.0, 9000.0, False),
    "priority": (0.0, 1e9, False),
    "duration_s": (0.0, math.inf, True),  # at most the horizon: `horizon_s`, or once it is known
}
NUMBER_TYPES = (int, float)
_KEYS = frozenset(TARGET_KEYS)
_ALL_KEYS = _KEYS | frozenset(OPTIONAL_TARGET_KEYS)


class TargetColumns:
    """Targets checked so far, as an id list and float columns."""

    def __init__(self) -> None:
        self.horizon_s = math.inf
        """The input's horizon once read (a target lasts at most that long): checked as targets arrive
        after it, and by `requests` for those that came before it."""
        self.ids: list[str] = []
        self._first_index: dict[str, int] = {}
        self._columns: dict[str, list[np.ndarray]] = {key: [] for key in RANGES}

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, batch: list[Any]) -> None:
        """Check and keep the next targets of the list; PlanFileError names the first bad field."""
        columns = self._plain_columns(batch)
        if columns is None:
            columns = self._checked_columns(batch)
        for i, ident in enumerate((t["id"] for t in batch), start=len(self.ids)):
            self._first_index[ident] = i
        self.ids.extend(t["id"] for t in batch)
        for key, column in columns.items():
            self._columns[key].append(column)

    def requests(
        self, horizon_s: float, max_off_nadir_rad: float, min_sun_elevation_rad: float
    ) -> list[ImagingRequest]:
        """The imaging requests of all the targets, each lasting at most `horizon_s`."""
        column = {key: np.concatenate([np.empty(0), *parts]) for key, parts in self._columns.items()}
        too_long = np.flatnonzero(column["duration_s"] > horizon_s)
        if too_long.size:
            i = int(too_long[0])
            value = column["duration_s"][i]
            raise PlanFileError(f"targets[{i}].duration_s: {value:g} is outside (0..{horizon_s:g}]")
        return [
            ImagingRequest(
                id=i, lat_rad=math.radians(a), lon_rad=math.radians(o), alt_m=h, priority=p, duration_s=d,
                max_off_nadir_rad=max_off_nadir_rad, min_sun_elevation_rad=min_sun_elevation_rad,
            )
            for i, a, o, h, p, d in zip(
                self.ids, *(column[key].tolist() for key in ("lat_deg", "lon_deg", "alt_m", "priority")),
                column["duration_s"].tolist(), strict=True,
            )
        ]  # fmt: skip

    def _ranges(self) -> dict[str, tuple[float, float, bool]]:
        return {**RANGES, "duration_s": (0.0, self.horizon_s, True)}

    def _plain_columns(self, batch: list[Any]) -> dict[str, np.ndarray] | None:
        """The batch's columns when every target is plainly good; else None."""
        if not all(type(t) is dict and _KEYS <= t.keys() <= _ALL_KEYS for t in batch):
            return None
        ids = [t["id"] for t in batch]
        if not all(type(i) is str and i.strip() and i not in self._first_index for i in ids):
            return None
        if len(set(ids)) != len(ids):
            return None
        columns = {}
        for key, (low, high, low_open) in self._ranges().items():
            values = [t.get(key, 0.0) for t in batch]
            if not all(type(v) in NUMBER_TYPES for v in values):
                return None
            try:
                column = np.array(values, dtype=float)
            except OverflowError:
                return None
            above_low = column > low if low_open else column >= low
            if not (np.isfinite(column).all() and above_low.all() and (column <= high).all()):
                return None
            columns[key] = column
        return columns

    def _checked_columns(self, batch: list[Any]) -> dict[str, np.ndarray]:
        """The batch's columns, checked target by target: PlanFileError at the first bad field."""
        seen = dict(self._first_index)
        rows = []
        for i, entry in enumerate(batch, start=len(self.ids)):
            field = f"targets[{i}]"
            target = checked_object(entry, field, TARGET_KEYS, OPTIONAL_TARGET_KEYS)
            ident = target["id"]
            if not isinstance(ident, str) or not ident.strip():
                raise PlanFileError(f"{field}.id: {json.dumps(ident)} is not a non-empty string")
            if ident in seen:
                raise PlanFileError(f"{field}.id: {ident!r} repeats targets[{seen[ident]}].id")
            seen[ident] = i
            rows.append(
                [
                    checked_number(target.get(key, 0.0), f"{field}.{key}", low, high, low_open=low_open)
                    for key, (low, high, low_open) in self._ranges().items()
                ]
            )
        table = np.array(rows, dtype=float).reshape(len(batch), len(RANGES))
        return {key: table[:, k].copy() for k, key in enumerate(RANGES)}
