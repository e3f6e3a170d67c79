"""The run folder: summary.json, the truth as CCSDS OEM/AEM files, the ground passes, the telemetry
archive and report.html."""

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ground.archive import read_archive, write_archive
from sim.ground_station import Pass
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.oem_aem import write_aem, write_oem
from zorka.outputs.report import write_report
from zorka.run.mission import Mission
from zorka.run.progress import run_with_progress

ARCHIVE_NAME = "telemetry.msgpack"

ONBOARD_STATE = (
    "parameters.json",
    "schedule.json",
    "requests.json",
    "link_state.json",
    "boot_count.json",
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
    """summary.json, truth.oem, truth.aem, (with ground stations) passes.json, (when the run wrote
    tm.bin) the telemetry archive of its packets, and report.html in `out_dir`; the summary's path."""
    rows = mission.truth()
    jd = mission.epoch_jd_utc
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    write_oem(out_dir / "truth.oem", jd, rows[:, 0], rows[:, 1:4], rows[:, 4:7], created)
    write_aem(out_dir / "truth.aem", jd, rows[:, 0], rows[:, 7:11], created)
    if mission.stations:
        records = [pass_record(p) for p in mission.passes]
        (out_dir / "passes.json").write_text(json.dumps(records, indent=2) + "\n")
    path = out_dir / "summary.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    dictionary = json.loads(dictionary_json(mission.flight.dictionary))
    archive = out_dir / ARCHIVE_NAME
    if (out_dir / "tm.bin").exists():
        write_archive(out_dir / "tm.bin", dictionary, archive)
    elif archive.exists():
        archive.unlink()  # an earlier run's, not this one's
    records = read_archive(archive) if archive.exists() else ()
    write_report(mission, summary, out_dir, records, dictionary)
    return path


def run_into_folder(mission: Mission, out_dir: Path, quiet: bool) -> tuple[dict, Path]:
    """Run `mission` to its end, close it and write its run folder; the summary and its path. What
    `zorka run` does with each mission, alone or per seed of a campaign, so both give the same folder.
    Ctrl-C ends the run early: the summary then covers the time simulated so far."""
    try:
        summary = run_with_progress(mission, quiet=quiet)
    except KeyboardInterrupt:
        summary = mission.summary()
        print("zorka run: interrupted; the summary covers the time simulated so far", file=sys.stderr)
    finally:
        mission.close()
    return summary, write_run_folder(mission, summary, out_dir)


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
