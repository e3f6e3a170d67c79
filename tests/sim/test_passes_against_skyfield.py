"""Passes and look angles of sim/ground_station.py against skyfield (EarthSatellite.find_events, altaz).

Frames: skyfield rotates TEME to the Earth with GMST-82 of UT1 (polar motion off by default, as here);
Zorka takes UT1 = UTC. Skyfield's tables give UT1 - UTC = +0.035 s on 2025-06-21, which turns the station
by omega_E |UT1 - UTC| (<= 16 m at the equator): ~0.001 deg of elevation, ~10 m of range and a few ms
of AOS/LOS. That is the whole difference left; the tolerances below are the issue's (2 s, 0.05 deg,
0.01 deg) and, for the range, that rotation plus 1 m. skyfield's own events are found to ~0.5 s.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
import skyfield_data
from sgp4.api import Satrec
from skyfield.api import EarthSatellite, Loader, wgs84

from native import ffi, lib, ptr
from native.time_scales import julian_date, parse_utc
from sim.ephemeris import Sgp4Ephemeris
from sim.ground_station import GroundStation

PLANNING = (Path(__file__).parents[1] / "data" / "sso_500km.tle").read_text().splitlines()
RUN_EPOCH = "2025-06-21T00:00:00Z"
DAY_S = 86400.0
OMEGA_EARTH_RAD_S = 7.292115e-5
R_EQ_M = 6378137.0
STATIONS = {  # name: lat deg, lon deg, alt m, min elevation deg
    "svalbard": (78.23, 15.39, 500.0, 5.0),
    "minsk": (53.9, 27.56, 220.0, 10.0),
    "kourou": (5.25, -52.8, 15.0, 5.0),
}

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # skyfield-data's finals2000A.all "has expired": harmless at this level
    TS = Loader(skyfield_data.get_skyfield_data_path(), expire=False).timescale()


@pytest.fixture(scope="module")
def world():
    satrec = Satrec.twoline2rv(*PLANNING)
    jd_epoch_utc = julian_date(parse_utc(RUN_EPOCH))
    return Sgp4Ephemeris(satrec, jd_epoch_utc), EarthSatellite(*PLANNING, ts=TS), jd_epoch_utc


def skyfield_times(t_s):
    return TS.utc(2025, 6, 21, 0, 0, t_s)


def skyfield_events_s(satellite, topos, min_elevation_deg, t_end_s=DAY_S):
    times, events = satellite.find_events(
        topos, skyfield_times(0.0), skyfield_times(t_end_s), min_elevation_deg
    )
    seconds = (times.tt - skyfield_times(0.0).tt) * DAY_S
    return {kind: seconds[events == code] for code, kind in enumerate(("rise", "culminate", "set"))}


def skyfield_max_elevation_deg(satellite, topos, around_s):
    """The highest skyfield altitude within 3 s of `around_s`, sampled every 5 ms."""
    t_s = around_s + np.arange(-3.0, 3.0, 0.005)
    altitude_deg = (satellite - topos).at(skyfield_times(t_s)).altaz()[0].degrees
    return altitude_deg.max(), t_s[np.argmax(altitude_deg)]


@pytest.mark.parametrize("name", STATIONS)
def test_passes_over_a_day_match_skyfield(world, name):
    """Every rise and set within 2 s of skyfield's, the same number of each; each pass's highest
    elevation within 0.05 deg of skyfield's (sampled finely around skyfield's culmination)."""
    ephemeris, satellite, jd_epoch_utc = world
    lat_deg, lon_deg, alt_m, min_el_deg = STATIONS[name]
    topos = wgs84.latlon(lat_deg, lon_deg, alt_m)
    passes = GroundStation(name, lat_deg, lon_deg, alt_m, min_el_deg).passes(
        ephemeris.fill, jd_epoch_utc, 0.0, DAY_S
    )
    sky = skyfield_events_s(satellite, topos, min_el_deg)

    rises = np.array([p.aos_s for p in passes if not p.aos_cut])
    sets = np.array([p.los_s for p in passes if not p.los_cut])
    assert len(rises) == len(sky["rise"]) and len(sets) == len(sky["set"])
    aos_error_s, los_error_s = np.abs(rises - sky["rise"]).max(), np.abs(sets - sky["set"]).max()

    worst_el_deg = worst_t_s = 0.0
    for p in passes:
        culminations = sky["culminate"][(sky["culminate"] >= p.aos_s) & (sky["culminate"] <= p.los_s)]
        if p.aos_cut or p.los_cut or not culminations.size:
            continue
        best_deg, best_s = max(skyfield_max_elevation_deg(satellite, topos, t) for t in culminations)
        worst_el_deg = max(worst_el_deg, abs(np.degrees(p.max_elevation_rad) - best_deg))
        worst_t_s = max(worst_t_s, abs(p.max_elevation_s - best_s))
    print(
        f"\n{name}: {len(passes)} passes, AOS within {aos_error_s:.3f} s, LOS within {los_error_s:.3f} s, "
        f"max elevation within {worst_el_deg:.5f} deg and {worst_t_s:.3f} s of skyfield"
    )
    assert aos_error_s < 2.0 and los_error_s < 2.0
    assert worst_el_deg < 0.05


def test_pass_shorter_than_the_scan_step_is_found(world):
    """Minimum elevation 0.02 deg under a pass's top, scan step 60 s: a pass of a few seconds, found,
    with its rise and set within 2 s of skyfield's at that altitude."""
    ephemeris, satellite, jd_epoch_utc = world
    lat_deg, lon_deg, alt_m, _ = STATIONS["minsk"]
    probe = GroundStation("minsk", lat_deg, lon_deg, alt_m, 10.0).passes(
        ephemeris.fill, jd_epoch_utc, 0.0, DAY_S
    )
    top = max(probe, key=lambda p: p.max_elevation_rad)
    grazing_deg = np.degrees(top.max_elevation_rad) - 0.02
    station = GroundStation("minsk", lat_deg, lon_deg, alt_m, grazing_deg)
    passes = station.passes(ephemeris.fill, jd_epoch_utc, 0.0, DAY_S, step_s=60.0)
    sky = skyfield_events_s(satellite, wgs84.latlon(lat_deg, lon_deg, alt_m), grazing_deg)
    assert len(passes) == len(sky["rise"]) == len(sky["set"]) == 1
    assert passes[0].duration_s < 60.0
    assert abs(passes[0].aos_s - sky["rise"][0]) < 2.0 and abs(passes[0].los_s - sky["set"][0]) < 2.0


@pytest.mark.parametrize("name", STATIONS)
def test_look_angles_match_skyfield_altaz(world, name):
    """At 300 random times over the day (above and below the horizon): elevation and azimuth (as an
    angle on the sky, az x cos el) within 0.01 deg; range within omega_E R |UT1 - UTC| + 1 m."""
    ephemeris, satellite, jd_epoch_utc = world
    lat_deg, lon_deg, alt_m, min_el_deg = STATIONS[name]
    station = GroundStation(name, lat_deg, lon_deg, alt_m, min_el_deg)
    t_s = np.sort(np.random.default_rng(len(name)).uniform(0.0, DAY_S, 300))
    r_eci, v_eci = np.empty((1, 3)), np.empty((1, 3))
    r_ecef = np.empty((len(t_s), 3))
    for k, t in enumerate(t_s):
        ephemeris.fill(t, 0.0, r_eci, v_eci)
        lib.zk_eci_to_ecef(
            lib.zk_gmst(jd_epoch_utc + t / DAY_S), ptr(r_eci[0]), ffi.NULL, ptr(r_ecef[k]), ffi.NULL
        )
    az_rad, el_rad, range_m = station.look_angles(r_ecef)
    times = skyfield_times(t_s)
    alt, az, distance = (satellite - wgs84.latlon(lat_deg, lon_deg, alt_m)).at(times).altaz()
    el_error_deg = np.abs(np.degrees(el_rad) - alt.degrees).max()
    az_error_deg = np.abs(((np.degrees(az_rad) - az.degrees + 180.0) % 360.0 - 180.0) * np.cos(el_rad)).max()
    range_error_m = np.abs(range_m - distance.m).max()
    range_tolerance_m = OMEGA_EARTH_RAD_S * R_EQ_M * np.abs(times.dut1).max() + 1.0
    print(
        f"\n{name}: look angles within {el_error_deg:.5f} deg (elevation), {az_error_deg:.5f} deg "
        f"(azimuth on the sky), {range_error_m:.2f} m (range; bound {range_tolerance_m:.1f} m)"
    )
    assert el_error_deg < 0.01 and az_error_deg < 0.01
    assert range_error_m < range_tolerance_m
