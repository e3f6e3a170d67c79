"""The acceptance run of issue 16: `examples/imaging_world_24h.toml` (42 targets over the world's land, a
day), judged from its run folder alone — the product files and truth.oem/truth.aem, with the KVN reader,
GMST (IAU-82) and WGS-84 of test_absolute_pointing_from_truth_files, nothing of Zorka's geometry:

- geolocation CE90 <= 15 m for the captures up to 30 deg off nadir: each product's onboard centre against
  the boresight's point at the target's height in the truth files at mid-capture;
- the true boresight against the true line of sight to the target over every truth row inside the
  captures: p99.7 <= 0.05 deg (the ADCS requirement);
- the summary's figures agree with these;
- the star tracker was clear of the sun (40 deg) and the Earth's limb (25 deg) through every capture and
  the 30 s before it (the planner's exclusion), its boresight from truth.aem and the sun from DE421.

~1-2 min on a shared 2-core machine: slow."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import skyfield_data
from skyfield.api import Loader
from skyfield.sgp4lib import TEME

from tests.zorka.test_absolute_pointing_from_truth_files import (
    WGS84_A_M,
    angle_deg,
    geodetic_ecef,
    read_rows,
    run,
    to_ecef,
    truth_files,
)
from tests.zorka.test_geolocation import true_centre
from zorka.scenario.toml_file import load_scenario

SCENARIO = Path(__file__).parents[2] / "examples" / "imaging_world_24h.toml"
CE90_GOAL_M = 15.0
POINTING_P99_7_DEG = 0.05
TRACKER_B = np.array([0.0, math.sin(math.radians(30.0)), -math.cos(math.radians(30.0))])
"""The star tracker's boresight in body axes: -Z_B tilted 30 deg towards +Y_B (the spacecraft's spec)."""
SUN_EXCLUSION_DEG, EARTH_EXCLUSION_DEG, CLEAR_BEFORE_S = 40.0, 25.0, 30.0


@pytest.fixture(scope="module")
def world_day(tmp_path_factory):
    out = tmp_path_factory.mktemp("world_24h")
    summary = run(load_scenario(SCENARIO), 86400.0, out)
    products = [json.loads(p.read_text())["metadata"] for p in sorted((out / "mass_memory").glob("*.json"))]
    return summary, products, out


@pytest.mark.slow
def test_geolocation_ce90_up_to_30_deg_off_nadir_from_the_product_and_truth_files(world_day):
    summary, products, out = world_day
    near = [p for p in products if p["off_nadir_deg"] <= 30.0]
    assert len(near) >= 5, "the scenario must give captures up to 30 deg off nadir"
    errors = []
    for p in near:
        lat, lon, h = p["onboard_footprint"]["centre"]
        onboard = geodetic_ecef(math.radians(lat), math.radians(lon), h)
        t_mid_s = 0.5 * (p["t_start_s"] + p["t_end_s"])
        errors.append(float(np.linalg.norm(onboard - true_centre(out, t_mid_s, p["requested_alt_m"]))))
    ce90 = float(np.percentile(errors, 90.0))
    geolocation = summary["geolocation"]
    print(
        f"\n{len(near)} captures <= 30 deg off nadir: CE90 {ce90:.1f} m from the files, summary "
        f"{geolocation['ce90_m_off_nadir_le_30deg']:.1f} m (real-time filter alone "
        f"{geolocation['ce90_m_realtime_off_nadir_le_30deg']:.1f} m); budget RMS "
        f"{geolocation['budget_rms_m']}; "
        f"targeting p95 {geolocation['targeting_error_m']['p95']:.0f} m"
    )
    assert geolocation["ce90_m_off_nadir_le_30deg"] == pytest.approx(ce90, abs=1.0)
    assert ce90 <= CE90_GOAL_M


@pytest.mark.slow
def test_true_boresight_to_target_p99_7_within_the_adcs_requirement_from_the_truth_files(world_day):
    summary, products, out = world_day
    jd, r_teme, boresight = truth_files(out)
    t_s = np.round((jd - jd[0]) * 86400.0, 3)
    angles, biases = [], []
    for p in products:
        inside = (t_s >= p["t_start_s"] - 1e-3) & (t_s <= p["t_end_s"] + 1e-3)
        target = geodetic_ecef(
            math.radians(p["requested_lat_deg"]), math.radians(p["requested_lon_deg"]), p["requested_alt_m"]
        )
        r_ecef = to_ecef(jd[inside], r_teme[inside])
        angle = angle_deg(to_ecef(jd[inside], boresight[inside]), target - r_ecef)
        angles.append(angle)
        biases.append(float(np.mean(angle)))
    angles = np.concatenate(angles)
    p99_7 = float(np.percentile(angles, 99.7))
    figure = summary["pointing"]["capture_error_deg"]
    print(
        f"\n{len(products)} captures, {len(angles)} truth rows: boresight to target p50 "
        f"{np.percentile(angles, 50):.4f} p99.7 {p99_7:.4f} deg (summary {figure['p99_7']:.4f}); per-capture "
        f"mean {np.min(biases):.4f}-{np.max(biases):.4f} deg"
    )
    assert len(products) == summary["pointing"]["captures"] >= 8
    assert figure["p99_7"] == pytest.approx(p99_7, rel=0.05)
    assert p99_7 <= POINTING_P99_7_DEG


@pytest.mark.slow
def test_the_star_tracker_was_clear_through_every_capture_and_the_settle_before_it(world_day):
    _, products, out = world_day
    jd, oem = read_rows(out / "truth.oem")
    _, aem = read_rows(out / "truth.aem")
    t_s = np.round((jd - jd[0]) * 86400.0, 3)
    rows = np.zeros(len(t_s), dtype=bool)
    for p in products:
        rows |= (t_s >= p["t_start_s"] - CLEAR_BEFORE_S) & (t_s <= p["t_end_s"])
    x, y, z, w = (aem[rows, k] / np.linalg.norm(aem[rows], axis=1) for k in range(4))
    m = np.stack(  # body to TEME: M(q)^T of the A2B quaternion
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        1,
    )
    tracker = m @ TRACKER_B
    r_m = oem[rows, 0:3] * 1e3
    load = Loader(skyfield_data.get_skyfield_data_path(), expire=False)
    planets = load("de421.bsp")
    t = load.timescale(builtin=True).ut1_jd(jd[rows])
    sun = planets["earth"].at(t).observe(planets["sun"]).frame_xyz(TEME).m.T - r_m
    sun_deg = angle_deg(tracker, sun)
    limb_deg = angle_deg(tracker, -r_m) - np.degrees(np.arcsin(WGS84_A_M / np.linalg.norm(r_m, axis=1)))
    print(
        f"\n{len(products)} captures and the {CLEAR_BEFORE_S:.0f} s before each, {rows.sum()} truth rows: "
        f"sun >= {sun_deg.min():.1f} deg from the tracker, Earth's limb >= {limb_deg.min():.1f} deg"
    )
    assert rows.sum() >= len(products) * CLEAR_BEFORE_S
    assert sun_deg.min() >= SUN_EXCLUSION_DEG
    assert limb_deg.min() >= EARTH_EXCLUSION_DEG
