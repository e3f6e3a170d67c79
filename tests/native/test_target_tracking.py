"""zk_guidance_target (and flight TargetTracking) against a line of sight built in numpy.

References: WGS-84 geodetic -> ECEF written out below; ECEF -> inertial by the GMST rotation from scipy;
the satellite on a two-body + J2 orbit integrated by scipy (DOP853); rate and angular acceleration as
finite differences of the attitude history (scipy Rotation). The tracking rate at nadir is the
FIELD-NOTES figure for a 500 km orbit, 0.81 deg/s (ground-track speed 7.06 km/s over 500 km).
"""

import numpy as np
from scipy.spatial.transform import Rotation

from flight.adcs.guidance import TargetTracking
from flight.adcs.orbit_estimate import OrbitEstimate
from native import ffi, lib, ptr
from native.earth_model import force_model
from tests.native.guidance_reference import (
    OMEGA_EARTH_RAD_S,
    circular_state,
    propagate,
    rate_and_accel,
    stencil_times,
)

DEG = np.pi / 180.0
WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
EPOCH_JD_UTC = 2461000.5  # 2025-11-21 00:00 UTC
GMST0_RAD = 1.234  # the C function takes GMST as given: any angle serves
ALT_M = 500e3
INCL_RAD = 97.4 * DEG
POINTING_TOL_RAD = 1e-9  # 0.5 mm at 500 km
PLANE_TOL = 1e-12  # cosine of the angle between +X_B and the normal of the velocity plane
RATE_TOL_RAD_S = 1e-10  # against fourth-order differences over 0.5 s; |w| ~ 1.5e-2 rad/s
ACCEL_TOL_RAD_S2 = 1e-11  # |alpha| up to ~5e-4 rad/s^2


def geodetic_to_ecef(lat_rad: float, lon_rad: float, alt_m: float) -> np.ndarray:
    """N = a / sqrt(1 - e^2 sin^2 lat), e^2 = f (2 - f);
    x, y = (N + h) cos lat (cos lon, sin lon); z = (N (1 - e^2) + h) sin lat."""
    e2 = WGS84_F * (2.0 - WGS84_F)
    n = WGS84_A_M / np.sqrt(1.0 - e2 * np.sin(lat_rad) ** 2)
    return np.array(
        [
            (n + alt_m) * np.cos(lat_rad) * np.cos(lon_rad),
            (n + alt_m) * np.cos(lat_rad) * np.sin(lon_rad),
            (n * (1.0 - e2) + alt_m) * np.sin(lat_rad),
        ]
    )


def angle_rad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.arctan2(np.linalg.norm(np.cross(a, b)), a @ b))


def ecef_to_inertial(gmst_rad: float, v_ecef: np.ndarray) -> np.ndarray:
    """ECEF = R_z(GMST) TEME, so TEME is ECEF turned by +GMST about z."""
    return Rotation.from_euler("z", gmst_rad).apply(v_ecef)


def sub_satellite_point(r_eci: np.ndarray, gmst_rad: float) -> tuple[float, float]:
    """Geocentric latitude and longitude under the satellite (targets near the ground track)."""
    r = Rotation.from_euler("z", -gmst_rad).apply(r_eci)
    return float(np.arcsin(r[2] / np.linalg.norm(r))), float(np.arctan2(r[1], r[0]))


def nadir_point(r_eci: np.ndarray, gmst_rad: float) -> tuple[float, float]:
    """Geodetic latitude and longitude of the ellipsoid point on the line from the satellite to the
    Earth's centre: p = r - s r/|r| with (p_x^2 + p_y^2) / a^2 + p_z^2 / b^2 = 1, the nearer root."""
    r = Rotation.from_euler("z", -gmst_rad).apply(r_eci)
    u = r / np.linalg.norm(r)
    d = np.array([1.0, 1.0, 1.0 / (1.0 - WGS84_F) ** 2]) / WGS84_A_M**2
    qa, qb, qc = u @ (d * u), -2.0 * r @ (d * u), r @ (d * r) - 1.0
    s = (-qb - np.sqrt(qb * qb - 4.0 * qa * qc)) / (2.0 * qa)
    geodetic = np.zeros(3)
    lib.zk_ecef_to_geodetic(ptr(r - s * u), ptr(geodetic))
    return float(geodetic[0]), float(geodetic[1])


def c_target(lat_rad, lon_rad, alt_m, gmst_rad, r_eci, v_eci, forces=None):
    target = ffi.new("zk_target *")
    lib.zk_target_set(target, lat_rad, lon_rad, alt_m)
    ref = ffi.new("zk_reference *")
    status = lib.zk_guidance_target(
        target,
        forces or force_model(zonal_degree=2),
        gmst_rad,
        ptr(np.array(r_eci)),
        ptr(np.array(v_eci)),
        ref,
    )
    assert status == 0
    return (
        np.array(list(ref.q_ib)),
        np.array(list(ref.w_r)),
        np.array(list(ref.w_i)),
        np.array(list(ref.alpha_r)),
        (target.off_nadir_rad, target.elevation_rad, target.range_m),
    )


def pass_cases(seed: int, n: int):
    """Satellite states along a 500 km SSO and targets within ~600 km of its ground track."""
    rng = np.random.default_rng(seed)
    r0, v0 = circular_state(ALT_M, INCL_RAD, 0.7, 0.3)
    times = np.sort(rng.uniform(0.0, 5700.0, n))
    rs, vs = propagate(r0, v0, times)
    cases = []
    for t, r, v in zip(times, rs, vs, strict=True):
        gmst = GMST0_RAD + OMEGA_EARTH_RAD_S * t
        lat, lon = sub_satellite_point(r, gmst)
        cases.append(
            (
                gmst,
                r,
                v,
                lat + rng.uniform(-5.0, 5.0) * DEG,
                lon + rng.uniform(-5.0, 5.0) * DEG,
                rng.uniform(0, 3e3),
            )
        )
    return cases


def test_boresight_points_at_the_target():
    for gmst, r, v, lat, lon, alt in pass_cases(seed=11, n=60):
        q_ib, _, _, _, (off_nadir, elevation, range_m) = c_target(lat, lon, alt, gmst, r, v)
        los = ecef_to_inertial(gmst, geodetic_to_ecef(lat, lon, alt)) - r
        z_i = Rotation.from_quat(q_ib).apply([0.0, 0.0, 1.0])
        assert angle_rad(z_i, los) < POINTING_TOL_RAD
        assert abs(range_m - np.linalg.norm(los)) < 1e-6
        assert abs(off_nadir - angle_rad(-r, los)) < 1e-12
        up = ecef_to_inertial(gmst, [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        assert abs(elevation - np.arcsin(-los @ up / np.linalg.norm(los))) < 1e-9


def test_yaw_steering_keeps_x_in_the_plane_of_boresight_and_relative_velocity():
    """+X_B . (Z_B x v_rel) = 0 and +X_B . v_rel > 0, v_rel = v - omega_earth x r_target."""
    for gmst, r, v, lat, lon, alt in pass_cases(seed=12, n=60):
        q_ib = c_target(lat, lon, alt, gmst, r, v)[0]
        target_i = ecef_to_inertial(gmst, geodetic_to_ecef(lat, lon, alt))
        v_rel = v - np.cross([0.0, 0.0, OMEGA_EARTH_RAD_S], target_i)
        x_i, z_i = Rotation.from_quat(q_ib).apply(np.eye(3))[[0, 2]]
        normal = np.cross(z_i, v_rel)
        assert abs(x_i @ normal) < PLANE_TOL * np.linalg.norm(normal)
        assert x_i @ v_rel > 0.0


def test_rate_and_acceleration_are_the_derivatives_of_the_attitude():
    """w_r and alpha_r against fourth-order differences of the attitude along the J2 orbit (h = 0.5 s)."""
    h_s = 0.5
    rng = np.random.default_rng(13)
    r0, v0 = circular_state(ALT_M, INCL_RAD, 2.0, 1.0)
    lat0, lon0 = sub_satellite_point(circular_state(ALT_M, INCL_RAD, 2.0, 1.0 + 300.0 * 1.1e-3)[0], GMST0_RAD)
    worst_w = worst_alpha = 0.0
    for t_c in np.linspace(150.0, 450.0, 7):
        times = stencil_times(t_c, h_s)
        rs, vs = propagate(r0, v0, np.concatenate([[0.0], times]))
        lat, lon = lat0 + rng.uniform(-2.0, 2.0) * DEG, lon0 + rng.uniform(-2.0, 2.0) * DEG
        refs = [
            c_target(lat, lon, 0.0, GMST0_RAD + OMEGA_EARTH_RAD_S * t, r, v)
            for t, r, v in zip(times, rs[1:], vs[1:], strict=True)
        ]
        q_ib, w_r, w_i, alpha_r, _ = refs[2]
        w_num, alpha_num = rate_and_accel(np.array([ref[0] for ref in refs]), h_s)
        worst_w = max(worst_w, np.linalg.norm(w_r - w_num))
        worst_alpha = max(worst_alpha, np.linalg.norm(alpha_r - alpha_num))
        np.testing.assert_allclose(Rotation.from_quat(q_ib).apply(w_r), w_i, atol=1e-15)
    print(f"\nrate error {worst_w:.1e} rad/s, acceleration error {worst_alpha:.1e} rad/s^2")
    assert worst_w < RATE_TOL_RAD_S
    assert worst_alpha < ACCEL_TOL_RAD_S2


def test_tracking_rate_at_nadir_passage_is_the_field_notes_figure():
    """Over a target under the track, R turns at ~0.81 deg/s relative to the nadir frame (v_ground / h),
    ~0.87 deg/s in inertial (v / h)."""
    r, v = circular_state(ALT_M, INCL_RAD, 0.4, 0.5)
    lat, lon = nadir_point(r, GMST0_RAD)
    forces = force_model(zonal_degree=2)
    _, _, w_i, _, (off_nadir, _, _) = c_target(lat, lon, 0.0, GMST0_RAD, r, v, forces)
    nadir = ffi.new("zk_reference *")
    lib.zk_guidance_nadir(forces, ptr(r), ptr(v), nadir)
    rate_rel_deg_s = np.linalg.norm(w_i - np.array(list(nadir.w_i))) / DEG
    print(
        f"\ntracking rate at nadir: {rate_rel_deg_s:.3f} deg/s from nadir, "
        f"{np.linalg.norm(w_i) / DEG:.3f} deg/s inertial"
    )
    assert off_nadir < 1e-9
    assert abs(rate_rel_deg_s - 0.81) < 0.03 * 0.81
    assert abs(np.linalg.norm(w_i) / DEG - np.linalg.norm(v) / ALT_M / DEG) < 0.03 * 0.87


def test_flight_target_tracking_follows_onboard_time_through_gmst():
    orbit = OrbitEstimate(EPOCH_JD_UTC)
    tracking = TargetTracking(orbit, 0.0, 0.0)
    r0, v0 = circular_state(ALT_M, INCL_RAD, 1.1, 0.2)
    times = np.array([0.0, 60.0, 120.0])
    rs, vs = propagate(r0, v0, times)
    for t, r, v in zip(times, rs, vs, strict=True):
        gmst = lib.zk_gmst(EPOCH_JD_UTC + t / 86400.0)
        lat, lon = sub_satellite_point(r, gmst)
        tracking.set_target(lat + 1.0 * DEG, lon - 1.0 * DEG, 100.0)
        orbit.r_eci[:], orbit.v_eci[:] = r, v
        tracking.update(t)
        los = ecef_to_inertial(gmst, geodetic_to_ecef(lat + 1.0 * DEG, lon - 1.0 * DEG, 100.0)) - r
        z_i = Rotation.from_quat(tracking.q_ref_ib).apply([0.0, 0.0, 1.0])
        assert tracking.geometry_ok
        assert angle_rad(z_i, los) < POINTING_TOL_RAD
        assert 0.0 < tracking.off_nadir_rad < 20.0 * DEG and tracking.elevation_rad > 60.0 * DEG
        np.testing.assert_allclose(
            Rotation.from_quat(tracking.q_ref_ib).apply(tracking.w_ref_r), tracking.w_ref_i
        )


def test_a_scanned_strip_moves_the_reference_with_its_rate_and_acceleration():
    """A strip's target runs along the ground; the reference's rate and acceleration carry that motion:
    against fourth-order differences of the attitude (h = 0.5 s) as for a fixed target, and the
    boresight on the moving point at every instant."""
    h_s = 0.5
    r0, v0 = circular_state(ALT_M, INCL_RAD, 2.0, 1.0)
    lat0, lon0 = sub_satellite_point(circular_state(ALT_M, INCL_RAD, 2.0, 1.0 + 300.0 * 1.1e-3)[0], GMST0_RAD)
    lat1, lon1 = lat0 + 0.3 * DEG, lon0 - 0.2 * DEG  # a ~40 km strip, scanned in 20 s
    target = ffi.new("zk_target *")
    lib.zk_target_strip(target, lat0, lon0, lat1, lon1, 0.0, 290.0, 310.0)
    forces = force_model(zonal_degree=2)
    worst_w = worst_alpha = worst_pointing = 0.0
    for t_c in (293.0, 307.0, 300.0):  # the last, at 300 s, is compared with a fixed target below
        times = stencil_times(t_c, h_s)
        rs, vs = propagate(r0, v0, np.concatenate([[0.0], times]))
        refs = []
        for t, r, v in zip(times, rs[1:], vs[1:], strict=True):
            lib.zk_target_at(target, t)
            gmst = GMST0_RAD + OMEGA_EARTH_RAD_S * t
            ref = ffi.new("zk_reference *")
            assert lib.zk_guidance_target(target, forces, gmst, ptr(np.array(r)), ptr(np.array(v)), ref) == 0
            refs.append((np.array(list(ref.q_ib)), np.array(list(ref.w_r)), np.array(list(ref.alpha_r))))
            point = ecef_to_inertial(gmst, np.array(list(target.r_ecef)))
            boresight = Rotation.from_quat(refs[-1][0]).apply([0.0, 0.0, 1.0])
            worst_pointing = max(worst_pointing, angle_rad(boresight, point - r))
        w_num, alpha_num = rate_and_accel(np.array([ref[0] for ref in refs]), h_s)
        worst_w = max(worst_w, np.linalg.norm(refs[2][1] - w_num))
        worst_alpha = max(worst_alpha, np.linalg.norm(refs[2][2] - alpha_num))
    rs, vs = propagate(r0, v0, np.array([0.0, 300.0]))
    lib.zk_target_at(target, 300.0)
    here = np.array(list(target.r_ecef))  # the strip's point at 300 s, as a fixed target
    lat, lon = np.arctan2(here[2], np.hypot(here[0], here[1])), np.arctan2(here[1], here[0])
    fixed = c_target(lat, lon, 0.0, GMST0_RAD + OMEGA_EARTH_RAD_S * 300.0, rs[1], vs[1])
    print(f"\nstrip: rate error {worst_w:.1e} rad/s, acceleration error {worst_alpha:.1e} rad/s^2")
    assert worst_pointing < 1e-9
    assert worst_w < RATE_TOL_RAD_S
    assert worst_alpha < ACCEL_TOL_RAD_S2
    assert np.linalg.norm(refs[2][1] - fixed[1]) > 100 * RATE_TOL_RAD_S, "the scan changes the rate"
