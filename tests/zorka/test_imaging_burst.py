"""A burst of 1,000 `imaging_request_add` telecommands: queued by the command, taken into the book at the next
tick, and planned on the worker thread, taken at a fixed onboard time, so the 10 Hz loop keeps its frames
(real time: no overrun) and a run stays deterministic for its seed (simulated time: the same plan twice)."""

import math
from pathlib import Path

import numpy as np
import pytest
from spacepackets.ecss import PusTc

from flight.payload import imaging
from flight.software import APID
from zorka.run.mission import Mission
from zorka.scenario.toml_file import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "imaging_eeurope.toml"
BURST = 1000
BURST_AT_S = 5.2  # its five frames fall between the ticks at 5 s and 6 s
TCS_PER_FRAME = 200  # what one 16 KiB read of the packet port carries (zorka/serve/packet_port.py)
DUE_S = 6.0 + imaging.BURST_PLAN_DELAY_S  # the tick at 6 s takes the burst in and starts its plan


def _burst_tcs(mission: Mission) -> list[bytes]:
    """BURST point targets in the example's region (lat 45-60, lon 20-40 deg), fixed seed."""
    add = mission.flight.dictionary.commands["imaging_request_add"]
    rng = np.random.default_rng(15)
    return [
        PusTc(
            apid=APID,
            service=200,
            message_subtype=1,
            seq_count=k,
            app_data=add.encode(
                {
                    "request_id": 10_000 + k,
                    "lat": math.radians(rng.uniform(45.0, 60.0)),
                    "lon": math.radians(rng.uniform(20.0, 40.0)),
                    "alt": 0.0,
                    "priority": int(rng.integers(1, 11)),
                    "duration": 8.0,
                    "max_off_nadir": math.radians(40.0),
                    "min_sun_elevation": math.radians(12.0),
                    "window_start": 0.0,
                    "window_end": 0.0,
                }
            ),
        ).pack()
        for k in range(BURST)
    ]


def _mission_with_burst(duration_s: float, realtime: bool) -> Mission:
    """The example mission; from BURST_AT_S the burst arrives TCS_PER_FRAME a frame, as a link delivers."""
    mission = Mission(load_scenario(EXAMPLE), duration_s, realtime=realtime)
    pending = _burst_tcs(mission)
    flight = mission.flight

    def deliver() -> None:
        if flight.executive.t_s >= BURST_AT_S and pending:
            for tc in pending[:TCS_PER_FRAME]:
                assert flight.accept_telecommand(tc)
            del pending[:TCS_PER_FRAME]

    mission.ports().add_frame_hook(deliver)
    return mission


def test_a_burst_is_planned_on_the_worker_and_taken_at_a_fixed_time(monkeypatch):
    incremental = []
    monkeypatch.setattr(
        imaging.Planner, "add_request", lambda self, request: incremental.append(request) or []
    )
    due_s = DUE_S
    timelines = []
    for _ in range(2):
        mission = _mission_with_burst(due_s + 2.0, realtime=False)
        payload = mission.flight.payload
        mission.run_frames(round((due_s - 1.0) / 0.1))
        assert len(payload.book) == 30 + BURST
        assert payload._burst is not None and len(payload.planner.requests) == 30
        mission.run()
        mission.close()
        assert payload._burst is None and len(payload.planner.requests) == 30 + BURST
        assert payload.counts.plans == 2
        timelines.append([(c.request_id, c.start_s) for c in payload.timeline])
    assert not incremental
    assert timelines[0] == timelines[1] and timelines[0]
    assert any(request_id.isdigit() for request_id, _ in timelines[0])


@pytest.mark.slow
def test_a_burst_of_a_thousand_adds_costs_the_realtime_loop_no_overrun():
    """~40 s of wall clock: the burst at 5 s, its plan taken at 36 s, overruns counted from the burst on
    (the example's first plan, 30 requests at 1 s, is made on the flight thread and may overrun)."""
    due_s = DUE_S
    mission = _mission_with_burst(due_s + 3.0, realtime=True)
    executive = mission.flight.executive
    mission.run_frames(round(5.0 / 0.1))
    overruns, skipped = executive.overruns, executive.skipped
    mission.run()
    mission.close()
    payload = mission.flight.payload
    assert len(payload.planner.requests) == 30 + BURST
    assert (executive.overruns - overruns, executive.skipped - skipped) == (0, 0)
