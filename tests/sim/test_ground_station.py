"""sim/ground_station.py: look angles against an east-north-up frame built here from finite differences of
zk_geodetic_to_ecef, rises and sets to the millisecond, passes cut by the window, bad input, and speed."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import Satrec

from native import lib, ptr
from native.time_scales import julian_date, parse_utc
from sim.ephemeris import Sgp4Ephemeris
from sim.ground_station import GroundStation

PLANNING = (Path(__file__).parents[1] / "data" / "sso_500km.tle").read_text().splitlines()
DAY_S = 86400.0
JD_EPOCH_UTC = julian_date(parse_utc("2025-06-21T00:00:00Z"))


def geodetic_to_ecef_m(lat_rad, lon_rad, alt_m):
    r = np.empty(3)
    lib.zk_geodetic_to_ecef(lat_rad, lon_rad, alt_m, ptr(r))
    return r


def enu_by_finite_differences(lat_rad, lon_rad, alt_m):
    """Unit east, north and up at a point: the directions in which longitude, latitude and height grow."""
    step = 1e-7
    east = geodetic_to_ecef_m(lat_rad, lon_rad + step, alt_m) - geodetic_to_ecef_m(
        lat_rad, lon_rad - step, alt_m
    )
    north = geodetic_to_ecef_m(lat_rad + step, lon_rad, alt_m) - geodetic_to_ecef_m(
        lat_rad - step, lon_rad, alt_m
    )
    up = geodetic_to_ecef_m(lat_rad, lon_rad, alt_m + 1.0) - geodetic_to_ecef_m(lat_rad, lon_rad, alt_m - 1.0)
    return [v / np.linalg.norm(v) for v in (east, north, up)]


@pytest.fixture(scope="module")
def ephemeris():
    return Sgp4Ephemeris(Satrec.twoline2rv(*PLANNING), JD_EPOCH_UTC)


@pytest.mark.parametrize(
    ("lat_deg", "lon_deg", "alt_m"), [(53.9, 27.56, 220.0), (-33.0, 151.2, 40.0), (0.0, -170.0, 0.0)]
)
def test_look_angles_of_points_placed_in_the_local_frame(lat_deg, lon_deg, alt_m):
    """Points at known azimuth, elevation and range from the station, placed with an ENU frame built
    independently: recovered within 1e-9 rad and 1 mm, the zenith and the four compass points included."""
    station = GroundStation("here", lat_deg, lon_deg, alt_m, 0.0)
    east, north, up = enu_by_finite_differences(np.radians(lat_deg), np.radians(lon_deg), alt_m)
    cases = [(0.0, 90.0), (0.0, 10.0), (90.0, 10.0), (180.0, 0.0), (270.0, -5.0), (123.4, 45.6), (359.0, 1.0)]
    for az_deg, el_deg in cases:
        az, el, range_m = np.radians(az_deg), np.radians(el_deg), 1234.5e3
        direction = np.cos(el) * (np.sin(az) * east + np.cos(az) * north) + np.sin(el) * up
        got_az, got_el, got_range = station.look_angles(station.r_ecef + range_m * direction)
        assert got_el == pytest.approx(el, abs=1e-9)
        assert got_range == pytest.approx(range_m, abs=1e-3)
        if el_deg < 90.0:
            assert (got_az - az + np.pi) % (2 * np.pi) - np.pi == pytest.approx(0.0, abs=1e-9)


def test_look_angles_vectorised_equals_one_by_one():
    station = GroundStation("minsk", 53.9, 27.56, 220.0, 10.0)
    points = np.random.default_rng(3).normal(size=(50, 3)) * 7e6
    together = station.look_angles(points)
    for k, point in enumerate(points):
        assert [float(x) for x in station.look_angles(point)] == pytest.approx(
            [x[k] for x in together], rel=1e-15
        )


def test_rises_and_sets_are_refined_to_the_millisecond(ephemeris):
    """2 ms before each rise the satellite is below the minimum elevation, 2 ms after above; the
    reverse at each set. UTC fields are the run epoch plus the seconds."""
    station = GroundStation("svalbard", 78.23, 15.39, 500.0, 5.0)
    passes = station.passes(ephemeris.fill, JD_EPOCH_UTC, 0.0, DAY_S)
    r_eci, v_eci = np.empty((1, 3)), np.empty((1, 3))

    def elevation_rad(t_s):
        ephemeris.fill(t_s, 0.0, r_eci, v_eci)
        r_ecef = np.empty(3)
        lib.zk_eci_to_ecef(
            lib.zk_gmst(JD_EPOCH_UTC + t_s / DAY_S),
            ptr(r_eci[0]),
            ptr(v_eci[0]),
            ptr(r_ecef),
            ptr(np.empty(3)),
        )
        return station.look_angles(r_ecef)[1]

    epoch = datetime(2025, 6, 21, tzinfo=UTC)
    for p in passes:
        if not p.aos_cut:
            assert elevation_rad(p.aos_s - 2e-3) < station.min_elevation_rad < elevation_rad(p.aos_s + 2e-3)
        if not p.los_cut:
            assert elevation_rad(p.los_s - 2e-3) > station.min_elevation_rad > elevation_rad(p.los_s + 2e-3)
        assert p.aos_s < p.max_elevation_s < p.los_s or p.aos_cut or p.los_cut
        assert elevation_rad(p.max_elevation_s) == pytest.approx(p.max_elevation_rad, abs=1e-12)
        assert p.max_elevation_rad >= max(
            elevation_rad(p.max_elevation_s + d) for d in (-1.0, -0.01, 0.01, 1.0)
        )
        for when_s, when_utc in [
            (p.aos_s, p.aos_utc),
            (p.los_s, p.los_utc),
            (p.max_elevation_s, p.max_elevation_utc),
        ]:
            assert abs((when_utc - (epoch + timedelta(seconds=when_s))).total_seconds()) < 2e-6


def test_window_edges_cut_passes(ephemeris):
    """A window that opens and closes in the middle of passes reports them cut at its edges; the uncut
    ends agree with the full day's to 1 ms."""
    station = GroundStation("svalbard", 78.23, 15.39, 500.0, 5.0)
    day = station.passes(ephemeris.fill, JD_EPOCH_UTC, 0.0, DAY_S)
    first, last = day[3], day[6]
    t_start_s, t_end_s = first.aos_s + 60.0, last.los_s - 60.0
    window = station.passes(ephemeris.fill, JD_EPOCH_UTC, t_start_s, t_end_s)
    assert len(window) == 4
    assert window[0].aos_cut and window[0].aos_s == t_start_s and not window[0].los_cut
    assert window[-1].los_cut and window[-1].los_s == t_end_s and not window[-1].aos_cut
    assert window[0].los_s == pytest.approx(first.los_s, abs=1e-3)
    assert window[-1].aos_s == pytest.approx(last.aos_s, abs=1e-3)
    assert not any(p.aos_cut or p.los_cut for p in window[1:-1])
    assert [p.aos_s for p in window[1:-1]] == pytest.approx([p.aos_s for p in day[4:6]], abs=1e-3)


def test_window_inside_one_pass(ephemeris):
    station = GroundStation("svalbard", 78.23, 15.39, 500.0, 5.0)
    p = station.passes(ephemeris.fill, JD_EPOCH_UTC, 0.0, DAY_S)[2]
    (inner,) = station.passes(ephemeris.fill, JD_EPOCH_UTC, p.aos_s + 1.0, p.los_s - 1.0)
    assert inner.aos_cut and inner.los_cut and inner.duration_s == pytest.approx(p.duration_s - 2.0)
    assert station.passes(ephemeris.fill, JD_EPOCH_UTC, 100.0, 100.0) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("x", 91.0, 0.0, 0.0, 5.0), "latitude 91.0 deg"),
        (("x", 0.0, 400.0, 0.0, 5.0), "longitude 400.0 deg"),
        (("x", 0.0, 0.0, 2e4, 5.0), "altitude 20000.0 m"),
        (("x", 0.0, 0.0, 0.0, 90.0), "minimum elevation 90.0 deg"),
        (("x", float("nan"), 0.0, 0.0, 5.0), "latitude nan deg"),
    ],
)
def test_bad_station_is_refused(args, words):
    with pytest.raises(ValueError, match=words):
        GroundStation(*args)


def test_bad_window_is_refused(ephemeris):
    station = GroundStation("minsk", 53.9, 27.56, 220.0, 10.0)
    with pytest.raises(ValueError, match="ends before it starts"):
        station.passes(ephemeris.fill, JD_EPOCH_UTC, 10.0, 0.0)
    with pytest.raises(ValueError, match="step"):
        station.passes(ephemeris.fill, JD_EPOCH_UTC, 0.0, 10.0, step_s=0.0)


def test_a_days_passes_for_one_station_take_well_under_a_second(ephemeris):
    station = GroundStation("svalbard", 78.23, 15.39, 500.0, 5.0)
    start = time.perf_counter()
    passes = station.passes(ephemeris.fill, JD_EPOCH_UTC, 0.0, DAY_S)
    elapsed_s = time.perf_counter() - start
    print(f"\none day of passes over svalbard ({len(passes)}): {elapsed_s * 1e3:.1f} ms")
    assert elapsed_s < 0.3
