"""The run folder: summary.json, the truth as CCSDS OEM/AEM files, and the ground passes."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from sim.ground_station import Pass
from zorka.ccsds_ephemeris import write_aem, write_oem
from zorka.mission import Mission

ONBOARD_STATE = (
    "parameters.json",
    "schedule.json",
    "requests.json",
    "link_state.json",
    "mass_memory",
    "products",
)
"""What the flight software (and the ground of a simulated radio) keep in a run folder across restarts."""


def clear_onboard_state(out_dir: Path) -> None:
    """Remove what an earlier run left on board in `out_dir`, so a new simulated mission starts fresh
    (`zorka serve` keeps it instead: a bench restart is a flight-software restart)."""
    for name in ONBOARD_STATE:
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_run_folder(mission: Mission, summary: dict, out_dir: Path) -> Path:
    """summary.json, truth.oem, truth.aem and (with ground stations) passes.json in `out_dir`;
    the summary's path."""
    rows = mission.truth()
    jd = mission.world.c.jd_epoch_utc
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    write_oem(out_dir / "truth.oem", jd, rows[:, 0], rows[:, 1:4], rows[:, 4:7], created)
    write_aem(out_dir / "truth.aem", jd, rows[:, 0], rows[:, 7:11], created)
    if mission.stations:
        records = [pass_record(p) for p in mission.passes]
        (out_dir / "passes.json").write_text(json.dumps(records, indent=2) + "\n")
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path


def pass_record(p: Pass) -> dict:
    """A pass as passes.json holds it: times in UTC and seconds since the epoch, elevation in degrees."""
    return {
        "station": p.station,
        "aos_utc": p.aos_utc.isoformat().replace("+00:00", "Z"),
        "los_utc": p.los_utc.isoformat().replace("+00:00", "Z"),
        "aos_s": round(p.aos_s, 3),
        "los_s": round(p.los_s, 3),
        "duration_s": round(p.duration_s, 3),
        "max_elevation_deg": round(float(np.degrees(p.max_elevation_rad)), 3),
        "max_elevation_utc": p.max_elevation_utc.isoformat().replace("+00:00", "Z"),
        "cut_by_run": bool(p.aos_cut or p.los_cut),
    }
