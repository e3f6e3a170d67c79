"""The memory of a long run, as `zorka bench` measures it in a child process of its own: the default
mission for N days with its run folder and no report (`zorka run --duration Nd --no-report`), the resident
memory sampled at the end of each simulated day, and the process's peak.

    python -m zorka.benchmark.run_memory DAYS   ->  {"rss_mib_per_day": [...], "peak_rss_mib": ...}
"""

import json
import sys
import tempfile
from pathlib import Path

from native.time_scales import SECONDS_PER_DAY
from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024.0
    raise OSError(f"no {field} in /proc/self/status")


def resident_mib() -> float:
    """This process's resident memory now (VmRSS), MiB."""
    return _status_mib("VmRSS")


def peak_resident_mib() -> float:
    """This process's peak resident memory since it started its program (VmHWM), MiB. Not rusage's
    ru_maxrss: Linux counts in it the memory of the process that spawned this one (the high-water mark
    of the memory it was forked or vforked with, as of the exec), so a large parent inflates it."""
    return _status_mib("VmHWM")


def run_memory(days: int) -> dict:
    """The default mission over `days` days into a temporary run folder, without a report: resident MiB
    at the end of each day, and the peak."""
    per_day: list[float] = []

    def at_day_end(t_s: float) -> None:
        if t_s >= (len(per_day) + 1) * SECONDS_PER_DAY - 1e-6:
            per_day.append(round(resident_mib(), 1))

    with tempfile.TemporaryDirectory(prefix="zorka-bench-") as folder:
        mission = Mission(Scenario(), days * SECONDS_PER_DAY, out_dir=Path(folder))
        summary = mission.run(on_progress=at_day_end)
        mission.close()
        write_run_folder(mission, summary, Path(folder), report=False)
    return {"rss_mib_per_day": per_day, "peak_rss_mib": round(peak_resident_mib(), 1)}


if __name__ == "__main__":
    print(json.dumps(run_memory(int(sys.argv[1]))))
