"""Products' footprints and geolocation in a mission run (the first pass over the Barents cluster), checked
against the run's truth.oem/truth.aem with numpy alone (the KVN reader, GMST and WGS-84 of
test_absolute_pointing_from_truth_files): the true centre re-derived from the truth files at mid-capture,
the onboard centre's distance from it, the footprint's width against the swath's closed form."""

import dataclasses
import functools
import json
import math

import numpy as np
import pytest
from rich.console import Console

from tests.zorka.test_absolute_pointing_from_truth_files import (
    WGS84_A_M,
    WGS84_F,
    geodetic_ecef,
    run,
    to_ecef,
    truth_files,
)
from tests.zorka.test_imaging_chain import barents_targets, imaging_scenario
from zorka.run.progress import summary_table

FIRST_PASS_DONE_S = 1800.0
HALF_SWATH_RAD = 0.01  # 20,000 pixels of 1 urad


@pytest.fixture(scope="module")
def geolocation_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("geolocation")
    targets = barents_targets()
    for t in targets[::2]:
        t["alt_m"] = 300.0  # half of them above the ellipsoid, half on it (no height given)
    scenario = imaging_scenario(targets)
    scenario = dataclasses.replace(scenario, report=dataclasses.replace(scenario.report, truth_rate_hz=10.0))
    summary = run(scenario, FIRST_PASS_DONE_S, out)
    products = [json.loads(p.read_text())["metadata"] for p in sorted((out / "mass_memory").glob("*.json"))]
    return summary, products, out, {t["id"]: t for t in targets}


def raised_ellipsoid_point(r: np.ndarray, d: np.ndarray, h: float) -> np.ndarray:
    b = WGS84_A_M * (1.0 - WGS84_F)
    scale = np.array([WGS84_A_M + h, WGS84_A_M + h, b + h])
    o, u = r / scale, d / scale
    qa, qb, qc = u @ u, o @ u, o @ o - 1.0
    return r + (-qb - math.sqrt(qb * qb - qa * qc)) / qa * d


@functools.cache
def read_truth(out) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The truth files of a run folder, read once."""
    return truth_files(out)


def true_centre(out, t_mid_s: float, height_m: float) -> np.ndarray:
    """The boresight's point at the target's height at t_mid_s, from the truth rows about it."""
    jd, r_teme, boresight = read_truth(out)
    t_s = (jd - jd[0]) * 86400.0
    k = np.searchsorted(t_s, t_mid_s) - 1
    f = (t_mid_s - t_s[k]) / (t_s[k + 1] - t_s[k])
    jd_mid = np.array([jd[k] + f * (jd[k + 1] - jd[k])])
    r = to_ecef(jd_mid, ((1 - f) * r_teme[k] + f * r_teme[k + 1])[None])[0]
    d = to_ecef(jd_mid, ((1 - f) * boresight[k] + f * boresight[k + 1])[None])[0]
    return raised_ellipsoid_point(r, d / np.linalg.norm(d), height_m)


def test_requests_without_a_height_are_on_the_ellipsoid(geolocation_run):
    _, products, _, targets = geolocation_run
    assert products
    for p in products:
        assert p["requested_alt_m"] == targets[p["request_id"]].get("alt_m", 0.0)
    assert {p["requested_alt_m"] for p in products} == {0.0, 300.0}


def test_the_true_centre_is_the_boresight_at_the_target_height_in_the_truth_files(geolocation_run):
    """Within 1 m (10 Hz truth rows interpolated at mid-capture), and the targeting error is its distance
    from the requested target."""
    _, products, out, _ = geolocation_run
    for p in products:
        centre = true_centre(out, p["true_footprint"]["t_mid_s"], p["requested_alt_m"])
        lat, lon, h = p["true_footprint"]["centre"]
        assert geodetic_ecef(math.radians(lat), math.radians(lon), h) == pytest.approx(centre, abs=1.0)
        assert h == pytest.approx(p["requested_alt_m"], abs=0.5)
        target = geodetic_ecef(
            math.radians(p["requested_lat_deg"]), math.radians(p["requested_lon_deg"]), p["requested_alt_m"]
        )
        assert p["targeting_error_m"] == pytest.approx(np.linalg.norm(centre - target), abs=1.0)


def test_geolocation_error_is_the_onboard_centre_against_the_truth_files(geolocation_run):
    """The onboard centre (the flight software's estimates) against the true centre re-derived here, to 1 m;
    the summary's CE90 is the 90th percentile of them; the budget names orbit and attitude knowledge."""
    summary, products, out, _ = geolocation_run
    errors = []
    for p in products:
        lat, lon, h = p["onboard_footprint"]["centre"]
        onboard = geodetic_ecef(math.radians(lat), math.radians(lon), h)
        error = float(np.linalg.norm(onboard - true_centre(out, p["t_start_s"] / 2 + p["t_end_s"] / 2, h)))
        assert p["geolocation_error_m"] == pytest.approx(error, abs=1.0)
        errors.append(error)
        budget = p["geolocation_budget_m"]
        print(
            f"\n{p['request_id']}: off nadir {p['off_nadir_deg']:.1f} deg, geolocation {error:.1f} m {budget}"
        )
        # with one knowledge error at a time the centre moves by no more than both together, and then some
        assert max(budget["orbit_knowledge"], budget["attitude_knowledge"]) <= 2.0 * error + 5.0
    geolocation = summary["geolocation"]
    assert geolocation["products"] == len(products)
    assert geolocation["ce90_m"] == pytest.approx(np.percentile(errors, 90.0), abs=1.0)
    assert geolocation["ce90_m"] < 200.0


def test_the_footprint_spans_the_swath(geolocation_run):
    """Start corners -Y_B and +Y_B apart by ~2 x range x tan(half swath), stretched by up to
    1 / cos(incidence) across the slant (mid-capture range: 10 % either side for the start line's), onboard
    and true alike."""
    _, products, _, _ = geolocation_run
    for p in products:
        expected = 2.0 * p["range_m"] * math.tan(HALF_SWATH_RAD)
        for name in ("true_footprint", "onboard_footprint"):
            corners = [geodetic_ecef(math.radians(a), math.radians(o), h) for a, o, h in p[name]["corners"]]
            width = np.linalg.norm(corners[1] - corners[0])
            assert 0.9 * expected <= width <= 1.1 * expected / math.cos(math.radians(p["incidence_deg"])), (
                name
            )


def test_smoothed_and_real_time_ce90_up_to_30_deg_from_the_product_and_truth_files(geolocation_run):
    """Both onboard footprints (smoothed, and the real-time filter's) against the true centre re-derived
    from the truth files; the summary's CE90 of the captures up to 30 deg off nadir are their 90th
    percentiles."""
    summary, products, out, _ = geolocation_run
    smoothed, realtime = [], []
    for p in products:
        if p["off_nadir_deg"] > 30.0:
            continue
        t_mid_s = 0.5 * (p["t_start_s"] + p["t_end_s"])
        truth = true_centre(out, t_mid_s, p["requested_alt_m"])
        for name, errors in (("onboard_footprint", smoothed), ("onboard_footprint_realtime", realtime)):
            lat, lon, h = p[name]["centre"]
            errors.append(
                float(np.linalg.norm(geodetic_ecef(math.radians(lat), math.radians(lon), h) - truth))
            )
    assert smoothed, "the run must have a capture up to 30 deg off nadir"
    geolocation = summary["geolocation"]
    assert geolocation["products_off_nadir_le_30deg"] == len(smoothed)
    assert geolocation["ce90_m_off_nadir_le_30deg"] == pytest.approx(np.percentile(smoothed, 90.0), abs=1.0)
    assert geolocation["ce90_m_realtime_off_nadir_le_30deg"] == pytest.approx(
        np.percentile(realtime, 90.0), abs=1.0
    )


def test_the_summary_table_prints_ce90_and_its_budget(geolocation_run, tmp_path):
    """`zorka run`'s table: CE90 (up to 30 deg and all), the budget's three RMS terms, targeting p95 and
    the boresight-to-target p99.7, each as the summary has it."""
    summary, _, _, _ = geolocation_run
    console = Console(record=True, width=200)
    console.print(summary_table(summary, tmp_path / "summary.json"))
    text = console.export_text()
    geolocation = summary["geolocation"]
    budget = geolocation["budget_rms_m"]
    lines = {
        line.split("│")[1].strip(): line.split("│")[2].strip() for line in text.splitlines() if "│" in line
    }
    near = geolocation["products_off_nadir_le_30deg"]
    assert (
        lines[f"geolocation CE90, {near} ≤ 30° off nadir"]
        == f"{geolocation['ce90_m_off_nadir_le_30deg']:.4g}"
    )
    assert lines[f"geolocation CE90, all {geolocation['products']}"] == f"{geolocation['ce90_m']:.4g}"
    terms = ("orbit_knowledge", "attitude_knowledge", "timing")
    assert lines["budget RMS: orbit / attitude / timing"] == " / ".join(f"{budget[t]:.4g}" for t in terms)
    assert lines["targeting error p95"] == f"{geolocation['targeting_error_m']['p95']:.4g}"
    p99_7 = summary["pointing"]["capture_error_deg"]["p99_7"]
    assert lines["true boresight to target p99.7"] == f"{p99_7:.4g}"
