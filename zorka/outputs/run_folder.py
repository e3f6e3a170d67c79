"""The run folder: summary.json, the truth as CCSDS OEM/AEM files, the ground passes, the telemetry
archive and report.html.

A run deletes only what a run wrote. Before it starts, `claim_run_folder` writes the manifest
`run-files.json` naming every top-level file or folder the run may write (RUN_OUTPUTS, the onboard
state) that is not already someone else's; after it, `write_run_folder` adds whatever else the run
made. A folder holding anything the manifest does not name (a `zorka serve` folder, a user's files)
is refused with one line unless forced; forced, it is written into and those files are kept.
"""

import json
import os
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ground.archive import write_archive
from native.atomic_file import TEMPORARY_SUFFIX, write_atomically
from sim.ground_station import Pass
from zorka.outputs.dictionary_json import dictionary_json
from zorka.outputs.oem_aem import TruthFiles
from zorka.outputs.tm_files import ROTATED, TM_NAME, tm_files
from zorka.run.checkpoint import CHECKPOINT_NAME, RECORDER_FOLDER
from zorka.run.mission import Mission
from zorka.run.progress import run_with_progress

ARCHIVE_NAME = "telemetry.msgpack"
REPORT_NAME = "report.html"
"""zorka/outputs/report.py's: the report's modules are imported only to write one (not for --no-report)."""

ONBOARD_STATE = (
    "parameters.json",
    "schedule.json",
    "requests.json",
    "link_state.a.json",
    "link_state.b.json",
    "link_master.a.json",
    "link_master.b.json",
    "boot_count.json",
    "mass_memory",
    "products",
    "ground_link.msgpack",
)
"""What the flight software (and the ground of a simulated radio) keep in a run folder across restarts."""


MANIFEST_NAME = "run-files.json"
RUN_OUTPUTS = (
    "summary.json",
    "truth.oem",
    "truth.aem",
    "passes.json",
    ARCHIVE_NAME,
    REPORT_NAME,
    "tm.bin",
    "tm_frames.bin",
    "tm_ground.bin",
    "stores.ledger",
    CHECKPOINT_NAME,
    RECORDER_FOLDER,
    *ONBOARD_STATE,
)
"""The top-level names a run may write in its folder."""


class RunFolderError(ValueError):
    """A run folder that holds files no run wrote; the message is the one line to print."""


def _manifest(out_dir: Path) -> dict:
    try:
        body = json.loads((out_dir / MANIFEST_NAME).read_text())
        own, foreign = body["own"], body["foreign"]
    except (OSError, ValueError, KeyError, TypeError):
        return {"own": [], "foreign": []}
    if not all(isinstance(n, str) for n in [*own, *foreign]):
        return {"own": [], "foreign": []}
    return {"own": own, "foreign": foreign}


def _write_manifest(out_dir: Path, own: set[str], foreign: set[str]) -> None:
    body = {"own": sorted(own - {MANIFEST_NAME}), "foreign": sorted(foreign)}
    write_atomically(out_dir / MANIFEST_NAME, (json.dumps(body, indent=2) + "\n").encode())


def claim_run_folder(out_dir: Path, force: bool = False) -> None:
    """Make `out_dir` ready for a new run: refuse (RunFolderError) a folder holding names no run wrote
    unless `force`; remove the onboard state an earlier run wrote there, so the mission starts fresh
    (`zorka serve` keeps it instead: a bench restart is a flight-software restart); claim the names
    this run may write in the manifest; an earlier run's telemetry files go too (a new mission, not a
    restart). Nothing the manifest does not name is ever deleted."""
    manifest = _manifest(out_dir)
    own = set(manifest["own"])
    present = {p.name for p in out_dir.iterdir()} - {MANIFEST_NAME, MANIFEST_NAME + TEMPORARY_SUFFIX}
    torn = {n for n in present if n.endswith(TEMPORARY_SUFFIX) and n.removesuffix(TEMPORARY_SUFFIX) in own}
    foreign = present - own - torn  # an atomic write of a run's own file, cut short by a kill, is the run's
    for name in torn:
        (out_dir / name).unlink()
    if foreign and not force:
        listed = ", ".join(sorted(foreign)[:5]) + (", ..." if len(foreign) > 5 else "")
        raise RunFolderError(
            f"argument --out: {str(out_dir)!r} holds files that no run wrote ({listed}); "
            "choose an empty folder or a previous run's, or pass --force (they are kept)"
        )
    earlier_tm = {n for n in own if n == TM_NAME or ROTATED.fullmatch(n)}
    for name in (*ONBOARD_STATE, *sorted(earlier_tm)):
        path = out_dir / name
        if name not in own or not os.path.lexists(path):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    _write_manifest(out_dir, own | (set(RUN_OUTPUTS) - foreign), foreign | set(manifest["foreign"]))


def record_run_files(out_dir: Path) -> None:
    """Add to the manifest what the run made beyond what it claimed."""
    manifest = _manifest(out_dir)
    foreign = set(manifest["foreign"])
    present = {p.name for p in out_dir.iterdir()}
    _write_manifest(out_dir, set(manifest["own"]) | (present - foreign), foreign)


def write_run_folder(mission: Mission, summary: dict, out_dir: Path, report: bool = True) -> Path:
    """summary.json, truth.oem, truth.aem, (with ground stations) passes.json, (when the run wrote
    tm.bin) the telemetry archive of its packets, and (if `report`) report.html in `out_dir`; the
    summary's path."""
    write_truth_files(mission, out_dir)
    if mission.stations:
        records = [pass_record(p) for p in mission.passes]
        (out_dir / "passes.json").write_text(json.dumps(records, indent=2) + "\n")
    path = out_dir / "summary.json"
    write_atomically(path, (json.dumps(summary, indent=2) + "\n").encode())
    dictionary = json.loads(dictionary_json(mission.flight.dictionary))
    archive = out_dir / ARCHIVE_NAME
    if tm_files(out_dir):
        write_archive(tm_files(out_dir), dictionary, archive)
    elif archive.exists() and ARCHIVE_NAME in _manifest(out_dir)["own"]:
        archive.unlink()  # an earlier run's, not this one's
    if report:
        from zorka.outputs.report import write_report

        write_report(mission, summary, out_dir, archive if archive.exists() else None, dictionary)
    elif (out_dir / REPORT_NAME).exists() and REPORT_NAME in _manifest(out_dir)["own"]:
        (out_dir / REPORT_NAME).unlink()  # an earlier run's: it would describe another run
    record_run_files(out_dir)
    return path


def write_truth_files(mission: Mission, out_dir: Path) -> None:
    """truth.oem and truth.aem finished: the mission wrote them as it ran when it had this folder; else
    they are written now from its truth rows file, block by block."""
    log = mission.truth_log
    log.close()
    if log.files is not None and log.files.paths["oem"] == out_dir / "truth.oem":
        return
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    files = TruthFiles(out_dir, mission.epoch_jd_utc, created)
    for rows in log.blocks():
        files.append(rows)
    files.close()


def run_into_folder(
    mission: Mission,
    out_dir: Path,
    quiet: bool,
    extra: dict | None = None,
    write: Callable[[Mission, dict, Path], Path] = write_run_folder,
) -> tuple[dict, Path]:
    """Run `mission` to its end, close it and write its run folder with `write` (a campaign seed keeps
    less: `zorka.run.campaign_seed`); the summary (with the sections of `extra` added, e.g. a campaign
    seed's dispersion) and its path. What `zorka run` does with each mission, alone or per seed of a
    campaign. Ctrl-C ends the run early: the summary then covers the time simulated so far."""
    try:
        summary = run_with_progress(mission, quiet=quiet)
    except KeyboardInterrupt:
        summary = mission.summary()
        print("zorka run: interrupted; the summary covers the time simulated so far", file=sys.stderr)
    finally:
        mission.close()
    summary.update(extra or {})
    return summary, write(mission, summary, out_dir)


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
