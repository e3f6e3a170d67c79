"""The housekeeping series and events the report plots, from the telemetry archive's records (what the
spacecraft reported: tm.bin decoded with the run's dictionary), times in seconds since the epoch."""

from collections.abc import Iterable
from typing import Any

import numpy as np

SERIES = ("eps_battery_soc", "eps_solar_power_w", "eps_load_power_w", "eps_battery_power_w", "adcs_mode")
"""The housekeeping parameters the report plots beside the wheel speeds."""


def wheel_parameters(n_wheels: int) -> tuple[str, ...]:
    """The housekeeping names of the speeds of a spacecraft's `n_wheels` wheels."""
    return tuple(f"wheel{i}_speed_rad_s" for i in range(n_wheels))


class Housekeeping:
    """`series`: name -> values per housekeeping report (NaN where a report lacks it), with `t_s`;
    `events`: (t_s, name, request id or "", text) of every event report; `mode_names`: ADCS mode code ->
    name, from the dictionary."""

    def __init__(
        self,
        records: Iterable[dict[str, Any]],
        epoch_unix_s: float,
        dictionary: dict[str, Any],
        wheel_names: tuple[str, ...],
    ):
        self.wheel_names = wheel_names
        names = ("t_s", *wheel_names, *SERIES)
        rows: dict[str, list[float]] = {name: [] for name in names}
        self.events: list[tuple[float, str, str, str]] = []
        for record in records:
            kind = record["kind"]
            if kind == "event":
                text = str(record.get("text", ""))
                request_id = (
                    text.removeprefix("request ").split(":")[0] if text.startswith("request ") else ""
                )
                self.events.append(
                    (record["time_unix_s"] - epoch_unix_s, record.get("name", ""), request_id, text)
                )
            elif kind == "housekeeping":
                values = record.get("values", {})
                rows["t_s"].append(record["time_unix_s"] - epoch_unix_s)
                for name in names[1:]:
                    rows[name].append(values.get(name, np.nan))
        self.series = {name: np.asarray(column, dtype=float) for name, column in rows.items()}
        mode_parameter = next((p for p in dictionary["parameters"] if p["name"] == "adcs_mode"), {})
        self.mode_names = {code: name for name, code in (mode_parameter.get("values") or {}).items()}

    def has(self, name: str) -> bool:
        """Whether any report carried `name`."""
        values = self.series.get(name)
        return values is not None and len(values) > 0 and not np.all(np.isnan(values))
