"""The housekeeping series and events the report plots, from the telemetry archive's records (what the
spacecraft reported: tm.bin decoded with the run's dictionary), times in seconds since the epoch."""

from pathlib import Path
from typing import Any

import numpy as np

from ground.archive import HousekeepingColumns, housekeeping_columns

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
        archive: Path | None,
        epoch_unix_s: float,
        dictionary: dict[str, Any],
        wheel_names: tuple[str, ...],
    ):
        """From the telemetry archive at `archive` (None: a run without telemetry)."""
        self.wheel_names = wheel_names
        names = (*wheel_names, *SERIES)
        if archive is None:
            columns = HousekeepingColumns(np.zeros(0), {n: np.zeros(0) for n in names}, [])
        else:
            columns = housekeeping_columns(archive, names)
        self.series = {"t_s": columns.time_unix_s - epoch_unix_s, **columns.values}
        self.events: list[tuple[float, str, str, str]] = []
        for record in columns.others:
            if record["kind"] == "event":
                text = str(record.get("text", ""))
                request_id = (
                    text.removeprefix("request ").split(":")[0] if text.startswith("request ") else ""
                )
                t_s = record["time_unix_s"] - epoch_unix_s
                self.events.append((t_s, record.get("name", ""), request_id, text))
        mode_parameter = next((p for p in dictionary["parameters"] if p["name"] == "adcs_mode"), {})
        self.mode_names = {code: name for name, code in (mode_parameter.get("values") or {}).items()}

    def has(self, name: str) -> bool:
        """Whether any report carried `name`."""
        values = self.series.get(name)
        return values is not None and len(values) > 0 and not np.all(np.isnan(values))
