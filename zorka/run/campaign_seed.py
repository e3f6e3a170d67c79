"""A campaign seed's run folder: what every seed keeps, and the rest of a run folder made afterwards for
the seeds someone will read.

Every seed keeps summary.json, dispersion.json, tm.bin (streamed while it ran), its onboard stores and the
recorder's rows (recorder/*.f64, as a checkpoint writes them). The truth files, the telemetry archive and
report.html cost about as much CPU as the one-orbit run itself (0.8-1.3 CPU-s against 1.0, measured with
`time.process_time` per phase), and a campaign of 200 seeds reads a handful of them: the worst seeds its
report links to. `complete_seed_folder` makes those afterwards from the folder and the seed's mission built
again (not run: its epoch, stations, passes and dictionary), the same files a single `zorka run` writes.
"""

import json
from pathlib import Path

import numpy as np

from native.atomic_file import write_atomically
from zorka.outputs.report import REPORT_NAME
from zorka.outputs.run_folder import record_run_files, write_run_folder
from zorka.run.checkpoint import RECORDER_FOLDER
from zorka.run.mission import Mission
from zorka.run.recorder import TRUTH_COLUMNS
from zorka.scenario.campaign_table import dispersed_scenario
from zorka.scenario.model import Scenario

DISPERSION_NAME = "dispersion.json"
"""Per seed folder: the seed, the simulated time it was to run and the values drawn for it."""


def write_seed_folder(mission: Mission, summary: dict, folder: Path) -> Path:
    """What a campaign seed keeps of its run beside tm.bin: the recorder's rows and summary.json (last);
    the summary's path."""
    recorder = mission.recorder
    rows = {
        "err_deg": recorder.err_deg[: recorder.frames],
        "rate_err_deg_s": recorder.rate_err_deg_s[: recorder.frames],
        "truth": recorder.truth(),
    }
    (folder / RECORDER_FOLDER).mkdir(exist_ok=True)
    for name, values in rows.items():
        (folder / RECORDER_FOLDER / f"{name}.f64").write_bytes(np.ascontiguousarray(values).tobytes())
    path = folder / "summary.json"
    write_atomically(path, (json.dumps(summary, indent=2) + "\n").encode())
    record_run_files(folder)
    return path


class RecordedRun:
    """What writing a run folder reads of a finished Mission, from a seed folder's recorder rows and
    summary and the seed's mission built again, not run (`built`)."""

    def __init__(self, built: Mission, folder: Path, summary: dict):
        self.scenario = built.scenario
        self.stations = built.stations
        self.flight = built.flight
        self.epoch_jd_utc = built.epoch_jd_utc
        self.sim_s = float(summary["sim_s"])
        self.frame_s = built.frame_s
        self._built = built

        def read(name: str) -> np.ndarray:
            return np.fromfile(folder / RECORDER_FOLDER / f"{name}.f64", dtype=np.float64)

        self._truth = read("truth").reshape(-1, TRUTH_COLUMNS)
        self._err_deg = read("err_deg")
        self._rate_err_deg_s = read("rate_err_deg_s")

    @property
    def passes(self) -> list:
        """The passes the run predicted: its model and horizon are the built mission's."""
        return self._built.passes

    def truth(self) -> np.ndarray:
        return self._truth

    def attitude_errors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(self._err_deg)
        return np.arange(1, n + 1) * self.frame_s, self._err_deg, self._rate_err_deg_s


def can_complete(folder: Path) -> bool:
    """Whether a seed folder holds what `complete_seed_folder` needs and lacks its report."""
    recorded = folder / RECORDER_FOLDER
    return not (folder / REPORT_NAME).exists() and all(
        (recorded / f"{name}.f64").exists() for name in ("truth", "err_deg", "rate_err_deg_s")
    )


def complete_seed_folder(scenario: Scenario, seed: int, folder: Path) -> Path:
    """Add to a campaign seed's folder what a single run writes beside its summary (truth.oem, truth.aem,
    passes.json, telemetry.msgpack, report.html) from what the seed kept; report.html's path. A task of
    a pool or of Dask, so it lives at the top level to pickle."""
    summary = json.loads((folder / "summary.json").read_text())
    duration_s = float(json.loads((folder / DISPERSION_NAME).read_text())["duration_s"])
    built = Mission(dispersed_scenario(scenario, seed)[0], duration_s)
    try:
        write_run_folder(RecordedRun(built, folder, summary), summary, folder)  # type: ignore[arg-type]
    finally:
        built.close()
    return folder / REPORT_NAME
