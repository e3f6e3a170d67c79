"""One orbit of nadir pointing (what a scenario file's missing keys take) in closed loop over the simulated
devices, judged on the truth; and the built-in mission, which carries products to the ground."""

import json
import math

import numpy as np
import pytest

from native import lib, ptr
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO, Scenario

NADIR = Scenario()  # one orbit of nadir pointing, no station, radio or request


@pytest.fixture(scope="module")
def one_orbit():
    return Mission(NADIR).run()


def test_nadir_error_below_a_tenth_of_a_degree_p99_after_300_s(one_orbit):
    att = one_orbit["attitude"]
    assert att["stats_from_s"] == 300.0
    assert att["error_deg"]["p99"] < 0.1
    assert att["error_deg"]["max"] < 0.1
    assert att["settle_s"] is not None and att["settle_s"] < 300.0


def test_starts_ten_degrees_off_nadir_and_stays_inside_the_wheel_limits(one_orbit):
    world = Mission(NADIR, 1.0).world
    q_nadir, w_nadir_i = np.zeros(4), np.zeros(3)
    lib.zk_nadir_reference(ptr(world.r_eci), ptr(world.v_eci), ptr(q_nadir), ptr(w_nadir_i))
    assert math.degrees(lib.zk_quat_angle(ptr(q_nadir), ptr(world.q_ib))) == pytest.approx(10.0, abs=0.1)
    assert 0.0 < one_orbit["wheels"]["peak_momentum_fraction"] < 1.0


def test_summary_has_the_keys_scripts_rely_on(one_orbit):
    assert set(one_orbit) >= {"seed", "sim_s", "wall_s", "real_time_factor", "attitude", "wheels", "control"}
    assert set(one_orbit["attitude"]["error_deg"]) == {"mean", "p99", "max"}
    assert set(one_orbit["attitude"]["rate_error_deg_s"]) == {"p99", "max"}
    assert one_orbit["control"]["overruns"] == 0
    assert one_orbit["sim_s"] == pytest.approx(5676.98, abs=0.1)  # 2 pi sqrt(a^3 / mu), a = R_E + 500 km


def _without_timing(summary: dict) -> str:
    return json.dumps(
        {k: v for k, v in summary.items() if k not in ("wall_s", "real_time_factor")}, sort_keys=True
    )


def test_same_seed_gives_the_same_summary_and_another_seed_does_not():
    runs = [Mission(Scenario(seed=s), 600.0).run() for s in (5, 5, 6)]
    assert _without_timing(runs[0]) == _without_timing(runs[1])
    assert _without_timing(runs[0]) != _without_timing(runs[2])


def test_the_built_in_mission_captures_and_delivers_every_request_to_the_ground(tmp_path):
    summary = Mission(DEFAULT_SCENARIO, out_dir=tmp_path).run()
    requested = {r.id for r in DEFAULT_SCENARIO.requests}
    assert summary["sim_s"] == pytest.approx(1500.0)
    assert summary["imaging"]["captures_good"] == len(requested) == 5
    assert summary["link"]["files"]["products_received"] == len(requested)
    delivered = {p.name.removesuffix("-1.png") for p in (tmp_path / "products").glob("*.png")}
    assert delivered == requested
