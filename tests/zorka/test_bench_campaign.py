"""`zorka bench`: a figure that takes minutes (the 200-seed campaign) is measured once whatever --repeat
says; the others as many times as asked, their median printed with the goal and its ratio."""

import time

import numpy as np

from zorka.benchmark import performance


def test_the_campaign_figure_is_measured_once_and_the_others_repeat(monkeypatch):
    calls = {"campaign_200_seeds_s": 0, "frame_us": 0}
    values = {"campaign_200_seeds_s": iter([120.0]), "frame_us": iter([9.0, 30.0, 12.0])}

    def measure(name: str):
        def once() -> float:
            calls[name] += 1
            return next(values[name])

        return once

    monkeypatch.setattr(
        performance, "FIGURES", {name: (name, measure(name)) for name in ("frame_us", "campaign_200_seeds_s")}
    )
    lines = list(performance.run_bench(repeat=3))
    assert calls == {"campaign_200_seeds_s": 1, "frame_us": 3}
    assert "12.00" in lines[0] and "median of 3" in lines[0] and "ratio 0.80, met" in lines[0]
    assert "120.00" in lines[1] and "median of 1" in lines[1] and "ratio 2.00, MISSED" in lines[1]


def test_a_whole_run_is_measured_in_its_own_process_its_peak_memory_not_its_parents():
    """A short run's whole process: its CPU more than the interpreter's start and less than the wall time
    it took; its peak RSS that of a process holding numpy, the flight software and its report, though
    this process holds 512 MiB more when it starts it (which the child's rusage ru_maxrss would count:
    Linux carries the spawning process's high-water mark over the exec)."""
    held = np.ones(512 * 2**20, dtype=np.uint8)  # touched: resident
    start = time.perf_counter()
    cpu_s, rss_mib = performance.whole_run_24h(report=True, duration="1m")
    assert held.sum() == held.size
    assert 0.3 < cpu_s < time.perf_counter() - start
    assert 60.0 < rss_mib < 400.0
