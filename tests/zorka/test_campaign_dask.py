"""`zorka run --seeds --dask`: the same campaign on a Dask LocalCluster and on a scheduler and workers
started as separate processes on 127.0.0.1 gives per-seed summaries identical to the local process
pool's (wall time apart); a worker killed mid-campaign loses no seed; a rerun skips finished seeds."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dask
import pytest

from tests.zorka.test_campaign_dispersions import CAMPAIGN
from zorka.run.dask_campaign import LOCAL_CONFIG, dask_engine

ZORKA = [sys.executable, "-m", "zorka"]
DASK = str(Path(sys.executable).with_name("dask"))
SEEDS = (1, 2, 3, 4)
TIMING = ("wall_s", "real_time_factor")


def zorka(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*ZORKA, *args], capture_output=True, text=True, timeout=timeout)


KILLED_SEED_DURATION = "1h"
"""Seeds long enough (~0.3 s each) for the worker to be killed in one."""


def campaign_args(scenario: Path, out: Path, seeds: str = "1-4", duration: str | None = "3m") -> list[str]:
    """`zorka run` of a campaign; duration None: the scenario's, one orbit."""
    timed = ["--duration", duration] if duration else []
    return ["run", str(scenario), "--seeds", seeds, *timed, "--out", str(out), "--quiet"]


def without_timing(folder: Path) -> list[str]:
    """summary.json's lines, the wall-time ones left out: the bytes that must match across engines."""
    lines = (folder / "summary.json").read_text().splitlines()
    return [line for line in lines if not any(f'"{key}"' in line for key in TIMING)]


def assert_same_seeds(out: Path, reference: Path, seeds=SEEDS) -> None:
    for seed in seeds:
        assert without_timing(out / f"seed-{seed}") == without_timing(reference / f"seed-{seed}"), seed
    assert not list(out.glob(".seed-*")), "an attempt's folder was left behind"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "campaign.toml"
    path.write_text(CAMPAIGN)
    return path


@pytest.fixture(scope="module")
def pool_campaign(scenario, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pool")
    result = zorka(*campaign_args(scenario, out), "--jobs", "2", "--no-report")
    assert result.returncode == 0, result.stderr
    return out


class Cluster:
    """A `dask scheduler` and `dask worker`s, each a process of its own, on 127.0.0.1 only."""

    def __init__(self, folder: Path, workers: int):
        scheduler_file = folder / "scheduler.json"
        common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder}
        self.scheduler = subprocess.Popen(
            [
                DASK,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                *("--scheduler-file", str(scheduler_file)),
            ],
            **common,
        )
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline and self.scheduler.poll() is None, "no scheduler"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written whole before the scheduler listens; let it settle
        self.address = json.loads(scheduler_file.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        self.folder = folder
        self.workers: list[subprocess.Popen] = []
        for _ in range(workers):
            self.add_worker()

    def add_worker(self) -> subprocess.Popen:
        """One more `dask worker` of one thread, without a nanny (a kill is a kill)."""
        worker = subprocess.Popen(
            [
                DASK,
                "worker",
                self.address,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--no-nanny",
                *("--no-dashboard", "--death-timeout", "60"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.folder,
        )
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        """The workers first, then the scheduler: a worker whose scheduler went first keeps trying to
        reach it (20 s per test before it gave up)."""
        for group in (self.workers, [self.scheduler]):
            for process in group:
                if process.poll() is None:
                    process.terminate()
            for process in group:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path, workers=2)
    yield running
    running.stop()


def test_a_local_dask_cluster_gives_the_local_pools_summaries(scenario, pool_campaign, tmp_path):
    result = zorka(*campaign_args(scenario, tmp_path), "--dask", "local:2", "--no-report")
    assert result.returncode == 0, result.stderr
    assert_same_seeds(tmp_path, pool_campaign)
    document = json.loads((tmp_path / "campaign.json").read_text())
    assert document["seeds"] == list(SEEDS) and document["failed"] == []
    assert document["figures"] == json.loads((pool_campaign / "campaign.json").read_text())["figures"]


def test_a_local_clusters_workers_run_with_the_campaigns_dask_settings():
    found = {}
    with dask_engine("local:1") as run:
        calls = {i: (dask.config.get, key) for i, key in enumerate(LOCAL_CONFIG)}
        assert run("probe", calls, lambda future, i: found.__setitem__(i, future.result()))
    assert found == dict(enumerate(LOCAL_CONFIG.values()))
    assert dask.config.get("distributed.worker.profile.enabled") is True, "left set in this process"


def test_a_separate_scheduler_and_two_workers_give_the_same_summaries(
    scenario, pool_campaign, cluster, tmp_path
):
    out = tmp_path / "out"
    result = zorka(*campaign_args(scenario, out), "--dask", cluster.address, "--no-report")
    assert result.returncode == 0, result.stderr
    assert_same_seeds(out, pool_campaign)


def test_the_worst_seeds_get_whole_run_folders_on_the_cluster(scenario, pool_campaign, cluster, tmp_path):
    out = tmp_path / "out"
    result = zorka(*campaign_args(scenario, out, seeds="1-2"), "--dask", cluster.address)
    assert result.returncode == 0, result.stderr
    assert "2 run reports" in result.stdout  # two seeds: each is among the worst by some figure
    assert_same_seeds(out, pool_campaign, (1, 2))
    assert linked_reports(out) == ["seed-1/report.html", "seed-2/report.html"]
    assert all((out / f"seed-{seed}" / "truth.oem").exists() for seed in (1, 2))


def test_a_worker_killed_mid_campaign_loses_no_seed(scenario, cluster, tmp_path):
    """Seeds of an hour (a fused seed of minutes lasts tens of ms: the kill would come after the end);
    the worker is killed once both workers are in a seed (two attempt folders), never after the end."""
    reference, out = tmp_path / "pool", tmp_path / "out"
    pool = zorka(
        *campaign_args(scenario, reference, duration=KILLED_SEED_DURATION), "--jobs", "2", "--no-report"
    )
    assert pool.returncode == 0, pool.stderr
    run = subprocess.Popen(
        [
            *ZORKA,
            *campaign_args(scenario, out, duration=KILLED_SEED_DURATION),
            "--dask",
            cluster.address,
            "--no-report",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob(".seed-*"))) < 2:  # both workers are in the middle of a seed
        assert time.monotonic() < deadline and run.poll() is None, "the campaign ended before the kill"
        time.sleep(0.005)
    os.kill(cluster.workers[0].pid, signal.SIGKILL)
    _, stderr = run.communicate(timeout=300)
    assert cluster.workers[0].wait(timeout=10) == -signal.SIGKILL
    assert run.returncode == 0, stderr
    assert json.loads((out / "campaign.json").read_text())["failed"] == []
    assert_same_seeds(out, reference)


def test_a_rerun_skips_finished_seeds_and_runs_the_others(scenario, pool_campaign, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pool_campaign, out)
    finished = {seed: (out / f"seed-{seed}" / "summary.json").read_bytes() for seed in (1, 3, 4)}
    (out / "seed-2" / "summary.json").unlink()  # a seed that did not end
    result = zorka(*campaign_args(scenario, out, seeds="1-5"), "--jobs", "2", "--no-report")
    assert result.returncode == 0, result.stderr
    assert "2 seeds run, 3 finished before (not run again), 0 failed" in result.stdout
    for seed, before in finished.items():
        assert (out / f"seed-{seed}" / "summary.json").read_bytes() == before, "a finished seed was rerun"
    assert_same_seeds(out, pool_campaign)
    assert json.loads((out / "seed-2" / "summary.json").read_text())["wall_s"] > 0
    assert json.loads((out / "seed-5" / "summary.json").read_text())["seed"] == 5
    assert json.loads((out / "campaign.json").read_text())["seeds"] == [1, 2, 3, 4, 5]


def test_a_seed_cut_short_is_run_again(scenario, pool_campaign, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(pool_campaign, out)
    summary_path = out / "seed-3" / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary_path.write_text(json.dumps({**summary, "sim_s": 12.3}))  # as a Ctrl-C leaves it
    result = zorka(*campaign_args(scenario, out, seeds="3"), "--no-report")
    assert result.returncode == 0, result.stderr
    assert without_timing(out / "seed-3") == without_timing(pool_campaign / "seed-3")


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--dask", "local:2"], ["--dask", "--seeds"]),
        (["--seeds", "1-2", "--dask", "local:0"], ["--dask", "local:N"]),
        (["--seeds", "1-2", "--dask", "nowhere"], ["--dask", "'nowhere'"]),
        (["--seeds", "1-2", "--dask", "local:2", "--jobs", "2"], ["--jobs", "--dask"]),
    ],
)
def test_bad_dask_arguments_get_one_line_and_exit_2(args, names, tmp_path):
    result = zorka("run", *args, "--duration", "10s", "--out", str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for name in names:
        assert name in lines[0]


def test_a_scheduler_that_does_not_answer_gets_one_line(tmp_path):
    result = zorka(
        "run",
        "--seeds",
        "1",
        "--duration",
        "10s",
        "--out",
        str(tmp_path / "x"),
        "--quiet",
        "--dask",
        "tcp://127.0.0.1:9",
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and "--dask" in lines[-1] and "127.0.0.1:9" in lines[-1], (
        result.stderr
    )


ACCEPTANCE_SEEDS = range(1, 201)
KILL_AFTER_SEEDS = 40


def written(out: Path, seeds) -> dict[int, tuple[int, int]]:
    """Per seed, when its summary.json and tm.bin were last written (ns)."""
    return {
        seed: tuple((out / f"seed-{seed}" / name).stat().st_mtime_ns for name in ("summary.json", "tm.bin"))
        for seed in seeds
    }


def linked_reports(out: Path) -> list[str]:
    page = (out / "campaign.html").read_text()
    links = sorted(set(re.findall(r'href="(seed-\d+/report.html)"', page)))
    assert links and all((out / link).exists() for link in links)
    return links


@pytest.mark.slow
def test_two_hundred_one_orbit_seeds_with_dispersions_match_on_every_engine(scenario, tmp_path):
    """Issue 16's acceptance: 200 one-orbit seeds with dispersions through the local pool, --dask local:2,
    and a separate scheduler with two workers (one SIGKILLed mid-campaign, a new one joining), identical
    per seed; then a rerun runs no seed again."""
    seeds = ACCEPTANCE_SEEDS
    listed = f"{seeds[0]}-{seeds[-1]}"
    outs = {name: tmp_path / name for name in ("pool", "local", "cluster")}
    wall_s = {}

    start = time.perf_counter()
    pool = zorka(*campaign_args(scenario, outs["pool"], listed, None), "--jobs", "2", timeout=3600)
    wall_s["pool"] = time.perf_counter() - start
    print(f"{time.strftime('%H:%M:%S')} {dict(wall_s)}", flush=True)  # progress, as it goes
    assert pool.returncode == 0, pool.stderr
    assert f"{len(seeds)} seeds run, 0 finished before" in pool.stdout

    start = time.perf_counter()
    local = zorka(  # the seeds alone: completing the worst is the pool run's (and the cluster test's)
        *campaign_args(scenario, outs["local"], listed, None),
        "--dask",
        "local:2",
        "--no-report",
        timeout=3600,
    )
    wall_s["dask local:2"] = time.perf_counter() - start
    print(f"{time.strftime('%H:%M:%S')} {dict(wall_s)}", flush=True)  # progress, as it goes
    assert local.returncode == 0, local.stderr

    running = Cluster(tmp_path, workers=2)
    try:
        start = time.perf_counter()
        run = subprocess.Popen(
            [
                *ZORKA,
                *campaign_args(scenario, outs["cluster"], listed, None),
                *("--dask", running.address, "--no-report"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 1800
        while not (
            len(list(outs["cluster"].glob("seed-*"))) >= KILL_AFTER_SEEDS
            and len(list(outs["cluster"].glob(".seed-*/tm.bin"))) >= 2  # both workers mid-seed
        ):
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.05)
        victim = running.workers[0]
        os.kill(victim.pid, signal.SIGKILL)
        running.add_worker()  # a worker joining mid-campaign takes its share
        stdout, stderr = run.communicate(timeout=3600)
        wall_s["scheduler + 2 workers, one killed"] = time.perf_counter() - start
        print(f"{time.strftime('%H:%M:%S')} {dict(wall_s)}", flush=True)  # progress, as it goes
    finally:
        running.stop()
    assert victim.returncode == -signal.SIGKILL
    assert run.returncode == 0, stderr
    assert f"{len(seeds)} seeds run, 0 finished before (not run again), 0 failed" in stdout

    for name, out in outs.items():
        document = json.loads((out / "campaign.json").read_text())
        assert document["seeds"] == list(seeds) and document["failed"] == [], name
    assert_same_seeds(outs["local"], outs["pool"], seeds)
    assert_same_seeds(outs["cluster"], outs["pool"], seeds)
    assert len(linked_reports(outs["pool"])) >= 5
    figures = json.loads((outs["pool"] / "campaign.json").read_text())["figures"]
    for name in ("local", "cluster"):
        assert json.loads((outs[name] / "campaign.json").read_text())["figures"] == figures, name

    before = written(outs["pool"], seeds)
    start = time.perf_counter()
    rerun = zorka(*campaign_args(scenario, outs["pool"], listed, None), "--jobs", "2", timeout=3600)
    wall_s["rerun"] = time.perf_counter() - start
    print(f"{time.strftime('%H:%M:%S')} {dict(wall_s)}", flush=True)  # progress, as it goes
    assert rerun.returncode == 0, rerun.stderr
    assert f"0 seeds run, {len(seeds)} finished before (not run again), 0 failed" in rerun.stdout
    assert written(outs["pool"], seeds) == before, "a finished seed was run again"
