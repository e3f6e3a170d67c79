"""The capture's attitude smoothed over the star-tracker readings on both sides of it, against a truth
integrated with scipy's Rotation: a spacecraft turning at up to ~0.8 deg/s, a navigation-grade gyro
(bias and angle random walk), a star tracker (5" cross, 35" about its boresight, 5 Hz) blinded from 25 s
before a 6 s capture to 8 s after it, as in the sun-blinded captures of the world-wide day."""

import math

import numpy as np
from scipy.spatial.transform import Rotation

from flight.adcs.estimator import AttitudeEstimator, GyroModel
from flight.payload.attitude_smoothing import POST_READINGS, WAIT_MAX_S, CaptureAttitude
from native import ptr

ARCSEC = math.pi / 180.0 / 3600.0
DT_S = 0.1
GYRO = GyroModel.from_datasheet(
    arw_rad_sqrt_s=0.01 * math.pi / 180.0 / 60.0,
    rrw_rad_s_sqrt_s=0.03 * math.pi / 180.0 / 3600.0 / 60.0,
    bias_instability_rad_s=0.1 * math.pi / 180.0 / 3600.0,
    floor_from_s=100.0,
)
CROSS_RAD, ABOUT_RAD = 5.0 * ARCSEC, 35.0 * ARCSEC
Q_BS = Rotation.from_rotvec([math.pi, 0.0, 0.0]).as_quat()  # the tracker looks along -Z_B
CAPTURE_S = (60.0, 66.0)
BLIND_S = (35.0, 74.0)


def rate_rad_s(t_s: float) -> np.ndarray:
    """A target-tracking-like turn: ~0.8 deg/s about Y, slowly changing, with small X and Z terms."""
    return np.radians([0.05 * math.sin(0.05 * t_s), 0.8 - 0.004 * t_s, 0.03 * math.cos(0.03 * t_s)])


def boresight_error_arcsec(q_est: np.ndarray, q_true: Rotation) -> float:
    z_est = Rotation.from_quat(q_est).apply([0.0, 0.0, 1.0])
    z_true = q_true.apply([0.0, 0.0, 1.0])
    return math.degrees(math.atan2(np.linalg.norm(np.cross(z_est, z_true)), z_est @ z_true)) * 3600.0


def fly(seed: int, blind_s: tuple[float, float] = BLIND_S):
    """The forward filter over 90 s, a record from the capture's start; the truth at the capture ticks."""
    rng = np.random.default_rng(seed)
    bias = np.radians([0.1, -0.07, 0.05]) / 3600.0
    q_true = Rotation.from_quat([0.1, 0.2, 0.3, 0.9])
    forward = AttitudeEstimator(GYRO, Q_BS, CROSS_RAD, ABOUT_RAD)
    forward.init(ptr(q_true.as_quat()), 100.0 * ARCSEC, 1.0 * math.pi / 180.0 / 3600.0)
    record = CaptureAttitude(CAPTURE_S[1])
    truth = []
    sensor_sigma = np.array([CROSS_RAD, CROSS_RAD, ABOUT_RAD])
    mount = Rotation.from_quat(Q_BS)
    for k in range(1, 901):
        t_s = k * DT_S
        w = rate_rad_s(t_s - 0.5 * DT_S)
        q_true = q_true * Rotation.from_rotvec(w * DT_S)
        w_step = w + bias + GYRO.arw_rad_sqrt_s / math.sqrt(DT_S) * rng.standard_normal(3)
        forward.propagate(ptr(w_step), DT_S)
        reading = None
        blinded = blind_s[0] <= t_s <= blind_s[1]
        if k % 2 == 0 and not blinded:
            noise_b = mount.apply(sensor_sigma * rng.standard_normal(3))
            q_meas = (q_true * Rotation.from_rotvec(noise_b)).as_quat()
            if forward.update_star_tracker(ptr(q_meas)):
                reading = q_meas
        if t_s >= CAPTURE_S[0] - 1e-9:
            record.add(round(t_s, 6), w_step, reading, forward.q_ib, forward.covariance)
            if t_s <= CAPTURE_S[1] + 1e-9:
                truth.append(q_true)
        if t_s > CAPTURE_S[1] and record.ready(t_s):
            break
    return record, truth, forward


def smoothed_captures(seeds: range, **flight) -> list[tuple[CaptureAttitude, list, list]]:
    """Per seed: the capture's record, the truth and the smoothed estimates (`flight`: fly's options)."""
    captures = []
    for seed in seeds:
        record, truth, forward = fly(seed, **flight)
        backward = AttitudeEstimator(GYRO, Q_BS, CROSS_RAD, ABOUT_RAD, restart_after=0)
        captures.append((record, truth, record.smoothed(backward, forward.bias_b)))
    return captures


def rms_arcsec(captures: list[tuple[CaptureAttitude, list, list]]) -> tuple[float, float]:
    """The boresight error RMS of the real-time and of the smoothed estimates over all captures."""
    forward_errors, smoothed_errors = [], []
    for record, truth, smoothed in captures:
        forward_errors += [boresight_error_arcsec(q, t) for q, t in zip(record.q_f, truth, strict=True)]
        smoothed_errors += [boresight_error_arcsec(q, t) for q, t in zip(smoothed, truth, strict=True)]
    return math.sqrt(np.mean(np.square(forward_errors))), math.sqrt(np.mean(np.square(smoothed_errors)))


def test_smoothing_bridges_a_blinded_capture_with_the_readings_after_it():
    captures = smoothed_captures(range(3))
    for record, truth, smoothed in captures:
        assert record.posterior_readings >= POST_READINGS
        assert len(smoothed) == len(record.q_f) == len(truth)
    rms_forward, rms_smoothed = rms_arcsec(captures)
    print(f'\nboresight, blinded capture: real-time {rms_forward:.2f}", smoothed {rms_smoothed:.2f}" RMS')
    assert rms_smoothed < 0.7 * rms_forward
    assert rms_smoothed < 4.0


def test_a_capture_the_tracker_saw_through_waits_for_the_readings_after_it_and_gains():
    """Never blinded: the real-time filter at steady state; the readings on both sides reduce its error
    (two independent estimates of equal weight at mid-capture would give 1/sqrt(2))."""
    captures = smoothed_captures(range(4), blind_s=(-1.0, -1.0))
    for record, _, _ in captures:
        assert record.posterior_readings >= POST_READINGS
        assert record.t_s[-1] >= CAPTURE_S[1] + POST_READINGS * 2 * DT_S - 1e-9
    rms_forward, rms_smoothed = rms_arcsec(captures)
    print(f'\nboresight, clear capture: real-time {rms_forward:.2f}", smoothed {rms_smoothed:.2f}" RMS')
    assert rms_smoothed < 0.85 * rms_forward


def test_with_no_reading_after_the_capture_start_the_real_time_estimate_is_kept():
    record = CaptureAttitude(1.0)
    q = np.array([0.0, 0.0, 0.0, 1.0])
    for k in range(1, 12):
        record.add(k * DT_S, np.zeros(3), None, q, np.eye(9) * 1e-10)
    backward = AttitudeEstimator(GYRO, Q_BS, CROSS_RAD, ABOUT_RAD, restart_after=0)
    assert not record.ready(1.05)
    assert record.ready(1.0 + WAIT_MAX_S)
    assert all(np.array_equal(s, q) for s in record.smoothed(backward, np.zeros(3)))
