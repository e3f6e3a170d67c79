"""Monte Carlo campaigns: one scenario run once per seed on a local process pool, each seed into a run
folder of its own, then the spread of the summary figures across the seeds (campaign.json)."""

import json
import multiprocessing
import signal
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from zorka.outputs.run_folder import claim_run_folder, run_into_folder
from zorka.run.mission import Mission
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


def run_seed(
    scenario: Scenario, seed: int, duration_s: float | None, out_dir: Path, realtime: bool
) -> tuple[dict, Path]:
    """Run `scenario` with `seed` into out_dir/seed-<seed>/ as `zorka run --seed` would, without a
    progress bar; the summary and its path. A pool worker, so it lives at the top level to pickle."""
    if _worker["interrupted"]:
        raise NotStartedError
    folder = out_dir / f"seed-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    claim_run_folder(folder, force=True)
    mission = Mission(replace(scenario, seed=seed), duration_s, realtime=realtime, out_dir=folder)
    return run_into_folder(mission, folder, quiet=True)


def run_campaign(
    scenario: Scenario,
    seeds: list[int],
    duration_s: float | None,
    out_dir: Path,
    jobs: int,
    realtime: bool = False,
    on_done: Callable[[SeedOutcome], None] | None = None,
) -> list[SeedOutcome]:
    """Run every seed in a process of its own, at most `jobs` at once, calling `on_done` as each ends; the
    outcomes in the order of `seeds`. A seed whose run raises is an outcome with its error, and the others
    still run. Ctrl-C cancels the seeds not started and keeps what the running ones simulated so far, as
    a single run does. Workers are spawned, not forked: each starts as clean as a single `zorka run`."""
    outcomes: dict[int, SeedOutcome] = {}

    def finish(future: Future, seed: int) -> None:
        try:
            summary, path = future.result()
        except Exception as failure:
            outcomes[seed] = SeedOutcome(seed, error=_error(failure))
        else:
            outcomes[seed] = SeedOutcome(seed, summary, path)
        if on_done is not None:
            on_done(outcomes[seed])

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
    return [outcomes.get(seed, SeedOutcome(seed, error=_error(NotStartedError()))) for seed in seeds]


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
