"""The onboard orbit filter against SGP4 (the sgp4 library, TEME: an orbit with J2-J4 and drag the filter's
J2 model does not have): fixes of 5 m / 0.05 m/s white noise per axis, Earth-fixed as a receiver gives
them, at 1 Hz for 20 minutes."""

import math

import numpy as np
from sgp4.api import Satrec, jday

from flight.adcs.orbit_estimate import OrbitEstimate
from native import ffi, lib, ptr

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


def test_an_update_is_the_textbook_six_state_kalman_update():
    """native/flight/orbit_filter.c against the Kalman filter written out with numpy: x = [r, v], F the
    free motion over dt, Q of a white acceleration, H = I, R the receiver's noise; the C keeps one axis'
    2x2 covariance for the three axes, which the 6x6 form must reproduce."""
    var_r, var_v, q, dt = 25.0, 0.0025, 2.5e-7, 1.0
    p_axis = np.array([[4.0, 0.3], [0.3, 0.02]])
    f = ffi.new("zk_orbit_filter *")
    f.var_r_m2, f.var_v_m2_s2, f.accel_noise_m2_s3 = var_r, var_v, q
    f.p_rr_m2, f.p_rv_m2_s, f.p_vv_m2_s2 = p_axis[0, 0], p_axis[0, 1], p_axis[1, 1]
    orbit = ffi.new("zk_orbit *")
    x = np.array([7.0e6, 1.0e5, -2.0e5, 10.0, 7.5e3, -30.0])
    orbit.r_eci, orbit.v_eci = list(x[:3]), list(x[3:])
    jd_utc = 2461000.5
    z_eci = x + np.array([4.0, -6.0, 2.0, 0.05, -0.02, 0.08])
    gmst = lib.zk_gmst(jd_utc)
    r_ecef, v_ecef = np.zeros(3), np.zeros(3)
    lib.zk_eci_to_ecef(gmst, ptr(z_eci[:3].copy()), ptr(z_eci[3:].copy()), ptr(r_ecef), ptr(v_ecef))
    lib.zk_orbit_filter_fix(f, orbit, jd_utc, ptr(r_ecef), ptr(v_ecef), dt, 0)

    eye = np.eye(3)
    big_f = np.block([[eye, dt * eye], [0 * eye, eye]])
    big_q = q * np.block([[dt**3 / 3 * eye, dt**2 / 2 * eye], [dt**2 / 2 * eye, dt * eye]])
    big_p = np.kron(p_axis, eye)
    big_r = np.diag([var_r] * 3 + [var_v] * 3)
    p_pred = big_f @ big_p @ big_f.T + big_q
    gain = p_pred @ np.linalg.inv(p_pred + big_r)
    x_new = x + gain @ (z_eci - x)  # the state is already at the fix's time: F is only for P
    p_new = (np.eye(6) - gain) @ p_pred
    np.testing.assert_allclose(list(orbit.r_eci) + list(orbit.v_eci), x_new, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        [f.p_rr_m2, f.p_rv_m2_s, f.p_vv_m2_s2], [p_new[0, 0], p_new[0, 3], p_new[3, 3]], rtol=1e-9
    )
