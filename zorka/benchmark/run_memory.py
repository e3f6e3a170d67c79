"""The memory of a long run, as `zorka bench` measures it in a child process of its own: the default
mission for N days with its run folder and no report (`zorka run --duration Nd --no-report`), the resident
memory sampled at the end of each simulated day, and the process's peak.

    python -m zorka.benchmark.run_memory DAYS   ->  {"rss_mib_per_day": [...], "peak_rss_mib": ...}
"""

import json
import resource
import sys
import tempfile
from pathlib import Path

from native.time_scales import SECONDS_PER_DAY
from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario


def resident_mib() -> float:
    """This process's resident memory now (VmRSS), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise OSError("no VmRSS in /proc/self/status")


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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"rss_mib_per_day": per_day, "peak_rss_mib": round(peak, 1)}


if __name__ == "__main__":
    print(json.dumps(run_memory(int(sys.argv[1]))))
