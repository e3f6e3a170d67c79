"""The planner's star-tracker exclusion against the attitude the ADCS flies and the simulated tracker's
own blinding test, and the planner re-timing a capture out of it.

Reference: the guidance's target-tracking reference (native/flight/guidance.c, Earth-rotation terms
and all) from the orbit's TEME state, the tracker boresight turned by the sim's mount
(`boresight_mount`), the sun from skyfield's DE421 and the limb from WGS-84's equatorial radius, as
native/sim/sensors.c tests them; the planner computes its attitude from ECEF samples alone."""

import math
from pathlib import Path

import numpy as np
import pytest
import skyfield_data
from skyfield.api import Loader
from skyfield.sgp4lib import TEME

from flight.adcs.guidance import TargetTracking
from flight.adcs.orbit_estimate import OrbitEstimate
from flight.payload.access import EphemerisTable, visibility_windows
from flight.payload.planner import Planner
from flight.payload.requests import ImagingRequest
from flight.payload.tracker_exclusion import TrackerExclusion
from native import lib, ptr
from native.geodesy import geodetic_to_ecef_m
from sim.devices.star_tracker import boresight_mount
from zorka.scenario.plan_input import parse_plan_input

INSTANCE = Path(__file__).resolve().parents[1] / "data" / "planning" / "eeurope_n50_s3.json"
DEG = math.pi / 180.0
_load = Loader(skyfield_data.get_skyfield_data_path(), expire=False)
_timescale = _load.timescale(builtin=True)
_planets = _load("de421.bsp")


@pytest.fixture(scope="module")
def table() -> EphemerisTable:
    full = parse_plan_input(INSTANCE.read_text()).table()
    return EphemerisTable(full.jd_epoch_utc, 1.0, full.r_eci_m[:21601])


def _exclusion(sun_deg: float = 40.0, earth_deg: float = 25.0) -> TrackerExclusion:
    return TrackerExclusion.from_mount(
        tuple(boresight_mount(30.0 * DEG)), sun_deg * DEG, earth_deg * DEG, margin_rad=0.0
    )


def test_the_plan_keeps_a_margin_beyond_the_datasheet():
    mount = tuple(boresight_mount(30.0 * DEG))
    exclusion = TrackerExclusion.from_mount(mount, 40.0 * DEG, 25.0 * DEG)
    assert (exclusion.sun_rad, exclusion.earth_rad) == pytest.approx((42.0 * DEG, 27.0 * DEG))


def _target(table: EphemerisTable, k: int, cross_m: float) -> tuple[np.ndarray, float, float]:
    """(ECEF, lat, lon) of a ground point `cross_m` across the track from the sub-satellite point at k."""
    r = table.r_ecef_m[k]
    v = table.r_ecef_m[k + 1] - table.r_ecef_m[k - 1]
    across = np.cross(r, v)
    p = r / np.linalg.norm(r) * 6.371e6 + cross_m * across / np.linalg.norm(across)
    lat, lon = math.asin(p[2] / np.linalg.norm(p)), math.atan2(p[1], p[0])
    return geodetic_to_ecef_m(np.array([lat]), np.array([lon]), np.array([0.0]))[0], lat, lon


def _daylight_sample(table: EphemerisTable) -> int:
    """A sample with the sun high over the sub-satellite point (a daylight pass)."""
    r, sun = table.r_ecef_m, table.sun_ecef_m
    cos = np.einsum("ij,ij->i", r, sun) / np.linalg.norm(r, axis=1) / np.linalg.norm(sun, axis=1)
    return int(np.argmax(cos[100:-100])) + 100


def _reference_angles_deg(table: EphemerisTable, target: tuple, k: np.ndarray) -> np.ndarray:
    """(sun, limb) angles from the tracker boresight, (n, 2) deg, with the ADCS's own reference attitude."""
    _, lat, lon = target
    orbit = OrbitEstimate(table.jd_epoch_utc)
    tracking = TargetTracking(orbit, lat, lon, 0.0)
    bore_b = np.zeros(3)
    lib.zk_quat_rotate(ptr(boresight_mount(30.0 * DEG)), ptr(np.array([0.0, 0.0, 1.0])), ptr(bore_b))
    earth = _planets["earth"]
    out = []
    for i in k:
        orbit.r_eci[:] = table.r_eci_m[i]
        orbit.v_eci[:] = (table.r_eci_m[i + 1] - table.r_eci_m[i - 1]) / (2.0 * table.dt_s)
        tracking.update(float(i) * table.dt_s)
        q_ib = np.array(list(tracking.ref_c.q_ib))
        bore_i = np.zeros(3)
        lib.zk_quat_rotate(ptr(q_ib), ptr(bore_b), ptr(bore_i))
        t = _timescale.ut1_jd(table.jd_epoch_utc + i * table.dt_s / 86400.0)
        sun_teme = earth.at(t).observe(_planets["sun"]).frame_xyz(TEME).m
        sun = sun_teme - table.r_eci_m[i]
        r_m = np.linalg.norm(table.r_eci_m[i])
        sun_deg = math.degrees(math.acos(np.clip(bore_i @ sun / np.linalg.norm(sun), -1.0, 1.0)))
        nadir_deg = math.degrees(math.acos(np.clip(-bore_i @ table.r_eci_m[i] / r_m, -1.0, 1.0)))
        out.append((sun_deg, nadir_deg - math.degrees(math.asin(6378137.0 / r_m))))
    return np.array(out)


@pytest.mark.parametrize("cross_km", [-250.0, 0.0, 250.0])
def test_angles_agree_with_the_guidance_attitude_and_de421(table, cross_km):
    """Within 0.05 deg (the sun's direction through the orbit and DE421 agree to ~0.01 deg)."""
    k0 = _daylight_sample(table)
    target = _target(table, k0, cross_km * 1e3)
    k = np.arange(k0 - 60, k0 + 61, 10)
    sun, limb = _exclusion().angles_rad(table, target[0], k)
    reference = _reference_angles_deg(table, target, k)
    assert np.degrees(sun) == pytest.approx(reference[:, 0], abs=0.05)
    assert np.degrees(limb) == pytest.approx(reference[:, 1], abs=0.05)


def test_clear_starts_are_those_whose_capture_and_settle_see(table):
    """Brute force over every candidate: no blinded sample from clear_before_s before it to its end."""
    k0 = _daylight_sample(table)
    target = _target(table, k0, 250e3)[0]
    samples = np.arange(k0 - 150, k0 + 150)
    k = np.arange(k0 - 200, k0 + 200)
    sun, _ = _exclusion().angles_rad(table, target, k)
    threshold_deg = float(np.degrees(np.median(sun)))  # a threshold that blinds part of the pass
    exclusion = _exclusion(sun_deg=threshold_deg, earth_deg=0.0)
    steps = 8
    blinded = dict(zip(k.tolist(), (sun < threshold_deg * DEG).tolist(), strict=True))
    expected = [s for s in samples if not any(blinded[j] for j in range(s - 30, s + steps + 1))]
    clear = exclusion.clear_starts(table, target, samples, steps)
    assert clear.tolist() == expected
    assert 0 < len(expected) < len(samples)


def test_the_planner_re_times_a_capture_out_of_the_exclusion(table):
    """A request open from the pass's closest approach, with the sun closest to the tracker there: planned
    without the exclusion at its earliest, blinded start; with it later in the same window, clear."""
    k0 = _daylight_sample(table)
    target, lat, lon = _target(table, k0, 250e3)
    k = np.arange(k0 - 300, k0 + 300)
    sun, _ = _exclusion().angles_rad(table, target, k)
    k_min = int(k[np.argmin(sun)])
    exclusion = _exclusion(sun_deg=float(np.degrees(sun[k_min - k[0] + 20])), earth_deg=0.0)
    request = ImagingRequest(
        id="T", lat_rad=lat, lon_rad=lon, priority=1.0, duration_s=8.0, max_off_nadir_rad=50.0 * DEG,
        min_sun_elevation_rad=-90.0 * DEG, window_start_s=k_min * table.dt_s,
    )  # fmt: skip
    (first, last), *_ = visibility_windows(table, [request])[0]
    assert first == k_min

    def plan(with_exclusion: bool):
        planner = Planner(table, lambda a: 10.0, exclusion=exclusion if with_exclusion else None)
        return planner.plan([request])

    (naive,) = plan(False)
    assert naive.start_s == first * table.dt_s
    (timed,) = plan(True)
    start = round(timed.start_s / table.dt_s)
    assert first + 20 < start <= last - 8
    s, _ = exclusion.angles_rad(table, target, np.arange(start - 30, start + 9))
    assert (s >= exclusion.sun_rad).all()
