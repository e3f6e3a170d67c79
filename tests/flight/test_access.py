"""Access windows from native/flight/access.c against a brute-force test of every sample, and the table's
frames against independent references (an own IAU-82 GMST, skyfield's DE421 sun in TEME)."""

import math
from pathlib import Path

import numpy as np
import pytest
import skyfield_data
from skyfield.api import Loader
from skyfield.sgp4lib import TEME

from flight.payload.access import EphemerisTable, up_vectors, visibility_windows
from flight.payload.requests import ImagingRequest
from native.geodesy import geodetic_to_ecef_m
from zorka.scenario.plan_input import parse_plan_input

INSTANCE = Path(__file__).resolve().parents[1] / "data" / "planning" / "eeurope_n50_s3.json"


@pytest.fixture(scope="module")
def table() -> EphemerisTable:
    """Six hours of the instance's orbit: four passes by day, four by night."""
    full = parse_plan_input(INSTANCE.read_text()).table()
    return EphemerisTable(full.jd_epoch_utc, 1.0, full.r_eci_m[:21601])


def _requests(count: int, max_off_nadir_deg: float, min_sun_deg: float, seed: int) -> list[ImagingRequest]:
    rng = np.random.default_rng(seed)
    lat = np.concatenate(([89.9, -89.9, 0.0], rng.uniform(-90.0, 90.0, count - 3)))
    return [
        ImagingRequest(
            id=f"R{i}", lat_rad=math.radians(lat[i]), lon_rad=math.radians(rng.uniform(-180.0, 180.0)),
            alt_m=float(rng.uniform(-400.0, 8000.0)), priority=1.0, duration_s=5.0,
            max_off_nadir_rad=math.radians(max_off_nadir_deg),
            min_sun_elevation_rad=math.radians(min_sun_deg),
        )
        for i in range(count)
    ]  # fmt: skip


def _brute_force(table: EphemerisTable, request: ImagingRequest) -> list[tuple[int, int]]:
    """Every sample tested with numpy, runs of feasible samples."""
    lat, lon = np.array([request.lat_rad]), np.array([request.lon_rad])
    p = geodetic_to_ecef_m(lat, lon, np.array([request.alt_m]))[0]
    up = up_vectors(lat, lon)[0]
    los = p - table.r_ecef_m
    r = table.r_ecef_m
    off_nadir_ok = -np.sum(los * r, axis=1) >= math.cos(request.max_off_nadir_rad) * np.linalg.norm(
        los, axis=1
    ) * np.linalg.norm(r, axis=1)
    sun = table.sun_ecef_m - p
    sun_ok = sun @ up >= math.sin(request.min_sun_elevation_rad) * np.linalg.norm(sun, axis=1)
    ok = off_nadir_ok & (los @ up < 0.0) & sun_ok
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(int), [0]))))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@pytest.mark.parametrize(("max_off_nadir_deg", "min_sun_deg"), [(40.0, 12.0), (70.0, -90.0), (5.0, 0.0)])
def test_windows_are_exactly_the_runs_of_feasible_samples(table, max_off_nadir_deg, min_sun_deg):
    """The coarse screen never drops a feasible sample: the same windows as testing every sample."""
    requests = _requests(300, max_off_nadir_deg, min_sun_deg, seed=int(max_off_nadir_deg))
    windows = visibility_windows(table, requests)
    assert sum(map(len, windows)) > 5
    for request, found in zip(requests, windows, strict=True):
        assert found == _brute_force(table, request), request


def test_request_time_windows_clip_the_visibility(table):
    requests = _requests(100, 40.0, -90.0, seed=3)
    request, full = next(
        (r, w) for r, w in zip(requests, visibility_windows(table, requests), strict=True) if w
    )
    first, last = full[0]
    middle = 0.5 * (first + last)
    clipped = ImagingRequest(**{**vars(request), "window_start_s": middle, "window_end_s": middle + 1e6})
    assert visibility_windows(table, [clipped])[0][0] == (math.ceil(middle), last)
    before = ImagingRequest(**{**vars(request), "window_end_s": first - 1.0})
    assert visibility_windows(table, [before])[0] == []


def test_gmst_is_iau82(table):
    jd = table.jd_epoch_utc + np.arange(0, len(table), 977) / 86400.0
    t = (jd - 2451545.0) / 36525.0
    seconds = 67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t + 0.093104 * t**2 - 6.2e-6 * t**3
    expected = np.mod(seconds, 86400.0) * (2.0 * math.pi / 86400.0)
    difference = np.angle(np.exp(1j * (table.gmst_rad[::977] - expected)))
    assert np.abs(difference).max() < 1e-8  # rad: 0.06 m on the ground


def test_sun_agrees_with_de421_in_teme(table):
    load = Loader(skyfield_data.get_skyfield_data_path(), expire=False)
    planets = load("de421.bsp")
    timescale = load.timescale(builtin=True)
    k = np.arange(0, len(table), 1801)
    times = timescale.ut1_jd(table.jd_epoch_utc + k / 86400.0)  # UT1 taken equal to UTC, as the table does
    expected = planets["earth"].at(times).observe(planets["sun"]).apparent().frame_xyz(TEME).m.T
    g = table.gmst_rad[k]
    s_ecef = table.sun_ecef_m[k]
    c, s = np.cos(g), np.sin(g)
    sun_teme = np.column_stack(
        (c * s_ecef[:, 0] - s * s_ecef[:, 1], s * s_ecef[:, 0] + c * s_ecef[:, 1], s_ecef[:, 2])
    )
    cosine = (
        np.sum(sun_teme * expected, axis=1)
        / np.linalg.norm(sun_teme, axis=1)
        / np.linalg.norm(expected, axis=1)
    )
    assert np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))).max() < 0.005


def test_lines_of_sight_interpolate_between_samples(table):
    p = geodetic_to_ecef_m(np.array([0.9]), np.array([0.5]), np.array([0.0]))[0]
    k = np.arange(100, 110)
    g = table.gmst_rad[k]
    p_eci = np.column_stack(
        (np.cos(g) * p[0] - np.sin(g) * p[1], np.sin(g) * p[0] + np.cos(g) * p[1], np.full(10, p[2]))
    )
    direct = p_eci - table.r_eci_m[k]
    direct /= np.linalg.norm(direct, axis=1)[:, None]
    assert np.allclose(table.los_eci(p, k), direct, atol=1e-12)
    halfway = table.los_eci(p, k[:-1] + 0.5)
    middle = direct[:-1] + direct[1:]
    middle /= np.linalg.norm(middle, axis=1)[:, None]
    assert np.degrees(np.arccos(np.clip(np.sum(halfway * middle, axis=1), -1, 1))).max() < 1e-4
