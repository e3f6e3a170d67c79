"""The report's geometry and figures against independent references: eclipses against skyfield's DE421
sun with a conical shadow computed here, visibility circles and small circles against closed forms,
the quicklooks' north arrow and scale bar, the coastlines shipped offline, the summary's units."""

import json
import math
import warnings

import numpy as np
import pytest
import skyfield_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyfield.api import Loader
from skyfield.sgp4lib import TEME

from native.time_scales import julian_date, parse_utc
from zorka.outputs import report_geometry
from zorka.outputs.report_geometry import eclipses, small_circle_deg, visibility_radius_rad
from zorka.outputs.report_map import coastlines
from zorka.outputs.report_quicklooks import (
    NUMBERS,
    nice_length_m,
    north_direction,
    product_metadata,
    quicklooks,
)
from zorka.outputs.report_summary_table import formatted, label_of, summary_table, unit_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # skyfield-data's finals2000A.all "has expired": harmless here
    LOAD = Loader(skyfield_data.get_skyfield_data_path(), expire=False)
    TS = LOAD.timescale()
    PLANETS = LOAD("de421.bsp")

EPOCH = "2026-03-20T00:00:00Z"
MU_M3_S2 = 3.986004418e14
R_EARTH_M = 6378137.0
R_SUN_M = 696.0e6


def circular_orbit_rows(duration_s: float, altitude_m: float, inclination_deg: float, raan_deg: float):
    """Truth rows (t_s, r_eci TEME m) of a circular orbit, 1 s apart (closed form)."""
    a = R_EARTH_M + altitude_m
    n = math.sqrt(MU_M3_S2 / a**3)
    t = np.arange(0.0, duration_s + 0.5, 1.0)
    u = n * t
    i, raan = math.radians(inclination_deg), math.radians(raan_deg)
    x_orb, y_orb = a * np.cos(u), a * np.sin(u)
    r = np.column_stack((
        x_orb * math.cos(raan) - y_orb * math.cos(i) * math.sin(raan),
        x_orb * math.sin(raan) + y_orb * math.cos(i) * math.cos(raan),
        y_orb * math.sin(i),
    ))  # fmt: skip
    rows = np.zeros((len(t), 14))
    rows[:, 0], rows[:, 1:4] = t, r
    return rows


def skyfield_sun_teme_m(t_s: np.ndarray, start: tuple) -> np.ndarray:
    """skyfield's astrometric DE421 sun (GCRS) rotated into TEME at `t_s` seconds after `start` (y, m, d,
    h, min), computed each minute and interpolated linearly (the sun moves 0.04° a minute: the chord is
    off the arc by ~1e-7 rad)."""
    grid_s = np.arange(0.0, t_s[-1] + 60.0, 60.0)
    t = TS.utc(*start, grid_s)
    sun_gcrs = PLANETS["earth"].at(t).observe(PLANETS["sun"]).position.m
    sun_teme = np.einsum("ijn,jn->ni", TEME.rotation_at(t), sun_gcrs)  # rotation_at: GCRS -> TEME
    return np.column_stack([np.interp(t_s, grid_s, sun_teme[:, k]) for k in range(3)])


def skyfield_shadow(rows: np.ndarray, start: tuple = (2026, 3, 20, 0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """Per row: any part of the sun's disk hidden (penumbra or umbra), and all of it (umbra), from
    skyfield's sun and the apparent disks of a spherical Earth and of the sun."""
    r = rows[:, 1:4]
    to_sun = skyfield_sun_teme_m(rows[:, 0], start) - r
    earth_radius = np.arcsin(R_EARTH_M / np.linalg.norm(r, axis=1))
    sun_radius = np.arcsin(R_SUN_M / np.linalg.norm(to_sun, axis=1))
    cosine = np.einsum("ij,ij->i", -r, to_sun) / (np.linalg.norm(r, axis=1) * np.linalg.norm(to_sun, axis=1))
    separation = np.arccos(np.clip(cosine, -1.0, 1.0))
    return separation < earth_radius + sun_radius, separation <= earth_radius - sun_radius


def intervals(flags: np.ndarray, t: np.ndarray) -> list[tuple[float, float]]:
    edges = np.flatnonzero(np.diff(flags.astype(int))) + 1
    starts = ([0] if flags[0] else []) + [e for e in edges if flags[e]]
    ends = [e - 1 for e in edges if not flags[e]] + ([len(flags) - 1] if flags[-1] else [])
    return [(t[s], t[e]) for s, e in zip(starts, ends, strict=True)]


@pytest.mark.parametrize("raan_deg", [0.0, 50.0])
def test_eclipses_match_skyfield_over_two_orbits(raan_deg):
    """Every shadow entry and exit within 1 s (one row) of skyfield's; umbra lengths within 2 s."""
    rows = circular_orbit_rows(6000.0, 500e3, 97.4, raan_deg)
    jd = julian_date(parse_utc(EPOCH))
    found = eclipses(rows, jd)
    shadow, umbra = skyfield_shadow(rows)
    expected = intervals(shadow, rows[:, 0])
    assert len(found) == len(expected) >= 1
    for e, (start_s, end_s) in zip(found, expected, strict=True):
        assert abs(e.start_s - start_s) <= 1.0 and abs(e.end_s - end_s) <= 1.0
        inside = (rows[:, 0] >= start_s) & (rows[:, 0] <= end_s)
        umbra_s = np.ptp(rows[inside & umbra, 0]) if (inside & umbra).sum() > 1 else 0.0
        assert abs(e.umbra_s - umbra_s) <= 2.0
        assert 1500.0 < e.end_s - e.start_s < 2400.0  # a 500 km orbit's eclipse at an equinox: ~35 min


def test_eclipses_are_those_of_the_c_model_on_every_row():
    """The numpy classing with the C model at the edges gives exactly the eclipses (entry, exit, umbra)
    that the C model evaluated on every row of two orbits gives."""
    rows = circular_orbit_rows(11400.0, 500e3, 97.4, 0.0)
    jd = julian_date(parse_utc(EPOCH))
    fractions = np.array([report_geometry.sun_visible_fraction(r[0], r[1:4], jd) for r in rows])
    expected = intervals(fractions < 1.0, rows[:, 0])
    found = eclipses(rows, jd)
    assert [(e.start_s, e.end_s) for e in found] == expected and len(found) == 2
    for e, (start_s, end_s) in zip(found, expected, strict=True):
        dark = rows[(rows[:, 0] >= start_s) & (rows[:, 0] <= end_s) & (fractions <= 0.0), 0]
        assert e.umbra_s == (np.ptp(dark) if len(dark) > 1 else 0.0)


def test_visibility_radius_matches_the_slant_geometry():
    """At the circle's edge the elevation is the minimum: the law of sines in the Earth-station-
    satellite triangle gives the elevation back."""
    h, e = 500e3, 5.0
    lam = visibility_radius_rad(h, e)
    r_sat, r_st = R_EARTH_M + h, R_EARTH_M
    station = np.array([r_st, 0.0, 0.0])
    sat = r_sat * np.array([math.cos(lam), math.sin(lam), 0.0])
    los = sat - station
    elevation = math.degrees(math.asin(los @ station / (np.linalg.norm(los) * r_st)))
    assert elevation == pytest.approx(e, abs=1e-9)
    assert math.degrees(lam) == pytest.approx(17.8, abs=0.3)  # textbook: ~2,000 km for 500 km and 5°


def test_small_circle_points_lie_at_the_radius():
    lat, lon = small_circle_deg(40.65, 16.7, 0.3)
    p0 = np.radians([40.65, 16.7])
    phi, lam = np.radians(lat), np.radians(lon)
    central = np.arccos(np.sin(p0[0]) * np.sin(phi) + np.cos(p0[0]) * np.cos(phi) * np.cos(lam - p0[1]))
    assert np.allclose(central, 0.3, atol=1e-9)
    assert np.all((lon >= -180.0) & (lon < 180.0))


def test_north_arrow_from_the_detector_line():
    """A detector line running west (a southbound, descending pass, +Y_B to the west) puts north at the
    image's top; running east (northbound), at its bottom; running north, at the image's right."""
    west = [(50.0, 20.0, 0.0), (50.0, 19.8, 0.0), (49.9, 19.8, 0.0), (49.9, 20.0, 0.0)]
    east = [(50.0, 19.8, 0.0), (50.0, 20.0, 0.0), (50.1, 20.0, 0.0), (50.1, 19.8, 0.0)]
    north = [(50.0, 20.0, 0.0), (50.1, 20.0, 0.0), (50.1, 20.0, 0.0), (50.0, 20.0, 0.0)]
    assert north_direction(west) == pytest.approx((0.0, -1.0), abs=1e-9)
    assert north_direction(east) == pytest.approx((0.0, 1.0), abs=1e-9)
    assert north_direction(north) == pytest.approx((1.0, 0.0), abs=1e-9)
    assert north_direction([(50.0, 20.0, 0.0)] * 4) is None


def test_scale_bar_lengths_are_round():
    assert [nice_length_m(x) for x in (5650.0, 999.0, 12000.0, 2.5)] == [5000.0, 500.0, 10000.0, 2.0]


def test_coastlines_ship_with_the_package():
    """GSHHS crude polygons read offline: land covers ~29% of the Earth (areas from the index)."""
    polygons = coastlines("c")
    assert len(polygons) > 500
    # Eurasia comes in two pieces either side of the date line, each with the whole area: count it once
    land_km2 = sum({area for level, area, _ in polygons if level == 1 and math.isfinite(area)})
    assert 1.2e8 < land_km2 < 1.6e8  # 149e6 km² of land on Earth, less Antarctica (level 5) and lakes
    eurasia = max((p for level, _, p in polygons if level == 1), key=len)
    assert np.all(np.abs(eurasia[:, 0]) <= 180.0) and np.all(np.abs(eurasia[:, 1]) <= 90.0)


def test_summary_units_and_rounding():
    assert unit_of(("attitude", "error_deg", "p99")) == "°"
    assert unit_of(("attitude", "rate_error_deg_s", "max")) == "°/s"
    assert unit_of(("pointing", "nadir_error_deg", "rows")) == ""
    assert unit_of(("wheels", "peak_momentum_fraction")) == "%"
    assert unit_of(("telemetry", "bytes")) == "B"
    assert unit_of(("geolocation", "budget_rms_m", "total")) == "m"
    assert formatted(0.596112826, "%") == "59.61"
    assert formatted(0.021292586003811183, "°") == "0.02129"
    assert formatted(638454, "B") == "638,454"
    assert formatted(36012.345, "s") == "36,012"
    assert formatted(None, "s") == "–"
    assert (
        label_of(("pointing", "capture_error_deg", "p99_7"), own=False) == "pointing · capture error · p99.7"
    )
    page = summary_table({"seed": 1, "attitude": {"settle_s": 946.7}, "mystery": {"x_m": 2.0}}, {})
    assert 'id="summary-run"' in page and 'id="summary-attitude"' in page and 'id="summary-other"' in page


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(png=st.binary(max_size=400), metadata=st.binary(max_size=400))
def test_quicklooks_of_arbitrary_bytes_are_refused_in_a_line(tmp_path, png, metadata):
    """A product whose PNG or metadata JSON is any bytes at all: the section still renders, the image
    said to be unreadable rather than a traceback."""
    (tmp_path / "X-1.png").write_bytes(png)
    (tmp_path / "X-1.json").write_bytes(metadata)
    page = quicklooks(tmp_path, lambda t_s: f"t+{t_s}")
    assert 'href="products/X-1.png"' in page


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=5)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "metadata",
                        "t_start_s",
                        "true_footprint",
                        "corners",
                        "centre",
                        "swath_m",
                        "strip_m",
                        "quality_ok",
                        "quicklook_pixel_cross_m",
                        "quicklook_pixel_along_m",
                        "gsd_cross_m",
                        "request_id",
                    ]
                ),
                inner,
                max_size=6,
            )
        ),
        max_leaves=30,
    )
)
def test_product_metadata_of_any_json_keeps_only_well_formed_figures(tmp_path, document):
    (tmp_path / "X-1.json").write_text(json.dumps(document))
    kept = product_metadata(tmp_path / "X-1.png")
    assert all(math.isfinite(v) for k, v in kept.items() if k in NUMBERS)
    corners = kept.get("true_footprint", {}).get("corners")
    assert corners is None or (len(corners) == 4 and all(math.isfinite(v) for c in corners for v in c[:2]))
