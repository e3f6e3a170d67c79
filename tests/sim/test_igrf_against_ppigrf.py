"""IGRF-14 in C (native/common/igrf.c, filled by sim/magnetic_field.py) against ppigrf.igrf_gc.

ppigrf evaluates the same IGRF-14 coefficients in spherical form (B_r, B_theta, B_phi at geocentric r,
colatitude, longitude); the test rotates them to ECEF. Agreement required: 1 nT. Measured: 0.25 nT at
most, all of it from the date: ppigrf interpolates the coefficients linearly in time between epochs,
IGRF (and sim/magnetic_field.py) linearly in decimal years; at an epoch the two agree to 1e-10 nT.
ppigrf divides by sin(colatitude), so it is compared down to 1e-7 deg from the poles; on the axis the C
field must equal that limit.
"""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import ppigrf
import pytest

from native import lib, ptr
from sim.environment_bench import field_evaluations_per_s
from sim.magnetic_field import decimal_year, decimal_year_from_jd, igrf14, igrf_model, read_shc, shc_path

NT = 1e-9
R_REF_KM = 6371.2
DATES = 20
POINTS_PER_DATE = 12


def field_ecef_nt(model, r_ecef_m) -> np.ndarray:
    b_ecef_t = np.empty(3)
    lib.zk_igrf_field_ecef(model, ptr(np.ascontiguousarray(r_ecef_m, dtype=np.float64)), ptr(b_ecef_t))
    return b_ecef_t / NT


def spherical_basis(colat_rad: float, lon_rad: float) -> np.ndarray:
    """Rows: unit r, theta (south), phi (east) in ECEF."""
    st, ct, sp, cp = math.sin(colat_rad), math.cos(colat_rad), math.sin(lon_rad), math.cos(lon_rad)
    return np.array([[st * cp, st * sp, ct], [ct * cp, ct * sp, -st], [-sp, cp, 0.0]])


def position_ecef_m(radius_km: float, colat_deg: float, lon_deg: float) -> np.ndarray:
    return 1e3 * radius_km * spherical_basis(math.radians(colat_deg), math.radians(lon_deg))[0]


def ppigrf_ecef_nt(radius_km, colat_deg, lon_deg, date: datetime) -> np.ndarray:
    """ppigrf's field at points sharing one date, rotated to ECEF: shape (n, 3)."""
    b_r, b_theta, b_phi = (np.ravel(c) for c in ppigrf.igrf_gc(radius_km, colat_deg, lon_deg, date))
    return np.array(
        [
            np.array([br, bt, bp]) @ spherical_basis(math.radians(t), math.radians(p))
            for br, bt, bp, t, p in zip(b_r, b_theta, b_phi, colat_deg, lon_deg, strict=True)
        ]
    )


def test_random_points_and_dates_2020_2030():
    rng = np.random.default_rng(20260101)
    worst_nt = 0.0
    for k in range(DATES):
        date = datetime(2020, 1, 1) + timedelta(days=float(rng.uniform(0.0, 3652.0)))
        radius_km = R_REF_KM + rng.uniform(0.0, 1000.0, POINTS_PER_DATE)
        colat_deg = np.degrees(np.arccos(rng.uniform(-1.0, 1.0, POINTS_PER_DATE)))
        if k < 4:  # near the poles: 1e-7 deg is 1 cm from the axis at the surface
            colat_deg[:3] = [1e-7, 0.02, 179.9999999] if k % 2 else [179.98, 1e-3, 0.3]
        lon_deg = rng.uniform(-180.0, 180.0, POINTS_PER_DATE)
        expected_nt = ppigrf_ecef_nt(radius_km, colat_deg, lon_deg, date)
        model = igrf_model(date)
        for i in range(POINTS_PER_DATE):
            r_ecef_m = position_ecef_m(radius_km[i], colat_deg[i], lon_deg[i])
            worst_nt = max(worst_nt, float(np.linalg.norm(field_ecef_nt(model, r_ecef_m) - expected_nt[i])))
    assert DATES * POINTS_PER_DATE >= 200
    assert worst_nt < 1.0


def test_equal_to_ppigrf_at_an_epoch():
    """At 2025.0 both use the file's column as it stands: the evaluation alone is compared."""
    rng = np.random.default_rng(7)
    radius_km = R_REF_KM + rng.uniform(0.0, 1000.0, 40)
    colat_deg = np.degrees(np.arccos(rng.uniform(-1.0, 1.0, 40)))
    lon_deg = rng.uniform(-180.0, 180.0, 40)
    expected_nt = ppigrf_ecef_nt(radius_km, colat_deg, lon_deg, datetime(2025, 1, 1))
    model = igrf_model(2025.0)
    for i in range(40):
        r_ecef_m = position_ecef_m(radius_km[i], colat_deg[i], lon_deg[i])
        assert np.linalg.norm(field_ecef_nt(model, r_ecef_m) - expected_nt[i]) < 1e-6


@pytest.mark.parametrize("z_sign", [1.0, -1.0])
def test_on_the_polar_axis_the_field_is_the_limit(z_sign):
    model = igrf_model(2026.5)
    r_m = 6_878_137.0
    on_axis = field_ecef_nt(model, [0.0, 0.0, z_sign * r_m])
    assert np.all(np.isfinite(on_axis))
    for lon_rad in np.linspace(0.0, 2.0 * math.pi, 8, endpoint=False):
        near_axis = np.array([1e-9 * math.cos(lon_rad), 1e-9 * math.sin(lon_rad), z_sign])  # 7 mm off
        near = field_ecef_nt(model, r_m * near_axis)
        assert np.linalg.norm(near - on_axis) < 1e-4


def test_divergence_and_curl_vanish():
    model = igrf_model(2026.0)
    r0 = np.array([2.0e6, -3.0e6, 5.6e6])
    jac = np.empty((3, 3))  # dB_i / dx_j by central differences over 1 m
    for j in range(3):
        dr = np.zeros(3)
        dr[j] = 1.0
        jac[:, j] = (field_ecef_nt(model, r0 + dr) - field_ecef_nt(model, r0 - dr)) / 2.0
    scale = np.abs(jac).max()
    assert abs(np.trace(jac)) < 1e-6 * scale
    assert (
        np.linalg.norm([jac[2, 1] - jac[1, 2], jac[0, 2] - jac[2, 0], jac[1, 0] - jac[0, 1]]) < 1e-6 * scale
    )


def test_zero_at_the_centre():
    assert np.all(field_ecef_nt(igrf_model(2026.0), [0.0, 0.0, 0.0]) == 0.0)


# --- coefficients in time ---------------------------------------------------------------------------


def test_published_values_interpolation_and_secular_variation():
    """IGRF-14: g10 = -29403.41 nT at 2020 (DGRF), -29350.0 nT at 2025 with SV +12.6 nT/yr; h11 = 4545.5 nT
    at 2025 with SV -21.5 nT/yr. Between epochs linear; after 2025 (and past 2030) along the SV."""
    model = igrf14()
    g, h = model.at(2025.0)
    assert g[1, 0] == -29350.0 and h[1, 1] == 4545.5
    g, _ = model.at(2022.5)
    assert g[1, 0] == pytest.approx(0.5 * (-29403.41 - 29350.0), abs=1e-9)
    g, h = model.at(2032.5)
    assert g[1, 0] == pytest.approx(-29350.0 + 7.5 * 12.6, abs=1e-9)
    assert h[1, 1] == pytest.approx(4545.5 - 7.5 * 21.5, abs=1e-9)
    with pytest.raises(ValueError, match="before"):
        model.at(1899.0)


def test_the_file_is_read_once():
    igrf14.cache_clear()
    for year in (2025.0, 2026.0, 2027.0):
        igrf_model(year)
    assert igrf14.cache_info().misses == 1


def test_read_shc_shape():
    coefficients = read_shc(shc_path())
    assert coefficients.epochs_year[0] == 1900.0 and coefficients.epochs_year[-1] == 2030.0
    assert coefficients.g_nt.shape == (27, 14, 14)
    assert np.all(coefficients.h_nt[:, :, 0] == 0.0)


def test_decimal_year():
    assert decimal_year(datetime(2024, 7, 2, tzinfo=UTC)) == pytest.approx(2024.0 + 183.0 / 366.0, abs=1e-12)
    assert decimal_year(datetime(2026, 1, 1)) == 2026.0
    assert decimal_year_from_jd(2451545.0) == pytest.approx(2000.0 + 0.5 / 366.0, abs=1e-9)


def test_bench_helper_reports_the_rates():
    rates = field_evaluations_per_s(c_points=200, ppigrf_points=2)
    assert set(rates) == {"c", "ppigrf", "ppigrf_vectorised", "speedup"}
    assert all(v > 0.0 for v in rates.values())
    assert rates["speedup"] == pytest.approx(rates["c"] / rates["ppigrf"])
