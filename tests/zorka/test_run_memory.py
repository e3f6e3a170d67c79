"""A run's memory does not grow with its length: what the recorder, the error statistics and the truth log
hold is the same for a minute as for 30 days, and (slow) a 3-day run's resident memory is flat from the end
of its first day on, measured in a process of its own (`zorka.benchmark.run_memory`)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from native.time_scales import SECONDS_PER_DAY
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario


def held_bytes(mission: Mission) -> int:
    """The bytes of every numpy array the recorder, the statistics and the truth log hold."""
    seen, total = set(), 0
    stack = [mission.recorder, mission.errors, mission.truth_log, mission.nadir_rows]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif hasattr(item, "__dict__"):
            stack.extend(vars(item).values())
    return total


def test_what_a_run_holds_is_the_same_for_a_minute_as_for_30_days():
    minute = held_bytes(Mission(Scenario(), 60.0))
    month = held_bytes(Mission(Scenario(), 30 * SECONDS_PER_DAY))
    assert minute == month
    assert month < 6 << 20  # the histograms, the blocks, the decimated copies (1.8 MB of truth rows)


@pytest.mark.slow
def test_a_3_day_run_s_resident_memory_is_flat():
    command = [sys.executable, "-m", "zorka.benchmark.run_memory", "3"]
    measured = json.loads(subprocess.run(command, capture_output=True, check=True, text=True).stdout)
    per_day = measured["rss_mib_per_day"]
    print(f"\nresident MiB at each day's end: {per_day}, peak {measured['peak_rss_mib']}")
    assert len(per_day) == 3
    assert per_day[-1] - per_day[0] <= 5.0
    assert measured["peak_rss_mib"] <= 200.0
