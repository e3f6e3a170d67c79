"""A campaign seed's run folder: what every seed keeps, and the rest of a run folder made afterwards for
the seeds someone will read.

Every seed keeps summary.json, dispersion.json, tm.bin (streamed while it ran) and its onboard stores.
The truth files, the telemetry archive and report.html cost about as much CPU as the one-orbit run itself
(0.8-1.3 CPU-s against 1.0, measured with `time.process_time` per phase), and a campaign of 200 seeds reads
a handful of them: the worst seeds its report links to. `complete_seed_folder` makes those afterwards by
running the seed again (bit for bit the same run), the same files a single `zorka run` writes.
"""

import json
from pathlib import Path

from native.atomic_file import write_atomically
from zorka.outputs.report import REPORT_NAME
from zorka.outputs.run_folder import claim_run_folder, record_run_files, run_into_folder
from zorka.run.mission import Mission
from zorka.scenario.campaign_table import dispersed_scenario
from zorka.scenario.model import Scenario

DISPERSION_NAME = "dispersion.json"
"""Per seed folder: the seed, the simulated time it was to run and the values drawn for it."""


def write_seed_folder(mission: Mission, summary: dict, folder: Path) -> Path:
    """What a campaign seed keeps of its run beside tm.bin and its stores: summary.json; its path."""
    path = folder / "summary.json"
    write_atomically(path, (json.dumps(summary, indent=2) + "\n").encode())
    record_run_files(folder)
    return path


def can_complete(folder: Path) -> bool:
    """Whether a seed folder holds what `complete_seed_folder` needs and lacks its report."""
    return (
        not (folder / REPORT_NAME).exists()
        and (folder / "summary.json").exists()
        and (folder / DISPERSION_NAME).exists()
    )


def complete_seed_folder(scenario: Scenario, seed: int, folder: Path, work: Path) -> Path:
    """The whole run folder of a campaign seed kept in `folder`, made in the empty folder `work` by running
    the seed again: a run is the same bit for bit for its seed and dispersions, so this is the folder a
    single `zorka run` of them writes (truth files, archive, passes, products, report.html), and the
    report reads the mission's own state (request book, products, radio) rather than a stand-in for it.
    report.html's path in `work`. A task of a pool or of Dask, so it lives at the top level to pickle."""
    kept = json.loads((folder / DISPERSION_NAME).read_text())
    seeded, drawn = dispersed_scenario(scenario, seed)
    claim_run_folder(work)
    mission = Mission(seeded, float(kept["duration_s"]), out_dir=work)
    write_atomically(work / DISPERSION_NAME, (json.dumps(kept, indent=2) + "\n").encode())
    run_into_folder(mission, work, quiet=True, extra={"dispersion": drawn} if drawn else None)
    # the campaign's own summary stays: the same figures, and the wall time of the run the campaign counted
    write_atomically(work / "summary.json", (folder / "summary.json").read_bytes())
    return work / REPORT_NAME
