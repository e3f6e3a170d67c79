"""The onboard orbit filter against SGP4 (the sgp4 library, TEME: an orbit with J2-J4 and drag the filter's
J2 model does not have): fixes of 5 m / 0.05 m/s white noise per axis, Earth-fixed as a receiver gives
them, at 1 Hz for 20 minutes."""

import math

import numpy as np
from sgp4.api import Satrec, jday

from flight.adcs.orbit_estimate import OrbitEstimate
from native import lib, ptr

TLE = (
    "1 99999U          25172.00000000  .00000000  00000-0  10000-3 0    09",
    "2 99999  97.4018  67.3871 0001000  90.0000   0.0000 15.21936487    04",
)


def test_filtered_fixes_know_the_orbit_better_than_a_fix_does():
    satellite = Satrec.twoline2rv(*TLE)
    jd, fraction = jday(2025, 6, 21, 0, 0, 0.0)
    epoch_jd_utc = jd + fraction
    orbit = OrbitEstimate(epoch_jd_utc)
    rng = np.random.default_rng(3)
    fix_errors, filter_errors = [], []
    r_ecef, v_ecef = np.zeros(3), np.zeros(3)
    for k in range(1200):
        error, r_km, v_km_s = satellite.sgp4(jd, fraction + k / 86400.0)
        assert error == 0
        r_true, v_true = np.array(r_km) * 1e3, np.array(v_km_s) * 1e3
        gmst = lib.zk_gmst(epoch_jd_utc + k / 86400.0)
        lib.zk_eci_to_ecef(gmst, ptr(r_true), ptr(v_true), ptr(r_ecef), ptr(v_ecef))
        noise_r, noise_v = 5.0 * rng.standard_normal(3), 0.05 * rng.standard_normal(3)
        r_fix, v_fix = r_ecef + noise_r, v_ecef + noise_v
        orbit.update_fix(float(k), ptr(r_fix), ptr(v_fix))
        if k >= 300:  # after 5 minutes of fixes
            fix_errors.append(np.linalg.norm(noise_r))
            filter_errors.append(np.linalg.norm(orbit.r_eci - r_true))
    rms_fix = math.sqrt(np.mean(np.square(fix_errors)))
    rms_filter = math.sqrt(np.mean(np.square(filter_errors)))
    print(f"\n3D RMS: a fix {rms_fix:.2f} m, the filter {rms_filter:.2f} m")
    assert rms_filter < 2.0 < rms_fix / 3.0
    assert math.sqrt(orbit.p_rr_m2) < 1.5  # what it believes, per axis


def test_a_fix_after_an_outage_starts_it_again():
    orbit = OrbitEstimate(2461000.5)
    r, v = np.array([7e6, 0.0, 0.0]), np.array([0.0, 7.5e3, 0.0])
    orbit.update_fix(0.0, ptr(r), ptr(v))
    far = np.array([7e6, 1e5, 0.0])  # 100 km away: taken whole after 20 minutes without a fix
    orbit.update_fix(1200.0, ptr(far), ptr(v))
    gmst = lib.zk_gmst(2461000.5 + 1200.0 / 86400.0)
    r_eci, v_eci = np.zeros(3), np.zeros(3)
    lib.zk_ecef_to_eci(gmst, ptr(far), ptr(v), ptr(r_eci), ptr(v_eci))
    assert np.allclose(orbit.r_eci, r_eci, atol=1e-6)
    assert orbit.p_rr_m2 == 25.0
