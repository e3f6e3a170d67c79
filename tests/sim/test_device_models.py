"""The simulated devices (sim/devices over native/sensors.c and native/actuators.c) against
independent references: scipy rotations for the truth each sensor should see, an ECI->ECEF
rotation built here in numpy, and sample statistics.

Statistical bounds are 5 standard errors of the estimator (mean: sigma / sqrt(n); standard
deviation: sigma / sqrt(2 (n - 1)); correlation: 1 / sqrt(n)), with fixed seeds, so a correct model
fails with probability ~1e-6 and the figures are reproducible. Tolerances are in the units of the
quantity (rad/s, rad, tesla, m, m/s, N m, A m^2).
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from native import ffi
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
    StarTrackerSpec,
    SunSensorSpec,
    WheelSpec,
)
from sim.world import World
from zorka.mission import build_world, orbit_period_s, simulated_devices
from zorka.scenario import Scenario, StartSpec

FIVE_SIGMA = 5.0
OMEGA_EARTH_WGS84_RAD_S = 7.292115e-5  # WGS-84 / IERS nominal; the C value differs by 1.5e-13 rad/s
GYRO_DT_S = 0.1


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
    return build_world(Scenario())


def random_attitudes(n: int, seed: int) -> np.ndarray:
    return Rotation.random(n, random_state=seed).as_quat()


# --- gyro ------------------------------------------------------------------------------------


def test_gyro_mean_minus_truth_is_bias_and_std_is_noise_per_axis():
    """Spec values: ~9.2e-6 rad/s white noise at 10 Hz and a ~4.8e-7 rad/s bias (16 standard errors)."""
    spec = GyroSpec()
    noise_rad_s = spec.noise_rad_s(GYRO_DT_S)
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


def test_star_tracker_boresight_is_20_deg_from_zenith_in_the_y_z_plane():
    """+Z_s is -Z_B (zenith in nadir pointing) tilted by 20 deg about X_B, towards +Y_B.

    The tilt is towards +Y_B, away from the sun: in the default 10:30 LTDN orbit the sun is on the
    -Y_B side (Y_B = -(r x v) / |r x v|, see the next test).
    """
    tilt_rad = StarTrackerSpec().boresight_tilt_rad
    assert tilt_rad == pytest.approx(20.0 * DEG)
    boresight_b = Rotation.from_quat(boresight_mount(tilt_rad)).apply([0.0, 0.0, 1.0])
    np.testing.assert_allclose(boresight_b, [0.0, np.sin(tilt_rad), -np.cos(tilt_rad)], atol=1e-15)
    # the mount is a proper rotation whose X_s stays along X_B
    np.testing.assert_allclose(
        Rotation.from_quat(boresight_mount(tilt_rad)).apply([1.0, 0.0, 0.0]), [1, 0, 0], atol=1e-15
    )


def test_star_tracker_stays_clear_of_the_sun_over_a_nadir_pointing_orbit():
    """Over one orbit of the default scenario, in nadir pointing (frame built here from r and v), the
    sunlit sun is never within 30 deg of the boresight (small trackers exclude 25-45 deg)."""
    world = build_world(Scenario(start=StartSpec(offset_deg=0.0)))
    boresight_b = Rotation.from_quat(boresight_mount(StarTrackerSpec().boresight_tilt_rad)).apply([0, 0, 1])
    angles_deg, sun_y_b = [], []
    for _ in range(int(orbit_period_s(world.r_eci, world.v_eci) // 20.0) + 1):
        r, v = world.r_eci.copy(), world.v_eci.copy()
        y = -np.cross(r, v) / np.linalg.norm(np.cross(r, v))
        z = -r / np.linalg.norm(r)
        nadir = Rotation.from_matrix(np.column_stack([np.cross(y, z), y, z]))
        sun_b = nadir.inv().apply(world.r_sun_eci - r)
        sun_b /= np.linalg.norm(sun_b)
        sun_y_b.append(sun_b[1])
        if world.c.sun_fraction > 0.0:
            angles_deg.append(np.rad2deg(np.arccos(np.clip(sun_b @ boresight_b, -1.0, 1.0))))
        world.step(20.0)
    assert max(sun_y_b) < 0.0  # the sun stays on the -Y_B side all orbit
    assert len(angles_deg) > 100
    assert min(angles_deg) > 30.0


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


# --- sun sensor ------------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, 0.2, 0.4999])
def test_sun_sensor_invalid_below_half_disk_gives_zero_vector(world, fraction):
    sensor = SimSunSensor(world, SunSensorSpec(), model_seed(1, "sun_sensor"))
    world.c.sun_fraction = 1.0
    assert sensor.sample()
    world.c.sun_fraction = fraction
    assert not sensor.sample()
    np.testing.assert_array_equal(sensor.s_b, [0.0, 0.0, 0.0])


def test_sun_sensor_is_blind_in_the_real_umbra_of_the_default_epoch(world):
    """The default scenario starts in the Earth's shadow (sun behind the Earth as seen from the satellite)."""
    sun_dir = (world.r_sun_eci - world.r_eci) / np.linalg.norm(world.r_sun_eci - world.r_eci)
    assert sun_dir @ world.r_eci < -np.sqrt(np.dot(world.r_eci, world.r_eci) - 6.4e6**2)  # behind the limb
    assert world.c.sun_fraction == 0.0
    sensor = SimSunSensor(world, SunSensorSpec(), model_seed(1, "sun_sensor"))
    assert not sensor.sample()
    np.testing.assert_array_equal(sensor.s_b, [0.0, 0.0, 0.0])


def test_sun_sensor_reading_is_unit_vector_near_true_body_sun_direction(world):
    """Truth from scipy: R(q)^T (r_sun - r_sat) normalised. Error components across the sun line are
    N(0, noise_rad) each, so the angle is Rayleigh: E[angle^2] = 2 sigma^2, and never beyond 6 sigma."""
    spec = SunSensorSpec()
    sigma_rad = spec.noise_rad
    sensor = SimSunSensor(world, spec, model_seed(1, "sun_sensor"))
    world.c.sun_fraction = 0.5
    n = 20_000
    q_all = random_attitudes(n, seed=41)
    readings = np.empty((n, 3))
    for k in range(n):
        np.copyto(world.q_ib, q_all[k])
        assert sensor.sample()
        readings[k] = sensor.s_b
    d_i = world.r_sun_eci - world.r_eci
    truth_b = Rotation.from_quat(q_all).inv().apply(d_i / np.linalg.norm(d_i))
    np.testing.assert_allclose(np.linalg.norm(readings, axis=1), 1.0, atol=1e-14)

    angle_rad = np.arctan2(
        np.linalg.norm(np.cross(truth_b, readings), axis=1), np.sum(truth_b * readings, axis=1)
    )
    mean_sq = np.mean(angle_rad**2)
    assert abs(mean_sq - 2.0 * sigma_rad**2) < FIVE_SIGMA * 2.0 * sigma_rad**2 / np.sqrt(n)
    assert angle_rad.max() < 6.0 * sigma_rad

    # the error d x s, in a tangent basis fixed by an arbitrary body axis: isotropic, sigma per component
    err = np.cross(truth_b, readings)
    e1 = np.cross(truth_b, [0.3, 0.5, 0.81])
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e2 = np.cross(truth_b, e1)
    components = np.column_stack([np.sum(err * e1, axis=1), np.sum(err * e2, axis=1)])
    assert_white_noise(components, 0.0, sigma_rad)  # sin(angle) vs angle: 1e-5 relative at 0.5 deg


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


def test_gnss_ecef_reading_minus_independent_rotation_has_stated_std(world):
    spec = GnssSpec()
    gnss = SimGnss(world, spec, model_seed(1, "gnss"))
    n = 20_000
    gmst_all = np.random.default_rng(51).uniform(0.0, 2.0 * np.pi, n)
    r_eci, v_eci = world.r_eci.copy(), world.v_eci.copy()
    res_r, res_v = np.empty((n, 3)), np.empty((n, 3))
    for k in range(n):
        world.c.gmst_rad = gmst_all[k]
        assert gnss.sample()
        r_ecef, v_ecef = eci_to_ecef(gmst_all[k], r_eci, v_eci)
        res_r[k] = gnss.r_ecef_m - r_ecef
        res_v[k] = gnss.v_ecef_m_s - v_ecef
    assert_white_noise(res_r, 0.0, spec.noise_pos_m)
    assert_white_noise(res_v, 0.0, spec.noise_vel_m_s)
    assert abs(np.corrcoef(res_r[:, 0], res_v[:, 0])[0, 1]) < FIVE_SIGMA / np.sqrt(n)


# --- reaction wheels and magnetorquers -------------------------------------------------------


def standalone_wheels(torque_max_nm=0.2, speed_max_rad_s=600.0, n=4):
    """A zk_wheels struct of n wheels behind SimReactionWheels, with a speed array the test controls."""
    c = ffi.new("zk_wheels *")
    c.n = n
    c.torque_max_nm[0:n] = list(np.broadcast_to(torque_max_nm, (n,)).astype(float))
    c.speed_max_rad_s[0:n] = list(np.broadcast_to(speed_max_rad_s, (n,)).astype(float))
    speed_rad_s = np.zeros(n)
    wheels = SimReactionWheels(c, speed_rad_s, WheelSpec().axis_b, WheelSpec().inertia_kg_m2)
    return wheels, speed_rad_s, c


def applied(wheels: SimReactionWheels, cmd_nm) -> np.ndarray:
    wheels.torque_cmd_nm[:] = cmd_nm
    wheels.apply()
    return wheels.torque_applied_nm.copy()


def test_wheel_torque_is_clamped_to_plus_minus_torque_max():
    wheels, _, _ = standalone_wheels(torque_max_nm=[0.2, 0.2, 0.1, 0.05])
    np.testing.assert_array_equal(applied(wheels, [0.5, -0.5, 0.07, -1e9]), [0.2, -0.2, 0.07, -0.05])
    np.testing.assert_array_equal(applied(wheels, [0.2, -0.2, -0.1, 0.0]), [0.2, -0.2, -0.1, 0.0])


def test_wheel_torque_never_drives_a_wheel_beyond_its_speed_limit_but_may_brake_it():
    wheels, speed_rad_s, _ = standalone_wheels(speed_max_rad_s=600.0)
    speed_rad_s[:] = [600.0, 600.0, -600.0, -650.0]  # at or beyond the limit
    np.testing.assert_array_equal(applied(wheels, [0.1, -0.1, -0.1, 0.1]), [0.0, -0.1, 0.0, 0.1])
    np.testing.assert_array_equal(applied(wheels, [0.1, 0.1, -0.1, -0.1]), [0.0, 0.0, 0.0, 0.0])
    speed_rad_s[:] = [599.9, -599.9, 0.0, 650.0]
    np.testing.assert_array_equal(applied(wheels, [0.1, -0.1, 0.1, 0.1]), [0.1, -0.1, 0.1, 0.0])


def test_wheel_nan_command_gives_zero_torque():
    wheels, _, _ = standalone_wheels()
    np.testing.assert_array_equal(applied(wheels, [np.nan, 0.1, np.nan, -0.1]), [0.0, 0.1, 0.0, -0.1])


def test_wheel_sample_reads_the_truth_speeds():
    wheels, speed_rad_s, _ = standalone_wheels()
    speed_rad_s[:] = [1.0, -2.0, 3.0, -4.0]
    assert wheels.sample()
    np.testing.assert_array_equal(wheels.speed_rad_s, [1.0, -2.0, 3.0, -4.0])


def test_positive_wheel_torque_spins_the_wheel_up_in_the_world():
    """The sign the speed limit relies on: over dt, dOmega = u dt / I_s (the body's reaction a . dw is
    I_s / J ~ 2e-4 of it). At the limit a spin-up command is refused, so the wheel's absolute momentum
    h = I_s (a . w + Omega) stays put (its relative speed still moves a little with the body rate);
    a braking command is taken: dh = u dt."""
    scenario = Scenario()
    spec = scenario.spacecraft.wheels
    world = build_world(scenario)
    wheels = simulated_devices(world, scenario).wheels
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


def sunlit_world(scenario: Scenario) -> World:
    world = build_world(scenario)
    world.c.sun_fraction = 1.0  # so the sun sensor's readings are not all zero
    return world


def test_same_seed_gives_bit_identical_readings():
    scenario = Scenario(seed=42)
    first = draw_all(simulated_devices(sunlit_world(scenario), scenario))
    second = draw_all(simulated_devices(sunlit_world(scenario), scenario))
    for name in first:
        assert first[name].tobytes() == second[name].tobytes(), name
    other = draw_all(simulated_devices(sunlit_world(Scenario(seed=43)), Scenario(seed=43)))
    for name in first:
        assert not np.array_equal(first[name], other[name]), name


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
    alone = simulated_devices(sunlit_world(scenario), scenario)
    reference = np.array([(alone.gyro.sample(), alone.gyro.rate_b.copy())[1] for _ in range(500)])

    world = sunlit_world(scenario)
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


def test_spec_noise_figures_are_the_documented_hardware_classes():
    """Guards against a unit slip in the spec (arcsec vs rad, deg vs rad) that the statistics would follow."""
    assert StarTrackerSpec().noise_cross_rad == pytest.approx(5.0 / 206264.80624709636, rel=1e-12)
    assert StarTrackerSpec().noise_about_rad == pytest.approx(35.0 * ARCSEC, rel=1e-12)
    assert SunSensorSpec().noise_rad == pytest.approx(np.deg2rad(0.5), rel=1e-12)
    # 0.01 deg / sqrt(h) angle random walk over a 0.1 s sample
    assert GyroSpec().noise_rad_s(GYRO_DT_S) == pytest.approx(
        np.deg2rad(0.01) / 60.0 / np.sqrt(0.1), rel=1e-12
    )
