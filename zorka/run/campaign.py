"""Monte Carlo campaigns: one scenario run once per seed, its [campaign] dispersions drawn for the seed,
each seed into a run folder of its own, on a local process pool or a Dask cluster
(`zorka.run.dask_campaign`); then the spread of the summary figures across the seeds (campaign.json).

A seed keeps its summary and what its whole run folder can be made from later
(`zorka.run.campaign_seed`); the seeds the campaign report links to (a few of the worst) are completed
into whole run folders, with report.html, once every seed has run, on the same pool or cluster, while
this process draws the campaign report's plots. The wall time of each phase is kept (`PHASES`).

A seed is run (or completed) into a fresh folder beside its own and renamed into place when it ends, so
an attempt cut short (a worker killed, Dask running the task again) leaves no half-written seed-N/; a
seed whose seed-N/ holds a complete summary is not run again.
"""

import json
import multiprocessing
import os
import shutil
import signal
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from native.atomic_file import write_atomically
from zorka.outputs.report import REPORT_NAME
from zorka.outputs.run_folder import MANIFEST_NAME, claim_run_folder, run_into_folder
from zorka.run.campaign_seed import DISPERSION_NAME, can_complete, complete_seed_folder, write_seed_folder
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
    if not os.path.lexists(folder):
        os.rename(work, folder)
        return
    if not folder.is_dir() or folder.is_symlink() or not (folder / MANIFEST_NAME).exists():
        raise FileExistsError(f"{folder} is in the way and is not a run folder; move it")
    earlier = work.with_name(work.name + ".earlier")  # renamed aside, not deleted, until the new is in place
    os.rename(folder, earlier)
    os.rename(work, folder)
    shutil.rmtree(earlier)


def _attempt(out_dir: Path, seed: int) -> Path:
    """A fresh folder beside seed-<seed>/ for one attempt at it: a killed attempt leaves no half folder."""
    return out_dir / f".seed-{seed}.{uuid.uuid4().hex[:12]}"


def _ran_by(folder: Path) -> str | None:
    """The campaign (`run_campaign`'s id) that ran a finished seed folder; None if unknown."""
    try:
        return json.loads((folder / DISPERSION_NAME).read_text()).get("campaign")
    except (OSError, ValueError, AttributeError):
        return None


def run_seed(
    scenario: Scenario,
    seed: int,
    duration_s: float | None,
    out_dir: Path,
    realtime: bool,
    campaign: str | None = None,
) -> tuple[dict, bool]:
    """Run `scenario` with `seed` and the dispersions drawn for it into out_dir/seed-<seed>/ as `zorka
    run --seed` would, without a progress bar, keeping what a campaign seed keeps
    (`zorka.run.campaign_seed`) and the id of the `campaign` that ran it; its summary, and whether this
    campaign ran it (False: another had finished it and it was not run again; True also when an attempt
    of this campaign finished it, e.g. on a worker killed before it could report it). A task of a pool
    or of Dask, so it lives at the top level to pickle."""
    if _worker["interrupted"]:
        raise NotStartedError
    folder = out_dir / f"seed-{seed}"
    seeded, drawn = dispersed_scenario(scenario, seed)
    done = finished_summary(folder, duration_s, drawn)
    if done is not None:
        return done, campaign is not None and _ran_by(folder) == campaign
    if os.path.lexists(folder) and not folder.is_dir():
        raise FileExistsError(f"{folder} is in the way and is not a run folder; move it")
    work = _attempt(out_dir, seed)
    work.mkdir(parents=True)
    try:
        claim_run_folder(work)
        mission = Mission(seeded, duration_s, realtime=realtime, out_dir=work, truth_files=False)
        record = {"seed": seed, "duration_s": mission.duration_s, "values": drawn, "campaign": campaign}
        write_atomically(work / DISPERSION_NAME, (json.dumps(record, indent=2) + "\n").encode())
        summary, _ = run_into_folder(
            mission, work, quiet=True, extra={"dispersion": drawn} if drawn else None, write=write_seed_folder
        )
        _publish(work, folder)
    finally:
        if work.exists():
            shutil.rmtree(work)
    return summary, True


def complete_seed(scenario: Scenario, seed: int, out_dir: Path) -> Path | None:
    """out_dir/seed-<seed>/ completed into a whole run folder with its report.html
    (`zorka.run.campaign_seed.complete_seed_folder`), in a copy renamed into place; the report's path, or
    None if the folder is complete already or keeps too little. A task of a pool or of Dask."""
    folder = out_dir / f"seed-{seed}"
    if not can_complete(folder):
        return folder / REPORT_NAME if (folder / REPORT_NAME).exists() else None
    work = _attempt(out_dir, seed)
    try:
        work.mkdir(parents=True)
        complete_seed_folder(scenario, seed, folder, work)
        _publish(work, folder)
    finally:
        if work.exists():
            shutil.rmtree(work)
    return folder / REPORT_NAME


def _remove_attempts(out_dir: Path, seeds: list[int]) -> None:
    """Remove what attempts at these seeds left behind when their process died (a worker killed)."""
    for seed in seeds:
        for attempt in out_dir.glob(f".seed-{seed}.*"):
            shutil.rmtree(attempt, ignore_errors=True)


Engine = Callable[[str, dict[int, tuple], Callable[[Future, int], None], Callable[[], None] | None], bool]
"""Runs tasks (key -> (function, *arguments)) of one kind ("seed", "report"), calling meanwhile() (if
given) in this process once they are submitted and finish(future, key) as each ends; False if Ctrl-C
stopped it (the tasks not started are cancelled)."""


@contextmanager
def _pool_engine(workers: int) -> Iterator[Engine]:
    """A local pool of `workers` spawned processes, each as clean as a single `zorka run`. On Ctrl-C the
    tasks not started are cancelled and the running ones waited for (a seed keeps what it simulated)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:

        def run(
            kind: str,
            calls: dict[int, tuple],
            finish: Callable[[Future, int], None],
            meanwhile: Callable[[], None] | None = None,
        ) -> bool:
            futures = {pool.submit(function, *args): key for key, (function, *args) in calls.items()}
            finished = set()
            try:
                if meanwhile is not None:
                    meanwhile()
                for future in as_completed(futures):
                    finish(future, futures[future])
                    finished.add(future)
            except KeyboardInterrupt:
                pool.shutdown(cancel_futures=True)
                for future, key in futures.items():
                    if future not in finished and not future.cancelled():
                        finish(future, key)
                return False
            return True

        yield run


@dataclass
class CampaignRun:
    """What a campaign did: an outcome per seed (in the order of the seeds), how many seeds ran (the
    others had finished before), the reports of the seeds completed into whole run folders, what
    `prepare` gave (None if it was not called) and when each phase ended (`PHASES`)."""

    outcomes: list[SeedOutcome]
    ran: int
    reports: dict[int, Path]
    prepared: object = None
    timeline_s: dict[str, float] = field(default_factory=dict)


PHASES = ("engine started", "seeds run", "worst seeds completed", "engine closed")
"""The phases of `run_campaign`, in order: CampaignRun.timeline_s holds the wall seconds from its start
to the end of each phase it reached."""


def campaign_timeline(timeline_s: dict[str, float], total_s: float) -> str:
    """'52.3 s wall: engine started 4.5 s, seeds run 41.2 s, ...': how long each phase of a campaign
    (`zorka.run.campaign.PHASES`) took, then writing its files, of its `total_s`."""
    parts, before_s = [], 0.0
    for name, end_s in timeline_s.items():
        parts.append(f"{name} {end_s - before_s:.1f} s")
        before_s = end_s
    parts.append(f"campaign files {total_s - before_s:.1f} s")
    return f"{total_s:.1f} s wall: " + ", ".join(parts)


def run_campaign(
    scenario: Scenario,
    seeds: list[int],
    duration_s: float | None,
    out_dir: Path,
    jobs: int,
    realtime: bool = False,
    on_done: Callable[[SeedOutcome], None] | None = None,
    dask_address: str | None = None,
    complete: Callable[[dict[int, dict]], list[int]] | None = None,
    prepare: Callable[[dict[int, dict]], object] | None = None,
) -> CampaignRun:
    """Run every seed, calling `on_done` as each ends; a seed whose run raises is an outcome with its
    error, and the others still run. Then the seeds `complete` picks from the summaries (by seed; e.g. the
    worst, which the campaign report links to) get whole run folders with report.html, while this
    process calls `prepare` with the summaries (e.g. to draw the campaign report's plots). With
    `dask_address` (a scheduler's address, or local:N) on a Dask cluster, else in local processes, at
    most `jobs` at once. Ctrl-C cancels the seeds not started and keeps what the running ones simulated
    so far, as a single run does; nothing is completed then."""
    start_s = time.perf_counter()
    timeline_s: dict[str, float] = {}
    outcomes: dict[int, SeedOutcome] = {}
    ran = 0
    reports: dict[int, Path] = {}
    prepared: list[object] = []

    def phase(name: str) -> None:
        timeline_s[name] = time.perf_counter() - start_s

    def finish(future: Future, seed: int) -> None:
        nonlocal ran
        try:
            summary, fresh = future.result()
        except Exception as failure:
            outcomes[seed] = SeedOutcome(seed, error=_error(failure))
        else:
            ran += fresh
            outcomes[seed] = SeedOutcome(seed, summary, out_dir / f"seed-{seed}" / "summary.json")
        if on_done is not None:
            on_done(outcomes[seed])

    def finish_report(future: Future, seed: int) -> None:
        try:
            path = future.result()
        except Exception:  # a report not made is not linked; the seed's outcome stands
            return
        if path is not None:
            reports[seed] = path

    if dask_address is not None:
        from zorka.run.dask_campaign import dask_engine  # dask is imported only by those who use it

        engine = dask_engine(dask_address)
        where = out_dir.resolve()  # the workers' working folders are their own
    else:
        engine = _pool_engine(min(jobs, len(seeds)))
        where = out_dir
    try:
        with engine as run:
            phase(PHASES[0])
            campaign = uuid.uuid4().hex
            calls = {
                seed: (run_seed, scenario, seed, duration_s, where, realtime, campaign) for seed in seeds
            }
            whole = run("seed", calls, finish)
            phase(PHASES[1])
            if whole and complete is not None:
                summaries = {s: o.summary for s, o in outcomes.items() if o.summary is not None}
                picked = complete(summaries)
                reporting = {seed: (complete_seed, scenario, seed, where) for seed in picked}
                meanwhile = None if prepare is None else lambda: prepared.append(prepare(summaries))
                run("report", reporting, finish_report, meanwhile)
                phase(PHASES[2])
        phase(PHASES[3])
    finally:
        _remove_attempts(out_dir, seeds)
    missing = SeedOutcome(0, error=_error(NotStartedError()))
    ordered = [outcomes.get(seed, replace(missing, seed=seed)) for seed in seeds]
    return CampaignRun(
        ordered, ran, dict(sorted(reports.items())), prepared[0] if prepared else None, timeline_s
    )


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
