"""The simulated devices (sim/devices over native/sim/sensors.c and native/sim/actuators.c) against
independent references: scipy rotations for the truth each sensor should see, an ECI->ECEF
rotation and a least-squares fit built here in numpy, the point-dipole field, closed-form friction,
and sample statistics.

Statistical bounds are 5 standard errors of the estimator (mean: sigma / sqrt(n); standard
deviation: sigma / sqrt(2 (n - 1)); correlation: 1 / sqrt(n)), with fixed seeds, so a correct model
fails with probability ~1e-6 and the figures are reproducible. Tolerances are in the units of the
quantity (rad/s, rad, tesla, m, m/s, N m, A m^2).
"""

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from native import ffi, lib, ptr
from sim.devices.gnss import SimGnss
from sim.devices.gyro import SimGyro
from sim.devices.magnetometer import SimMagnetometer
from sim.devices.magnetorquers import SimMagnetorquers
from sim.devices.reaction_wheels import SimReactionWheels
from sim.devices.star_tracker import SimStarTracker, boresight_mount
from sim.devices.sun_sensor import SimSunSensor
from sim.randomness import model_seed, seed_generator
from sim.spacecraft import (
    ARCSEC,
    DEG,
    GnssSpec,
    GyroSpec,
    MagnetometerSpec,
    MagnetorquerSpec,
    Spacecraft,
    StarTrackerSpec,
    SunSensorSpec,
    WheelSpec,
)
from sim.world import World
from sim.world_builder import orbit_period_s
from zorka.run.assembly import build_world, simulated_devices
from zorka.scenario.model import Scenario, StartSpec

FIVE_SIGMA = 5.0
OMEGA_EARTH_WGS84_RAD_S = 7.292115e-5  # WGS-84 / IERS nominal; the C value differs by 1.5e-13 rad/s
EARTH_RADIUS_M = 6378137.0  # WGS-84 equatorial, the sphere the tracker's Earth exclusion uses
TICK_S = 0.1
MU0_OVER_4PI_T_M_A = 1e-7


def sample_stats(residuals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-axis mean, per-axis sample std and the correlation matrix of n x 3 residuals."""
    return residuals.mean(axis=0), residuals.std(axis=0, ddof=1), np.corrcoef(residuals.T)


def assert_white_noise(residuals: np.ndarray, mean, sigma) -> None:
    """Mean and std per axis within 5 standard errors of the spec; axes uncorrelated."""
    n = len(residuals)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (residuals.shape[1],))
    got_mean, got_std, corr = sample_stats(residuals)
    np.testing.assert_array_less(np.abs(got_mean - mean), FIVE_SIGMA * sigma / np.sqrt(n))
    np.testing.assert_array_less(np.abs(got_std - sigma), FIVE_SIGMA * sigma / np.sqrt(2.0 * (n - 1)))
    off_diagonal = corr[~np.eye(len(corr), dtype=bool)]
    assert np.all(np.abs(off_diagonal) < FIVE_SIGMA / np.sqrt(n))


@pytest.fixture
def world() -> World:
    """The default scenario's world at its epoch: the satellite is in the Earth's umbra."""
    return build_world(Scenario())


def stepped_to_sunlight() -> World:
    """The default scenario's world stepped on until the satellite is in full sunlight."""
    world = build_world(Scenario())
    while world.c.sun_fraction < 1.0:
        world.step(60.0)
    world.step(300.0)
    assert world.c.sun_fraction == 1.0
    return world


@pytest.fixture
def sunlit() -> World:
    return stepped_to_sunlight()


def random_attitudes(n: int, seed: int) -> np.ndarray:
    return Rotation.random(n, random_state=seed).as_quat()


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def sun_from_satellite(world: World) -> np.ndarray:
    return unit(world.r_sun_eci - world.r_eci)


def tilted(towards: np.ndarray, away_from: np.ndarray, angle_rad: float) -> np.ndarray:
    """Unit direction `angle_rad` from `towards`, turned away from `away_from` (in their plane)."""
    p = unit(-(away_from - (away_from @ towards) * towards))
    return np.cos(angle_rad) * towards + np.sin(angle_rad) * p


def attitude_pointing(boresight_i: np.ndarray, spec: StarTrackerSpec) -> np.ndarray:
    """q_ib (scipy) that puts the tracker's boresight on `boresight_i`."""
    boresight_b = Rotation.from_quat(boresight_mount(spec.boresight_tilt_rad)).apply([0.0, 0.0, 1.0])
    rotation, _ = Rotation.align_vectors([boresight_i], [boresight_b])
    return rotation.as_quat()


# --- gyro ------------------------------------------------------------------------------------


def test_gyro_mean_minus_truth_is_bias_and_std_is_noise_per_axis():
    """Spec values: ~9.2e-6 rad/s white noise at 10 Hz and a ~4.8e-7 rad/s bias (16 standard errors).
    (The bias instability and rate random walk are tested in test_gyro_allan.py.)"""
    spec = GyroSpec()
    noise_rad_s = spec.noise_rad_s(TICK_S)
    bias_rad_s = np.array(spec.bias_rad_s)
    w_true_b = np.array([0.01, -0.02, 0.003])
    gyro = SimGyro(w_true_b, noise_rad_s, bias_rad_s, model_seed(1, "gyro"))
    n = 100_000
    readings = np.empty((n, 3))
    for k in range(n):
        assert gyro.sample()
        readings[k] = gyro.rate_b
    assert_white_noise(readings - w_true_b, bias_rad_s, noise_rad_s)


def test_gyro_follows_the_truth_array_it_was_given():
    """The gyro senses the truth through shared memory: a change of the truth shows in the next sample."""
    w_true_b = np.zeros(3)
    gyro = SimGyro(w_true_b, 0.0, (0.0, 0.0, 0.0), model_seed(1, "gyro"))
    w_true_b[:] = [0.1, -0.2, 0.3]
    gyro.sample()
    np.testing.assert_array_equal(gyro.rate_b, [0.1, -0.2, 0.3])


def test_gyro_record_is_the_same_draws_as_sampling_one_by_one():
    spec, w_true_b = GyroSpec(), np.array([0.01, 0.0, -0.01])
    by_one = SimGyro.from_spec(w_true_b, spec, TICK_S, model_seed(3, "gyro"))
    in_c = SimGyro.from_spec(w_true_b, spec, TICK_S, model_seed(3, "gyro"))
    one = np.array([(by_one.sample(), by_one.rate_b.copy())[1] for _ in range(1000)])
    assert in_c.record(1000).tobytes() == one.tobytes()


# --- star tracker ----------------------------------------------------------------------------


def test_star_tracker_error_in_sensor_frame_has_cross_and_about_boresight_sigmas():
    """Error rotation q_true^-1 q_meas (scipy) in the sensor frame (via q_bs): 5" on X_s, Y_s; 35" on Z_s."""
    spec = StarTrackerSpec()
    n = 20_000
    q_true_all = random_attitudes(n, seed=21)
    q_ib_true = np.zeros(4)
    tracker = SimStarTracker(q_ib_true, spec, model_seed(1, "star_tracker"))
    q_meas = np.empty((n, 4))
    for k in range(n):
        np.copyto(q_ib_true, q_true_all[k])
        assert tracker.sample()
        q_meas[k] = tracker.q_ib
    err_b = (Rotation.from_quat(q_true_all).inv() * Rotation.from_quat(q_meas)).as_rotvec()
    err_s = Rotation.from_quat(boresight_mount(spec.boresight_tilt_rad)).inv().apply(err_b)
    sigma_s = [spec.noise_cross_rad, spec.noise_cross_rad, spec.noise_about_rad]
    assert_white_noise(err_s, 0.0, sigma_s)
    np.testing.assert_allclose(np.linalg.norm(q_meas, axis=1), 1.0, atol=1e-15)


def test_star_tracker_boresight_is_30_deg_from_zenith_in_the_y_z_plane():
    """+Z_s is -Z_B (zenith in nadir pointing) tilted by 30 deg about X_B, towards +Y_B.

    The tilt is towards +Y_B, away from the sun: in the default 10:30 LTDN orbit the sun is on the
    -Y_B side (Y_B = -(r x v) / |r x v|, see the next test).
    """
    tilt_rad = StarTrackerSpec().boresight_tilt_rad
    assert tilt_rad == pytest.approx(30.0 * DEG)
    boresight_b = Rotation.from_quat(boresight_mount(tilt_rad)).apply([0.0, 0.0, 1.0])
    np.testing.assert_allclose(boresight_b, [0.0, np.sin(tilt_rad), -np.cos(tilt_rad)], atol=1e-15)
    # the mount is a proper rotation whose X_s stays along X_B
    np.testing.assert_allclose(
        Rotation.from_quat(boresight_mount(tilt_rad)).apply([1.0, 0.0, 0.0]), [1, 0, 0], atol=1e-15
    )


def test_star_tracker_is_never_blinded_over_a_nadir_pointing_orbit():
    """Over one orbit of the default scenario, in nadir pointing (frame built here from r and v), the
    sunlit sun stays > 5 deg outside the sun exclusion and the Earth's limb > 50 deg outside the Earth
    exclusion (checked here with scipy geometry), and the tracker in that world gives every reading."""
    spec = StarTrackerSpec()
    world = build_world(Scenario(start=StartSpec(offset_deg=0.0)))
    tracker = SimStarTracker(world.q_ib, spec, model_seed(1, "star_tracker"), world)
    boresight_b = Rotation.from_quat(boresight_mount(spec.boresight_tilt_rad)).apply([0, 0, 1])
    sun_deg, limb_deg, sun_y_b = [], [], []
    for _ in range(int(orbit_period_s(world.r_eci, world.v_eci) // 20.0) + 1):
        r, v = world.r_eci.copy(), world.v_eci.copy()
        y = -np.cross(r, v) / np.linalg.norm(np.cross(r, v))
        z = -r / np.linalg.norm(r)
        nadir = Rotation.from_matrix(np.column_stack([np.cross(y, z), y, z]))
        np.copyto(world.q_ib, nadir.as_quat())
        sun_b = nadir.inv().apply(sun_from_satellite(world))
        sun_y_b.append(sun_b[1])
        boresight_i = nadir.apply(boresight_b)
        limb_deg.append(
            np.rad2deg(np.arccos(boresight_i @ z) - np.arcsin(EARTH_RADIUS_M / np.linalg.norm(r)))
        )
        if world.c.sun_fraction > 0.0:
            sun_deg.append(np.rad2deg(np.arccos(np.clip(sun_b @ boresight_b, -1.0, 1.0))))
        assert tracker.sample() and not tracker.blinded
        world.step(20.0)
    assert max(sun_y_b) < 0.0  # the sun stays on the -Y_B side all orbit
    assert len(sun_deg) > 100
    assert min(sun_deg) > np.rad2deg(spec.sun_exclusion_rad) + 5.0
    assert min(limb_deg) > np.rad2deg(spec.earth_exclusion_rad) + 50.0


def test_star_tracker_reads_at_its_update_rate_from_the_worlds_clock(world):
    """5 Hz sampled at the 10 Hz tick: a reading at t = 0, 0.2, 0.4 ... (world time summed in steps of
    0.1 s), none between, the last reading kept."""
    tracker = SimStarTracker(world.q_ib, StarTrackerSpec(), model_seed(1, "star_tracker"), world)
    got = []
    for _ in range(40):
        before = tracker.q_ib.copy()
        got.append(tracker.sample())
        if not got[-1]:
            np.testing.assert_array_equal(tracker.q_ib, before)
        world.step(TICK_S)
    assert got == [True, False] * 20


@pytest.mark.parametrize(("angle_deg", "blinded"), [(39.9, True), (40.1, False), (5.0, True)])
def test_star_tracker_is_blinded_with_the_sun_inside_its_exclusion_angle(sunlit, angle_deg, blinded):
    """The boresight put `angle_deg` from the sun (scipy alignment), on the side away from the Earth."""
    spec = StarTrackerSpec()
    tracker = SimStarTracker(sunlit.q_ib, spec, model_seed(1, "star_tracker"), sunlit)
    nadir_i = -unit(sunlit.r_eci)
    boresight_i = tilted(sun_from_satellite(sunlit), nadir_i, np.deg2rad(angle_deg))
    np.copyto(sunlit.q_ib, attitude_pointing(boresight_i, spec))
    before = tracker.q_ib.copy()
    assert tracker.sample() is not blinded
    assert tracker.blinded is blinded
    if blinded:
        np.testing.assert_array_equal(tracker.q_ib, before)


@pytest.mark.parametrize(("above_limb_deg", "blinded"), [(24.9, True), (25.1, False), (-10.0, True)])
def test_star_tracker_is_blinded_by_the_lit_earth_within_its_exclusion_of_the_limb(
    sunlit, above_limb_deg, blinded
):
    """The boresight `above_limb_deg` above the Earth's limb (asin(R / r) from nadir), away from the sun."""
    spec = StarTrackerSpec()
    tracker = SimStarTracker(sunlit.q_ib, spec, model_seed(1, "star_tracker"), sunlit)
    nadir_i = -unit(sunlit.r_eci)
    earth_radius_rad = np.arcsin(EARTH_RADIUS_M / np.linalg.norm(sunlit.r_eci))
    boresight_i = tilted(nadir_i, sun_from_satellite(sunlit), earth_radius_rad + np.deg2rad(above_limb_deg))
    np.copyto(sunlit.q_ib, attitude_pointing(boresight_i, spec))
    assert tracker.sample() is not blinded
    assert tracker.blinded is blinded


def test_star_tracker_is_not_blinded_by_the_night_earth_nor_the_hidden_sun(world):
    """In umbra (the default epoch), looking at the Earth or straight at the sun behind it gives readings."""
    assert world.c.sun_fraction == 0.0
    spec = StarTrackerSpec()
    tracker = SimStarTracker(world.q_ib, spec, model_seed(1, "star_tracker"))
    in_world = SimStarTracker(world.q_ib, spec, model_seed(1, "star_tracker"), world)
    for boresight_i in (-unit(world.r_eci), sun_from_satellite(world)):
        np.copyto(world.q_ib, attitude_pointing(boresight_i, spec))
        assert in_world.sample() and tracker.sample()
        assert not in_world.blinded
        np.testing.assert_array_equal(
            in_world.q_ib, tracker.q_ib
        )  # the same draws as a tracker without a sky
        world.step(1.0)


# --- magnetometer ----------------------------------------------------------------------------


def test_magnetometer_reading_is_rotated_field_plus_bias_plus_noise(world):
    """reading = R(q_ib)^T b_eci (scipy) + bias + N(0, noise) per axis, over random attitudes."""
    spec = MagnetometerSpec(noise_t=100e-9, bias_b_t=(300e-9, -200e-9, 150e-9))
    magnetometer = SimMagnetometer(world, spec, model_seed(1, "magnetometer"))
    n = 20_000
    q_all = random_attitudes(n, seed=31)
    b_eci_t = world.b_eci_t.copy()
    assert 1e-5 < np.linalg.norm(b_eci_t) < 7e-5  # a LEO field, so the check is not vacuous
    readings = np.empty((n, 3))
    for k in range(n):
        np.copyto(world.q_ib, q_all[k])
        assert magnetometer.sample()
        readings[k] = magnetometer.b_b_t
    truth_b = Rotation.from_quat(q_all).inv().apply(b_eci_t)
    assert_white_noise(readings - truth_b, np.array(spec.bias_b_t), spec.noise_t)


def dipole_field_t(m_am2: np.ndarray, r_m: np.ndarray) -> np.ndarray:
    """Field of a point dipole m at displacement r from it: mu0 / (4 pi) (3 (m . r^) r^ - m) / |r|^3."""
    d = np.linalg.norm(r_m)
    r_hat = r_m / d
    return MU0_OVER_4PI_T_M_A * (3.0 * (m_am2 @ r_hat) * r_hat - m_am2) / d**3


def test_default_torquer_coupling_is_the_rods_dipole_fields_at_the_magnetometer():
    """Each rod a point dipole along its axis ~0.6 m from the magnetometer: the coupling is its field per
    A m^2, of the stated ~1e-7 to 5e-7 T per A m^2 on every axis (zero on none)."""
    offsets_m = [(0.15, 0.55, 0.2), (0.55, 0.15, 0.2), (0.25, 0.3, 0.45)]
    coupling = MagnetometerSpec().torquer_coupling_t_per_am2
    m_am2 = np.array([12.0, -7.0, 3.0])
    expected = sum(dipole_field_t(m_am2[j] * np.eye(3)[j], np.array(offsets_m[j])) for j in range(3))
    np.testing.assert_allclose(coupling @ m_am2, expected, rtol=1e-12, atol=1e-20)
    assert np.abs(coupling).min() >= 1e-7
    assert np.abs(coupling).max() <= 6e-7


def test_magnetometer_adds_the_coupling_times_the_worlds_applied_dipole(world):
    """Noise-free: reading(m) - reading(0) = C m, with m the world's applied dipole (world.c.mtq)."""
    spec = MagnetometerSpec(noise_t=0.0)
    magnetometer = SimMagnetometer(world, spec, model_seed(1, "magnetometer"))
    assert magnetometer.sample()
    quiet = magnetometer.b_b_t.copy()
    m_am2 = [20.0, -10.0, 5.0]
    world.c.mtq.dipole_applied_am2 = m_am2
    assert magnetometer.sample()
    np.testing.assert_allclose(
        magnetometer.b_b_t - quiet, spec.torquer_coupling_t_per_am2 @ m_am2, rtol=0.0, atol=1e-18
    )


# --- sun sensor ------------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, 0.2, 0.4])
def test_sun_sensor_invalid_below_half_disk_gives_zero_vector(world, fraction):
    """Validity is judged on the heads' currents: a fit shorter than half of full sun is no sun."""
    sensor = SimSunSensor(world, SunSensorSpec(), model_seed(1, "sun_sensor"))
    world.c.sun_fraction = 0.6
    assert sensor.sample()
    world.c.sun_fraction = fraction
    assert not sensor.sample()
    np.testing.assert_array_equal(sensor.s_b, [0.0, 0.0, 0.0])


def test_sun_sensor_is_blind_in_the_real_umbra_of_the_default_epoch(world):
    """The default scenario starts in the Earth's shadow (sun behind the Earth as seen from the satellite)."""
    sun_dir = sun_from_satellite(world)
    assert sun_dir @ world.r_eci < -np.sqrt(np.dot(world.r_eci, world.r_eci) - 6.4e6**2)  # behind the limb
    assert world.c.sun_fraction == 0.0
    sensor = SimSunSensor(world, SunSensorSpec(), model_seed(1, "sun_sensor"))
    for _ in range(100):
        assert not sensor.sample()
        np.testing.assert_array_equal(sensor.s_b, [0.0, 0.0, 0.0])


def fit_over(normals: np.ndarray, currents_a: np.ndarray, scale_a: float, use: np.ndarray) -> np.ndarray:
    """Least-squares sun vector over the heads in `use` (numpy lstsq, minimum norm when under-determined)."""
    if not use.any():
        return np.zeros(3)
    return np.linalg.lstsq(normals[use], currents_a[use] / scale_a, rcond=None)[0]


def sunlit_sweep(world: World, spec: SunSensorSpec, n: int, seed: int):
    """Truth sun directions in body, head currents and readings over n random attitudes."""
    sensor = SimSunSensor(world, spec, model_seed(1, "sun_sensor"))
    q_all = random_attitudes(n, seed)
    truth_b = Rotation.from_quat(q_all).inv().apply(sun_from_satellite(world))
    currents, readings = np.empty((n, len(spec.head_normal_b))), np.empty((n, 3))
    for k in range(n):
        np.copyto(world.q_ib, q_all[k])
        assert sensor.sample()
        currents[k], readings[k] = sensor.current_a, sensor.s_b
    return truth_b, currents, readings


def test_sun_sensor_head_currents_are_cosine_law_plus_noise(sunlit):
    spec = SunSensorSpec()
    truth_b, currents, _ = sunlit_sweep(sunlit, spec, 20_000, seed=41)
    expected = spec.full_sun_current_a * np.clip(truth_b @ spec.head_normal_b.T, 0.0, None)
    residuals = currents - expected
    for pair in (slice(0, 3), slice(3, 6)):
        assert_white_noise(residuals[:, pair], 0.0, spec.noise_a)


def test_sun_sensor_direction_is_the_two_pass_least_squares_fit_over_lit_then_facing_heads(sunlit):
    """Against numpy lstsq: first over the heads above the lit threshold, then over the heads whose normal
    faces that first fit; the reading is the second fit normalised (the C fit's 1e-9 damping aside)."""
    spec = SunSensorSpec()
    normals = spec.head_normal_b
    _, currents, readings = sunlit_sweep(sunlit, spec, 5_000, seed=43)
    for current_a, reading in zip(currents, readings, strict=True):
        first = fit_over(normals, current_a, spec.full_sun_current_a, current_a > spec.lit_threshold_a)
        second = fit_over(normals, current_a, spec.full_sun_current_a, normals @ first > 0.0)
        np.testing.assert_allclose(reading, unit(second), atol=1e-8)


def test_sun_sensor_reading_is_a_unit_vector_within_its_noise_of_the_sun(sunlit):
    """Three orthogonal lit heads give the sun vector plus isotropic noise sigma_I / I_full (0.57 deg) per
    axis; choosing the facing head of a pair near its terminator adds a little: the per-axis RMS across
    the sun line is within 15 % of it, and no error exceeds 7 of it."""
    spec = SunSensorSpec()
    sigma_rad = spec.noise_a / spec.full_sun_current_a
    truth_b, _, readings = sunlit_sweep(sunlit, spec, 20_000, seed=41)
    np.testing.assert_allclose(np.linalg.norm(readings, axis=1), 1.0, atol=1e-14)
    angle_rad = np.arctan2(
        np.linalg.norm(np.cross(truth_b, readings), axis=1), np.sum(truth_b * readings, axis=1)
    )
    per_axis_rms_rad = np.sqrt(np.mean(angle_rad**2) / 2.0)
    assert sigma_rad <= per_axis_rms_rad < 1.15 * sigma_rad
    assert angle_rad.max() < 7.0 * sigma_rad


# --- GNSS ------------------------------------------------------------------------------------


def eci_to_ecef(gmst_rad: float, r_eci: np.ndarray, v_eci: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ECEF = R_z(GMST) TEME (frame rotation), v_ecef = R v_eci - omega x r_ecef."""
    c, s = np.cos(gmst_rad), np.sin(gmst_rad)
    rot = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    r_ecef = rot @ r_eci
    v_ecef = rot @ v_eci - np.cross([0.0, 0.0, OMEGA_EARTH_WGS84_RAD_S], r_ecef)
    return r_ecef, v_ecef


def test_eci_to_ecef_reference_puts_greenwich_on_x_and_removes_earth_rotation():
    """Sanity of the test's own reference: a point co-rotating with the Earth has zero ECEF velocity."""
    gmst = 1.234
    r_eci = 7e6 * np.array([np.cos(gmst), np.sin(gmst), 0.0])
    v_eci = np.cross([0.0, 0.0, OMEGA_EARTH_WGS84_RAD_S], r_eci)
    r_ecef, v_ecef = eci_to_ecef(gmst, r_eci, v_eci)
    np.testing.assert_allclose(r_ecef, [7e6, 0.0, 0.0], atol=1e-8)
    np.testing.assert_allclose(v_ecef, 0.0, atol=1e-10)


NO_OUTAGES = GnssSpec(outage_gap_mean_s=math.inf)


def test_gnss_ecef_reading_minus_independent_rotation_has_stated_std(world):
    """One fix a second (the world's clock set here), at random GMST, without outages."""
    spec = NO_OUTAGES
    gnss = SimGnss(world, spec, model_seed(1, "gnss"))
    n = 20_000
    gmst_all = np.random.default_rng(51).uniform(0.0, 2.0 * np.pi, n)
    r_eci, v_eci = world.r_eci.copy(), world.v_eci.copy()
    res_r, res_v = np.empty((n, 3)), np.empty((n, 3))
    for k in range(n):
        world.c.t_s = float(k)
        world.c.gmst_rad = gmst_all[k]
        assert gnss.sample()
        r_ecef, v_ecef = eci_to_ecef(gmst_all[k], r_eci, v_eci)
        res_r[k] = gnss.r_ecef_m - r_ecef
        res_v[k] = gnss.v_ecef_m_s - v_ecef
    assert_white_noise(res_r, 0.0, spec.noise_pos_m)
    assert_white_noise(res_v, 0.0, spec.noise_vel_m_s)
    assert abs(np.corrcoef(res_r[:, 0], res_v[:, 0])[0, 1]) < FIVE_SIGMA / np.sqrt(n)


def test_gnss_fixes_once_a_second_when_sampled_at_the_tick(world):
    """World time summed in 0.1 s steps (0.9999999999999999 after ten): fixes at every tenth sample."""
    gnss = SimGnss(world, NO_OUTAGES, model_seed(1, "gnss"))
    got = []
    for _ in range(100):
        before = gnss.r_ecef_m.copy()
        got.append(gnss.sample())
        if not got[-1]:
            np.testing.assert_array_equal(gnss.r_ecef_m, before)
        world.c.t_s += TICK_S
    assert got == ([True] + [False] * 9) * 10


def test_gnss_outages_have_exponential_gaps_and_durations_of_the_stated_means(world):
    """Sampled each second for ~1700 outage cycles: no fix exactly inside each outage [start, end) the
    receiver schedules; the gaps and durations it draws have the stated means and an exponential's
    std = mean (5 standard errors: mean / sqrt(n) of the mean, mean sqrt(2 / n) of the std)."""
    spec = GnssSpec(outage_gap_mean_s=100.0, outage_mean_s=20.0)
    gnss = SimGnss(world, spec, model_seed(1, "gnss"))
    outages = set()
    for k in range(200_000):
        world.c.t_s = float(k)
        fixed = gnss.sample()
        start_s, end_s = gnss.outage_s
        outages.add((start_s, end_s))
        assert fixed is not (start_s <= k < end_s)
    spans = np.array(sorted(outages))
    spans = spans[spans[:, 1] < 200_000.0]
    durations = spans[:, 1] - spans[:, 0]
    gaps = spans[1:, 0] - spans[:-1, 1]
    for draws, mean in ((durations, spec.outage_mean_s), (gaps, spec.outage_gap_mean_s)):
        n = len(draws)
        assert n > 1500
        assert abs(draws.mean() - mean) < FIVE_SIGMA * mean / np.sqrt(n)
        assert abs(draws.std() - mean) < FIVE_SIGMA * mean * np.sqrt(2.0 / n)


# --- reaction wheels -------------------------------------------------------------------------


def standalone_wheels(torque_max_nm=0.2, speed_max_rad_s=600.0, n=4):
    """A bare zk_wheels struct of n wheels (limits only: no friction, noise or look-ahead) behind
    SimReactionWheels, with a speed array the test controls."""
    c = ffi.new("zk_wheels *")
    c.n = n
    c.torque_max_nm[0:n] = list(np.broadcast_to(torque_max_nm, (n,)).astype(float))
    c.speed_max_rad_s[0:n] = list(np.broadcast_to(speed_max_rad_s, (n,)).astype(float))
    speed_rad_s = np.zeros(n)
    wheels = SimReactionWheels(c, speed_rad_s, WheelSpec().axis_b, WheelSpec().inertia_kg_m2)
    return wheels, speed_rad_s, c


def spec_wheels(spec: WheelSpec, seed: int = 1):
    """Wheels of a spec (friction, noise, look-ahead over the tick) over a bare struct and a speed array."""
    speed_rad_s = np.zeros(spec.n)
    c = ffi.new("zk_wheels *")
    wheels = SimReactionWheels.from_spec(c, speed_rad_s, spec, model_seed(seed, "wheels"), TICK_S)
    return wheels, speed_rad_s, c


def update(c, speed_rad_s: np.ndarray) -> None:
    """What the world does at the start of a step: the torques acting on the wheels over it."""
    lib.zk_wheels_update(c, ptr(speed_rad_s))


def applied(wheels: SimReactionWheels, cmd_nm) -> np.ndarray:
    wheels.torque_cmd_nm[:] = cmd_nm
    wheels.apply()
    return wheels.torque_applied_nm.copy()


def test_wheel_torque_is_clamped_to_plus_minus_torque_max():
    wheels, _, _ = standalone_wheels(torque_max_nm=[0.2, 0.2, 0.1, 0.05])
    np.testing.assert_array_equal(applied(wheels, [0.5, -0.5, 0.07, -1e9]), [0.2, -0.2, 0.07, -0.05])
    np.testing.assert_array_equal(applied(wheels, [0.2, -0.2, -0.1, 0.0]), [0.2, -0.2, -0.1, 0.0])
    np.testing.assert_array_equal(applied(wheels, [np.inf, -np.inf, 0.0, 0.0]), [0.2, -0.2, 0.0, 0.0])


def test_wheel_torque_never_drives_a_wheel_beyond_its_speed_limit_but_may_brake_it():
    """Without the look-ahead (no step known): a torque outward at or beyond the limit is refused."""
    wheels, speed_rad_s, _ = standalone_wheels(speed_max_rad_s=600.0)
    speed_rad_s[:] = [600.0, 600.0, -600.0, -650.0]  # at or beyond the limit
    np.testing.assert_array_equal(applied(wheels, [0.1, -0.1, -0.1, 0.1]), [0.0, -0.1, 0.0, 0.1])
    np.testing.assert_array_equal(applied(wheels, [0.1, 0.1, -0.1, -0.1]), [0.0, 0.0, 0.0, 0.0])
    speed_rad_s[:] = [599.9, -599.9, 0.0, 650.0]
    np.testing.assert_array_equal(applied(wheels, [0.1, -0.1, 0.1, 0.1]), [0.1, -0.1, 0.1, 0.0])


def test_wheel_look_ahead_stops_a_wheel_at_its_speed_limit_and_brakes_one_beyond_it():
    """With the tick and inertia known, a torque acting for one tick leaves |speed| <= speed_max:
    u <= I (speed_max - speed) / dt; beyond the limit that forces braking, up to the torque limit."""
    spec = WheelSpec()
    wheels, speed_rad_s, _ = spec_wheels(spec)
    top, k = spec.speed_max_rad_s, spec.inertia_kg_m2 / TICK_S
    speed_rad_s[:] = [top - 1.0, -top + 1.0, top + 2.0, top + 100.0]
    got = applied(wheels, [1.0, -1.0, 0.0, 0.0])
    np.testing.assert_allclose(got, [k * 1.0, -k * 1.0, -k * 2.0, -spec.torque_max_nm], rtol=1e-9)
    speed_rad_s[:] = [top - 1.0, 0.0, -top, 100.0]
    np.testing.assert_allclose(applied(wheels, [-0.05, 0.05, -0.05, 0.05]), [-0.05, 0.05, 0.0, 0.05])


def test_wheel_nan_command_gives_zero_torque():
    wheels, _, _ = standalone_wheels()
    np.testing.assert_array_equal(applied(wheels, [np.nan, 0.1, np.nan, -0.1]), [0.0, 0.1, 0.0, -0.1])


def test_wheel_sample_reads_the_truth_speeds():
    wheels, speed_rad_s, _ = standalone_wheels()
    speed_rad_s[:] = [1.0, -2.0, 3.0, -4.0]
    assert wheels.sample()
    np.testing.assert_array_equal(wheels.speed_rad_s, [1.0, -2.0, 3.0, -4.0])


def test_wheel_net_torque_is_motor_minus_coulomb_and_viscous_friction():
    """Noise-free: net = u - c sign(speed) - v speed while spinning; from rest, the motor must beat the
    Coulomb friction c (then net = u - c sign(u)); a wheel whose motor cannot (|u| <= c) and that would
    reverse within the tick stops at rest instead: net = -I speed / dt."""
    spec = WheelSpec(torque_noise_nm=0.0)
    wheels, speed_rad_s, c = spec_wheels(spec)
    c_nm, v_nm_s, k = spec.friction_coulomb_nm, spec.friction_viscous_nm_s, spec.inertia_kg_m2 / TICK_S
    speed_rad_s[:] = [300.0, -300.0, 0.0, 0.0]
    applied(wheels, [0.05, 0.0, 0.001, -0.005])
    update(c, speed_rad_s)
    expected = [0.05 - c_nm - v_nm_s * 300.0, c_nm + v_nm_s * 300.0, 0.0, -0.005 + c_nm]
    np.testing.assert_allclose(wheels.torque_net_nm, expected, rtol=1e-12)
    np.testing.assert_array_equal(wheels.torque_motor_nm, wheels.torque_applied_nm)

    speed_rad_s[:] = [0.05, -0.05, 0.05, 1.0]  # c dt / I = 0.084 rad/s: the first three would reverse
    applied(wheels, [0.0, 0.001, 0.01, 0.0])
    update(c, speed_rad_s)
    expected = [-k * 0.05, k * 0.05, 0.01 - c_nm - v_nm_s * 0.05, -c_nm - v_nm_s * 1.0]
    np.testing.assert_allclose(wheels.torque_net_nm, expected, rtol=1e-12)
    # the default friction of the 1.5 N m s class: ~8 mN m of drag at full speed
    assert c_nm + v_nm_s * spec.speed_max_rad_s == pytest.approx(8.28e-3, rel=1e-3)


def test_wheel_motor_torque_noise_is_white_with_the_stated_sigma():
    spec = WheelSpec()
    wheels, speed_rad_s, c = spec_wheels(spec)
    speed_rad_s[:] = [300.0, -300.0, 100.0, 0.0]
    applied(wheels, [0.05, -0.05, 0.0, 0.1])
    n = 20_000
    noise = np.empty((n, spec.n))
    for k in range(n):
        update(c, speed_rad_s)
        noise[k] = wheels.torque_motor_nm - wheels.torque_applied_nm
    assert_white_noise(noise, 0.0, spec.torque_noise_nm)
    friction = wheels.torque_motor_nm - wheels.torque_net_nm
    c_nm, v_nm_s = spec.friction_coulomb_nm, spec.friction_viscous_nm_s
    np.testing.assert_allclose(
        friction, [c_nm + 300 * v_nm_s, -c_nm - 300 * v_nm_s, c_nm + 100 * v_nm_s, c_nm]
    )


def test_positive_wheel_torque_spins_the_wheel_up_in_the_world():
    """The sign the speed limit relies on: over dt, dOmega = u dt / I_s (the body's reaction a . dw is
    I_s / J ~ 2e-4 of it). At the limit a spin-up command is refused, so the wheel's absolute momentum
    h = I_s (a . w + Omega) stays put (its relative speed still moves a little with the body rate);
    a braking command is taken: dh = u dt. Frictionless, noiseless wheels (a bare struct's)."""
    scenario = Scenario()
    spec = scenario.spacecraft.wheels
    world = build_world(scenario)
    wheels = SimReactionWheels(world.wheels_c, world.wheel_speed_rad_s, spec.axis_b, spec.inertia_kg_m2)
    dt_s, u_nm = 0.1, 0.1
    before = world.wheel_speed_rad_s.copy()
    wheels.torque_cmd_nm[:] = [u_nm, 0.0, 0.0, 0.0]
    wheels.apply()
    world.step(dt_s)
    assert world.wheel_speed_rad_s[0] - before[0] == pytest.approx(u_nm * dt_s / spec.inertia_kg_m2, rel=1e-3)

    at_limit = World(
        scenario.spacecraft,
        world.c.jd_epoch_utc,
        world.r_eci,
        world.v_eci,
        world.q_ib,
        world.w_b,
        np.array([spec.speed_max_rad_s, 0.0, 0.0, 0.0]),
    )
    wheels = SimReactionWheels(at_limit.wheels_c, at_limit.wheel_speed_rad_s, spec.axis_b, spec.inertia_kg_m2)
    h_at_limit_nms = at_limit.c.att.h_wheel[0]
    wheels.torque_cmd_nm[:] = [spec.torque_max_nm, 0.0, 0.0, 0.0]
    for _ in range(10):
        wheels.apply()
        at_limit.step(dt_s)
    assert at_limit.c.att.h_wheel[0] == h_at_limit_nms  # dh/dt = u = 0: not driven further out
    wheels.torque_cmd_nm[:] = [-spec.torque_max_nm, 0.0, 0.0, 0.0]
    wheels.apply()
    at_limit.step(dt_s)
    assert at_limit.c.att.h_wheel[0] - h_at_limit_nms == pytest.approx(-spec.torque_max_nm * dt_s, rel=1e-12)


# --- magnetorquers ---------------------------------------------------------------------------


def test_magnetorquers_clamp_each_axis_to_its_own_limit_and_nan_gives_zero():
    c = ffi.new("zk_magnetorquers *")
    c.dipole_max_am2 = [20.0, 10.0, 5.0]
    mtq = SimMagnetorquers(c)
    mtq.dipole_cmd_am2[:] = [30.0, -30.0, 2.0]
    mtq.apply()
    np.testing.assert_array_equal(list(c.dipole_applied_am2), [20.0, -10.0, 2.0])
    mtq.dipole_cmd_am2[:] = [np.nan, 4.0, -np.inf]
    mtq.apply()
    np.testing.assert_array_equal(list(c.dipole_applied_am2), [0.0, 4.0, -5.0])


def test_magnetorquer_dipole_noise_is_white_with_the_stated_sigma_and_never_beyond_the_limit():
    spec = MagnetorquerSpec()
    mtq = SimMagnetorquers.from_spec(ffi.new("zk_magnetorquers *"), spec, model_seed(1, "magnetorquers"))
    mtq.dipole_cmd_am2[:] = [5.0, -5.0, 0.0]
    n = 20_000
    noise = np.empty((n, 3))
    for k in range(n):
        mtq.apply()
        noise[k] = mtq.dipole_applied_am2 - mtq.dipole_cmd_am2
    assert_white_noise(noise, 0.0, spec.dipole_noise_am2)
    mtq.dipole_cmd_am2[:] = [spec.dipole_max_am2, -1e9, np.inf]
    for _ in range(100):
        mtq.apply()
        assert np.all(np.abs(mtq.dipole_applied_am2) <= spec.dipole_max_am2)


# --- reproducibility -------------------------------------------------------------------------


def draw_all(devices, n: int = 200) -> dict[str, np.ndarray]:
    """n samples of every sensor of a device set, sampled in turn."""
    out = {name: [] for name in ("gyro", "star_tracker", "magnetometer", "sun_sensor", "gnss")}
    for _ in range(n):
        for name, reading in (
            ("gyro", lambda: devices.gyro.rate_b),
            ("star_tracker", lambda: devices.star_tracker.q_ib),
            ("magnetometer", lambda: devices.magnetometer.b_b_t),
            ("sun_sensor", lambda: devices.sun_sensor.s_b),
            ("gnss", lambda: np.concatenate([devices.gnss.r_ecef_m, devices.gnss.v_ecef_m_s])),
        ):
            getattr(devices, name).sample()
            out[name].append(reading().copy())
    return {name: np.array(values) for name, values in out.items()}


def sun_forced_world(scenario: Scenario) -> World:
    world = build_world(scenario)
    world.c.sun_fraction = 1.0  # so the sun sensor's readings are not all zero
    return world


def test_same_seed_gives_bit_identical_readings():
    scenario = Scenario(seed=42)
    first = draw_all(simulated_devices(sun_forced_world(scenario), scenario))
    second = draw_all(simulated_devices(sun_forced_world(scenario), scenario))
    for name in first:
        assert first[name].tobytes() == second[name].tobytes(), name
    other = draw_all(simulated_devices(sun_forced_world(Scenario(seed=43)), Scenario(seed=43)))
    for name in first:
        assert not np.array_equal(first[name], other[name]), name


def spec_devices(world: World, spacecraft: Spacecraft, seed: int) -> dict:
    """Every simulated device of the spacecraft from its spec, over the world, sampled at the tick."""
    return {
        "gyro": SimGyro.from_spec(world.w_b, spacecraft.gyro, TICK_S, model_seed(seed, "gyro")),
        "star_tracker": SimStarTracker(
            world.q_ib, spacecraft.star_tracker, model_seed(seed, "star_tracker"), world
        ),
        "magnetometer": SimMagnetometer(world, spacecraft.magnetometer, model_seed(seed, "magnetometer")),
        "sun_sensor": SimSunSensor(world, spacecraft.sun_sensor, model_seed(seed, "sun_sensor")),
        "gnss": SimGnss(world, spacecraft.gnss, model_seed(seed, "gnss")),
        "wheels": SimReactionWheels.from_spec(
            world.wheels_c, world.wheel_speed_rad_s, spacecraft.wheels, model_seed(seed, "wheels"), TICK_S
        ),
        "magnetorquers": SimMagnetorquers.from_spec(
            world.magnetorquers_c, spacecraft.magnetorquers, model_seed(seed, "magnetorquers")
        ),
    }


def run_frames(seed: int, frames: int = 300) -> np.ndarray:
    """Every reading and actuator output of `frames` ticks in a sunlit world, the world stepped between
    (the wheels' net torques computed as the world will at the start of each step)."""
    world = stepped_to_sunlight()
    devices = spec_devices(world, Spacecraft(), seed)
    sensors = {
        "gyro": "rate_b",
        "star_tracker": "q_ib",
        "magnetometer": "b_b_t",
        "sun_sensor": "current_a",
        "gnss": "r_ecef_m",
        "wheels": "speed_rad_s",
    }
    rows = []
    for k in range(frames):
        row = []
        for name, reading in sensors.items():
            row += [float(devices[name].sample()), *getattr(devices[name], reading)]
        devices["wheels"].torque_cmd_nm[:] = 0.01 * np.sin(0.1 * k + np.arange(4))
        devices["wheels"].apply()
        devices["magnetorquers"].dipole_cmd_am2[:] = [5.0, -5.0, 2.0]
        devices["magnetorquers"].apply()
        update(world.wheels_c, world.wheel_speed_rad_s)
        row += [*devices["wheels"].torque_net_nm, *devices["magnetorquers"].dipole_applied_am2]
        rows.append(row)
        world.step(TICK_S)
    return np.array(rows)


def test_same_seed_gives_bit_identical_devices_from_their_specs_and_another_seed_does_not():
    first, second, other = run_frames(42), run_frames(42), run_frames(43)
    assert first.tobytes() == second.tobytes()
    readings = first[:, 1:4]  # the gyro's
    assert not np.array_equal(readings, other[:, 1:4])


def test_seed_generator_loads_the_seed_sequence_state_into_the_c_generator():
    seq = model_seed(42, "gyro")
    rng = ffi.new("zk_rng *")
    seed_generator(rng, seq)
    assert [rng.s[i] for i in range(4)] == [int(x) for x in seq.generate_state(4, np.uint64)]


def test_different_device_names_give_independent_streams():
    """Two gyros of one run seed with different names: noise streams uncorrelated at any small lag."""
    n, zero = 20_000, (0.0, 0.0, 0.0)
    a = SimGyro(np.zeros(3), 1.0, zero, model_seed(7, "gyro"))
    b = SimGyro(np.zeros(3), 1.0, zero, model_seed(7, "gyro_redundant"))
    xa, xb = np.empty((n, 3)), np.empty((n, 3))
    for k in range(n):
        a.sample()
        b.sample()
        xa[k], xb[k] = a.rate_b, b.rate_b
    for lag in range(3):
        for axis in range(3):
            r = np.corrcoef(xa[lag:, axis], xb[: n - lag, axis])[0, 1]
            assert abs(r) < FIVE_SIGMA / np.sqrt(n)


def test_adding_a_device_does_not_change_another_devices_draws():
    """Seeds derive from names, not creation order: an extra device created first, and every other
    device sampled in between, leave the gyro's readings bit-identical."""
    scenario = Scenario(seed=5)
    alone = simulated_devices(sun_forced_world(scenario), scenario)
    reference = np.array([(alone.gyro.sample(), alone.gyro.rate_b.copy())[1] for _ in range(500)])

    world = sun_forced_world(scenario)
    extra = SimGyro(world.w_b, 1e-3, (0.0, 0.0, 0.0), model_seed(scenario.seed, "gyro_redundant"))
    extra_tracker = SimStarTracker(world.q_ib, StarTrackerSpec(), model_seed(scenario.seed, "star_tracker_2"))
    devices = simulated_devices(world, scenario)
    readings = []
    for _ in range(500):
        extra.sample()
        extra_tracker.sample()
        devices.star_tracker.sample()
        devices.gyro.sample()
        devices.sun_sensor.sample()
        readings.append(devices.gyro.rate_b.copy())
    assert np.array(readings).tobytes() == reference.tobytes()


def test_spec_figures_are_the_documented_hardware_classes():
    """Guards against a unit slip in the spec (arcsec vs rad, deg vs rad, h vs s) that the statistics
    would follow."""
    tracker = StarTrackerSpec()
    assert tracker.noise_cross_rad == pytest.approx(5.0 / 206264.80624709636, rel=1e-12)
    assert tracker.noise_about_rad == pytest.approx(35.0 * ARCSEC, rel=1e-12)
    assert (
        tracker.update_hz,
        np.rad2deg(tracker.sun_exclusion_rad),
        np.rad2deg(tracker.earth_exclusion_rad),
    ) == (
        pytest.approx(5.0),
        pytest.approx(40.0),
        pytest.approx(25.0),
    )
    gyro = GyroSpec()
    # 0.01 deg / sqrt(h) angle random walk over a 0.1 s sample; 0.1 deg/h; 0.03 deg/h/sqrt(h)
    assert gyro.noise_rad_s(TICK_S) == pytest.approx(np.deg2rad(0.01) / 60.0 / np.sqrt(0.1), rel=1e-12)
    assert gyro.bias_instability_rad_s == pytest.approx(np.deg2rad(0.1) / 3600.0, rel=1e-12)
    assert gyro.rate_random_walk_rad_s_sqrt_s == pytest.approx(np.deg2rad(0.03) / 3600.0 / 60.0, rel=1e-12)
    sun = SunSensorSpec()
    assert np.rad2deg(sun.noise_a / sun.full_sun_current_a) == pytest.approx(0.573, abs=1e-3)
    assert MagnetometerSpec().noise_t == pytest.approx(100e-9)
    gnss = GnssSpec()
    assert (gnss.noise_pos_m, gnss.noise_vel_m_s, gnss.fix_hz) == (5.0, 0.05, 1.0)
    wheels = WheelSpec()
    assert wheels.friction_coulomb_nm == pytest.approx(2e-3) and wheels.torque_noise_nm == pytest.approx(2e-4)
