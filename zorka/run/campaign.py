"""Monte Carlo campaigns: one scenario run once per seed, its [campaign] dispersions drawn for the seed,
each seed into a run folder of its own, on a local process pool or a Dask cluster
(`zorka.run.dask_campaign`); then the spread of the summary figures across the seeds (campaign.json).

A seed is run into a fresh folder beside its own and renamed into place when it ends, so an attempt cut
short (a worker killed, Dask running the task again) leaves no half-written seed-N/; a seed whose
seed-N/ holds a complete summary is not run again.
"""

import json
import multiprocessing
import os
import shutil
import signal
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from native.atomic_file import write_atomically
from zorka.outputs.run_folder import MANIFEST_NAME, claim_run_folder, run_into_folder
from zorka.run.mission import Mission
from zorka.scenario.campaign_table import dispersed_scenario
from zorka.scenario.model import Scenario

FIGURES = (
    "attitude.error_deg.mean",
    "attitude.error_deg.p99",
    "attitude.error_deg.max",
    "attitude.rate_error_deg_s.p99",
    "attitude.rate_error_deg_s.max",
    "attitude.settle_s",
    "wheels.peak_speed_rpm",
    "wheels.peak_momentum_fraction",
    "power.min_soc",
    "control.overruns",
    "imaging.captured_ok",
    "imaging.failed",
)
"""The summary figures a campaign gathers, as dotted paths into summary.json."""

STATISTICS = ("min", "median", "p95", "max")

_worker = {"interrupted": False}
"""The state of a pool worker process: whether Ctrl-C has reached it."""


class NotStartedError(Exception):
    """A seed that Ctrl-C stopped before it started."""

    def __str__(self) -> str:
        return "interrupted before it started"


def _error(failure: BaseException) -> str:
    return f"{type(failure).__name__}: {failure}"


@dataclass(frozen=True)
class SeedOutcome:
    """One seed of a campaign: its summary and the path of its summary.json, or why it failed."""

    seed: int
    summary: dict | None = None
    summary_path: Path | None = None
    error: str | None = None


def _on_interrupt(signum: int, frame: object) -> None:
    """A worker's Ctrl-C: cut the running seed short, as a single run does, and start no other."""
    _worker["interrupted"] = True
    signal.default_int_handler(signum, frame)


def _start_worker() -> None:
    signal.signal(signal.SIGINT, _on_interrupt)


DISPERSION_NAME = "dispersion.json"
"""Per seed folder: the seed, the simulated time it was to run and the values drawn for it."""
END_TOLERANCE_S = 0.05  # half a frame: a summary this close to the run's end covers all of it


def finished_summary(folder: Path, duration_s: float | None, drawn: dict) -> dict | None:
    """The summary of a seed folder whose run covered the whole of its time (and `duration_s`, if
    given) with the values `drawn` for it; None if it did not end, was cut short, drew other values
    (another scenario) or is not there."""
    try:
        summary = json.loads((folder / "summary.json").read_text())
        record = json.loads((folder / DISPERSION_NAME).read_text())
        planned_s = float(record["duration_s"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.get("values") != json.loads(json.dumps(drawn)):
        return None
    if duration_s is not None and abs(planned_s - duration_s) > END_TOLERANCE_S:
        return None
    sim_s = summary.get("sim_s") if isinstance(summary, dict) else None
    return summary if isinstance(sim_s, int | float) and sim_s >= planned_s - END_TOLERANCE_S else None


def _publish(work: Path, folder: Path) -> None:
    """Rename the finished attempt `work` to `folder`, replacing an earlier attempt's (a run folder);
    FileExistsError if `folder` holds something else."""
    if os.path.lexists(folder):
        if not folder.is_dir() or folder.is_symlink() or not (folder / MANIFEST_NAME).exists():
            raise FileExistsError(f"{folder} is in the way and is not a run folder; move it")
        shutil.rmtree(folder)
    os.rename(work, folder)


def run_seed(
    scenario: Scenario, seed: int, duration_s: float | None, out_dir: Path, realtime: bool
) -> tuple[dict, Path]:
    """Run `scenario` with `seed` and the dispersions drawn for it into out_dir/seed-<seed>/ as `zorka
    run --seed` would, without a progress bar; the summary and its path. A seed already finished there
    is not run again. A task of a pool or of Dask, so it lives at the top level to pickle."""
    if _worker["interrupted"]:
        raise NotStartedError
    folder = out_dir / f"seed-{seed}"
    seeded, drawn = dispersed_scenario(scenario, seed)
    done = finished_summary(folder, duration_s, drawn)
    if done is not None:
        return done, folder / "summary.json"
    if os.path.lexists(folder) and not folder.is_dir():
        raise FileExistsError(f"{folder} is in the way and is not a run folder; move it")
    work = out_dir / f".seed-{seed}.{uuid.uuid4().hex[:12]}"
    work.mkdir(parents=True)
    try:
        claim_run_folder(work)
        mission = Mission(seeded, duration_s, realtime=realtime, out_dir=work)
        record = {"seed": seed, "duration_s": mission.duration_s, "values": drawn}
        write_atomically(work / DISPERSION_NAME, (json.dumps(record, indent=2) + "\n").encode())
        summary, _ = run_into_folder(
            mission, work, quiet=True, extra={"dispersion": drawn} if drawn else None
        )
        _publish(work, folder)
    finally:
        if work.exists():
            shutil.rmtree(work)
    return summary, folder / "summary.json"


def _remove_attempts(out_dir: Path, seeds: list[int]) -> None:
    """Remove what attempts at these seeds left behind when their process died (a worker killed)."""
    for seed in seeds:
        for attempt in out_dir.glob(f".seed-{seed}.*"):
            shutil.rmtree(attempt, ignore_errors=True)


def run_campaign(
    scenario: Scenario,
    seeds: list[int],
    duration_s: float | None,
    out_dir: Path,
    jobs: int,
    realtime: bool = False,
    on_done: Callable[[SeedOutcome], None] | None = None,
    dask_address: str | None = None,
) -> list[SeedOutcome]:
    """Run every seed, calling `on_done` as each ends; the outcomes in the order of `seeds`. A seed whose
    run raises is an outcome with its error, and the others still run. With `dask_address` (a scheduler's
    address, or local:N) on a Dask cluster, else in local processes, at most `jobs` at once: Ctrl-C cancels
    the seeds not started and keeps what the running ones simulated so far, as a single run does. Workers
    are spawned, not forked: each starts as clean as a single `zorka run`."""
    outcomes: dict[int, SeedOutcome] = {}

    def finish(future: Future, seed: int) -> None:
        try:
            summary, _ = future.result()
        except Exception as failure:
            outcomes[seed] = SeedOutcome(seed, error=_error(failure))
        else:
            outcomes[seed] = SeedOutcome(seed, summary, out_dir / f"seed-{seed}" / "summary.json")
        if on_done is not None:
            on_done(outcomes[seed])

    try:
        if dask_address is not None:
            from zorka.run.dask_campaign import run_on_dask  # dask is imported only by those who use it

            calls = {
                seed: (run_seed, scenario, seed, duration_s, out_dir.resolve(), realtime) for seed in seeds
            }
            run_on_dask(dask_address, calls, finish)
        else:
            _run_on_pool(scenario, seeds, duration_s, out_dir, jobs, realtime, finish, outcomes)
    finally:
        _remove_attempts(out_dir, seeds)
    return [outcomes.get(seed, SeedOutcome(seed, error=_error(NotStartedError()))) for seed in seeds]


def _run_on_pool(
    scenario: Scenario,
    seeds: list[int],
    duration_s: float | None,
    out_dir: Path,
    jobs: int,
    realtime: bool,
    finish: Callable[[Future, int], None],
    outcomes: dict[int, SeedOutcome],
) -> None:
    """Every seed on a local process pool of at most `jobs` processes, `finish` called as each ends;
    Ctrl-C cancels the seeds not started and waits for the running ones (`outcomes`: those finished)."""
    context = multiprocessing.get_context("spawn")
    workers = min(jobs, len(seeds))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:
        futures = {
            pool.submit(run_seed, scenario, seed, duration_s, out_dir, realtime): seed for seed in seeds
        }
        try:
            for future in as_completed(futures):
                finish(future, futures[future])
        except KeyboardInterrupt:
            pool.shutdown(cancel_futures=True)
            for future, seed in futures.items():
                if seed not in outcomes and not future.cancelled():
                    finish(future, seed)


def _value(summary: dict, figure: str) -> object:
    """The figure at a dotted path of a summary; None where the summary has none."""
    value: object = summary
    for key in figure.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def figure_statistics(summaries: Iterable[dict]) -> dict[str, dict]:
    """Per figure of FIGURES whose section (attitude, imaging, ...) some summary has: how many seeds gave
    a value and how many gave None (e.g. never settled), and the min, median, p95 (numpy's linear
    interpolation) and max of the values, None if there are none."""
    summaries = list(summaries)
    statistics = {}
    for figure in FIGURES:
        if not any(figure.split(".")[0] in summary for summary in summaries):
            continue
        found = [_value(summary, figure) for summary in summaries]
        values = np.array([v for v in found if v is not None], dtype=float)
        entry: dict = {"values": len(values), "none": len(found) - len(values)}
        if len(values) == 0:
            entry.update(dict.fromkeys(STATISTICS))
        else:
            entry.update(
                min=float(np.min(values)),
                median=float(np.median(values)),
                p95=float(np.percentile(values, 95.0)),
                max=float(np.max(values)),
            )
        statistics[figure] = entry
    return statistics


def campaign_document(outcomes: list[SeedOutcome], out_dir: Path) -> dict:
    """What campaign.json holds: the seeds, those that failed, the statistics over the seeds that ran,
    and per seed its summary path (relative to `out_dir`) or its error."""
    return {
        "seeds": [o.seed for o in outcomes],
        "failed": [o.seed for o in outcomes if o.error is not None],
        "figures": figure_statistics(o.summary for o in outcomes if o.summary is not None),
        "runs": [
            {
                "seed": o.seed,
                "summary": None if o.summary_path is None else str(o.summary_path.relative_to(out_dir)),
                "error": o.error,
            }
            for o in outcomes
        ],
    }


def write_campaign(document: dict, out_dir: Path) -> Path:
    """out_dir/campaign.json; its path."""
    path = out_dir / "campaign.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
