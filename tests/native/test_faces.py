"""The Python faces of native/: time scales, Earth constants and geodesy read from the C (one home, no
drift), and atomic file replacement."""

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from native import atomic_file, earth_model, ffi, geodesy, lib, ptr, time_scales


def test_time_scales_are_the_c_constants_and_the_known_values():
    assert time_scales.SECONDS_PER_DAY == lib.ZK_SECONDS_PER_DAY == 86400.0
    assert time_scales.TT_MINUS_UTC_S == lib.ZK_TT_MINUS_UTC_S == 69.184
    assert time_scales.JD_UNIX_EPOCH == 2440587.5
    assert time_scales.julian_date(time_scales.parse_utc("2000-01-01T12:00:00Z")) == time_scales.JD_J2000


def test_julian_dates_round_trip_within_the_resolution_of_a_float_julian_date():
    t = datetime(2026, 6, 21, 10, 30, 15, 250_000, tzinfo=UTC)
    back = time_scales.utc_from_julian_date(time_scales.julian_date(t), 60.0)
    assert abs((back - t).total_seconds() - 60.0) < 50e-6  # a float JD resolves ~40 us
    with pytest.raises(ValueError, match="ISO-8601"):
        time_scales.parse_utc("yesterday")


def test_earth_constants_are_wgs84_and_egm96():
    assert earth_model.WGS84_A_M == 6378137.0
    assert pytest.approx(298.257223563, rel=1e-15) == 1.0 / earth_model.WGS84_F
    assert pytest.approx(6356752.314245, abs=1e-6) == earth_model.WGS84_B_M
    assert pytest.approx(6.69437999014e-3, rel=1e-12) == earth_model.WGS84_E2
    assert earth_model.MU_EARTH_M3_S2 == 3.986004418e14
    assert pytest.approx(7.292115e-5, rel=1e-6) == earth_model.OMEGA_EARTH_RAD_S


def test_array_geodesy_gives_the_single_c_calls_bit_for_bit():
    rng = np.random.default_rng(3)
    lat, lon, alt = rng.uniform(-1.5, 1.5, 50), rng.uniform(-3.0, 3.0, 50), rng.uniform(0.0, 9e3, 50)
    r_ecef = geodesy.geodetic_to_ecef_m(lat, lon, alt)
    gmst = rng.uniform(0.0, 2.0 * math.pi, 50)
    r_teme = rng.normal(0.0, 7e6, (50, 3))
    rotated = geodesy.teme_to_ecef_m(gmst, r_teme)
    one = np.empty(3)
    for k in range(50):
        lib.zk_geodetic_to_ecef(lat[k], lon[k], alt[k], ptr(one))
        assert np.array_equal(one, r_ecef[k])
        lib.zk_eci_to_ecef(gmst[k], ptr(np.ascontiguousarray(r_teme[k])), ffi.NULL, ptr(one), ffi.NULL)
        assert np.array_equal(one, rotated[k])


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "store.json"
    path.write_bytes(b"old")
    atomic_file.write_atomically(path, b"new contents")
    assert path.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["store.json"]


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "store.json"
    path.write_bytes(b"old")

    def medium_fails(*_):
        raise OSError("medium failed")

    monkeypatch.setattr(atomic_file.os, "replace", medium_fails)
    with pytest.raises(OSError, match="medium failed"):
        atomic_file.write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["store.json"]
