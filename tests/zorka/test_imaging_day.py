"""The issue's closed-loop acceptance: a 24 h mission run with 200 requests.

200 world-wide targets (the first 200 of tests/data/planning/world_n500_s3.json, lat -60..70°) or the
200 clustered ones of eeurope_n200_s3.json, the default spacecraft from 2026-06-21T00:00Z, a Svalbard
station and a radio losing 5 % of frames each way; once undisturbed, once with three drops to SUN_SAFE
just before a capture. Proves: at least 95 % of the captures started meet quality (target inside the
swath and strip, smear <= 0.5 px); every capture that failed or was missed is re-planned — a plan
follows it, and its request ends captured or still open (in the last plan, or waiting for an
opportunity beyond it), never dropped; every product on the ground verifies and is the imager's. The
figures are printed (pytest -s).
"""

import json
import time
from pathlib import Path

import pytest

from flight.adcs.modes import Mode
from flight.payload.request_book import RequestState
from tests.zorka.test_imaging_chain import (
    SVALBARD,
    check_ground_product,
    imaging_scenario,
    record_stores,
    run_to,
)
from zorka.run.mission import Mission

PLANNING = Path(__file__).resolve().parents[1] / "data" / "planning"
WORLD = PLANNING / "world_n500_s3.json"
EEUROPE = PLANNING / "eeurope_n200_s3.json"
DAY_S = 86400.0
REQUESTS = 200


def day_run(out: Path, data: Path, min_started: int, disturb_at_s: tuple[float, ...] = ()) -> None:
    """Run the day; at each of `disturb_at_s`, the ADCS is sent to SUN_SAFE 5 s before the next planned
    capture (which then fails or is missed). Checks and prints as the module says."""
    targets = json.loads(data.read_text())["targets"][:REQUESTS]
    scenario = imaging_scenario(targets, [SVALBARD], frame_loss=0.05, epoch_utc="2026-06-21T00:00:00Z")
    mission = Mission(scenario, DAY_S, out_dir=out)
    payload, attitude, executive = mission.flight.payload, mission.flight.attitude, mission.flight.executive
    stored = record_stores(mission)
    events, plans = [], []
    raise_event, plan = mission.flight.events.raise_event, payload._plan

    def recording_event(t_s, severity, name, text):
        if name in ("capture_done", "capture_failed"):
            events.append((t_s, name, text.split(":")[0].removeprefix("request ")))
        return raise_event(t_s, severity, name, text)

    def recording_plan(t_s):
        plans.append(t_s)
        return plan(t_s)

    mission.flight.events.raise_event, payload._plan = recording_event, recording_plan
    start = time.perf_counter()
    for t_s in disturb_at_s:
        run_to(mission, t_s)
        victim = payload.timeline[0]
        run_to(mission, victim.start_s - 5.0)
        attitude.request_mode(executive.t_s, Mode.SUN_SAFE)
    summary = mission.run()
    wall_s = time.perf_counter() - start
    mission.close()

    imaging, files = summary["imaging"], summary["link"]["files"]
    started, good = imaging["captures_started"], imaging["captures_good"]
    book = payload.book
    failed = [(t, r) for t, name, r in events if name == "capture_failed"]
    captured_later = sum(
        1 for t, r in failed if any(tt > t and n == "capture_done" and rr == r for tt, n, rr in events)
    )
    print(
        f"\n24 h, {REQUESTS} requests of {data.name}, {len(disturb_at_s)} disturbances: "
        f"{imaging['plans']} plans; captures started {started}, good {good}, "
        f"failed {imaging['captures_failed']}, missed {imaging['captures_missed']}; quality "
        f"{good / max(started, 1):.1%} of started; requests {json.dumps(imaging['requests'])}; "
        f"failures {len(failed)}, of which captured later {captured_later}; products stored {len(stored)}, "
        f"downlinked {files['products_received']}, left on board {files['products_left_on_board']}; "
        f"battery min SOC {summary['power']['min_soc']:.2f}; wall {wall_s:.1f} s "
        f"({DAY_S / wall_s:.0f} x real time)"
    )
    assert started >= min_started
    assert len(failed) >= len(disturb_at_s)
    assert good >= 0.95 * (started - len(disturb_at_s)), "quality of the captures not disturbed on purpose"
    assert imaging["requests"]["captured"] == good
    last_timeline = {c.request_id for c in payload.timeline}
    for t_s, request_id in failed:
        assert any(p >= t_s for p in plans) or t_s > DAY_S - 60.0, f"{request_id}: no plan after {t_s:.0f} s"
        state = book.entries[request_id].state
        assert state != RequestState.DROPPED
        if state != RequestState.CAPTURED:
            assert state == RequestState.WAITING or request_id in last_timeline
    for product_id in (p.stem for p in (out / "products").glob("*.png")):
        data_bytes, _ = check_ground_product(out / "products", product_id)
        assert data_bytes == stored[product_id]
    assert files["products_received"] + files["products_left_on_board"] == len(stored)


@pytest.mark.slow
@pytest.mark.parametrize(("data", "min_started"), [(WORLD, 50), (EEUROPE, 10)], ids=["world", "eeurope"])
def test_a_day_of_200_requests_captures_at_95_percent_quality(tmp_path, data, min_started):
    """The undisturbed day, world-wide requests and clustered ones (lat 45-60°, lon 20-40°: one daylit
    pass a day reaches them, so ~14 captures)."""
    day_run(tmp_path, data, min_started)


@pytest.mark.slow
def test_a_disturbed_day_replans_every_failed_capture(tmp_path):
    """Three times in the day the ADCS drops to SUN_SAFE 5 s before a capture: those captures fail and
    the ones due while it recovers are missed; each of them is re-planned, and quality holds for the
    rest."""
    day_run(tmp_path, WORLD, 50, disturb_at_s=(20000.0, 45000.0, 70000.0))
