"""The attitude of a capture smoothed over the star-tracker readings on both sides of it, for the product's
georeference (what ground processing of agile imagers does with their ancillary data: a forward-backward
smoother over the gyro and star-tracker record, rather than the real-time filter's estimate alone).

The real-time MEKF knows the attitude at a tick only from the readings before it. When the star tracker
is blinded through a capture (the sun within its exclusion as the spacecraft rolls towards a target on
the far side of the track: 3 captures in 11 of `examples/imaging_world_24h.toml` before the planner
learnt to keep the tracker clear, flight/payload/tracker_exclusion.py), that is ~30-40 s of gyro alone,
whose bias wander (0.1 deg/h instability) and angle random walk left 10-14" in the boresight (30-60 m
on the ground). A capture the tracker saw through gains too: the readings after it halve the variance
of the estimate at mid-capture. `CaptureAttitude` keeps, tick by tick from the capture's start, the
gyro's mean rate over the frame, each star-tracker reading the filter took and the filter's estimate
and attitude covariance; once the tracker has given `POST_READINGS` readings after the capture, a second
MEKF runs backwards from the last reading to the capture's start (the gyro rates reversed, its bias
started from the forward one's, reversed) and the two are combined at each capture tick by their
covariances (two-filter smoother, the backward side taken before the tick's own reading so that it is
not counted twice): q = q_f exp(P_f (P_f + P_b)^-1 rotvec(q_f^-1 q_b)).
"""

import math

import numpy as np

from flight.adcs.estimator import AttitudeEstimator
from native import lib, ptr

POST_READINGS = 50  # 10 s of readings after a capture: the backward filter's start
WAIT_MAX_S = 120.0  # after the capture's end, the product is georeferenced with what there is
BACKWARD_SIGMA_RAD = 100.0 * math.pi / 180.0 / 3600.0  # the backward filter's first attitude sigma


class CaptureAttitude:
    """The attitude record of one capture, from its first tick until it can be smoothed."""

    def __init__(self, t_end_s: float):
        self.t_end_s = t_end_s
        self.t_s: list[float] = []
        self.w_step_b: list[np.ndarray] = []  # gyro mean rate over the frame ending at t_s
        self.reading: list[np.ndarray | None] = []  # the star-tracker q_ib the filter took at t_s
        self.q_f: list[np.ndarray] = []  # the real-time estimate at t_s (capture ticks only)
        self.p_f: list[np.ndarray] = []  # its attitude covariance (body axes)
        self.bias_sigma_rad_s = 0.0
        self.posterior_readings = 0  # taken after the capture's end

    def add(
        self,
        t_s: float,
        w_step_b: np.ndarray,
        reading_q_ib: np.ndarray | None,
        q_ib: np.ndarray,
        covariance: np.ndarray,
    ) -> None:
        """One ADCS tick: the frame's mean gyro rate, the reading taken (None if none) and the estimate."""
        self.t_s.append(t_s)
        self.w_step_b.append(np.array(w_step_b))
        self.reading.append(None if reading_q_ib is None else np.array(reading_q_ib))
        if t_s <= self.t_end_s:
            self.q_f.append(np.array(q_ib))
            self.p_f.append(np.array(covariance[:3, :3]))
        elif reading_q_ib is not None:
            self.posterior_readings += 1
        self.bias_sigma_rad_s = math.sqrt(max(float(np.max(np.diag(covariance)[3:6])), 0.0))

    def ready(self, t_s: float) -> bool:
        """Enough readings after the capture to smooth it (or waited long enough). A capture the tracker
        saw through waits too: the readings after it halve the variance of the weak axis (35" about the
        tracker's boresight, 30 deg from the imager's, so ~17" of each reading's noise lies across the
        imager's boresight) at mid-capture, where the real-time filter has only those before it."""
        if t_s < self.t_end_s:
            return False
        return self.posterior_readings >= POST_READINGS or t_s >= self.t_end_s + WAIT_MAX_S

    def smoothed(self, backward: AttitudeEstimator, bias_b: np.ndarray) -> list[np.ndarray]:
        """The attitude at each capture tick: the real-time estimate smoothed with a backward pass of
        `backward` (a spare estimator of the flight's configuration) from the last reading; the
        real-time estimates unchanged if there is no reading after the capture's start."""
        n_capture = len(self.q_f)
        readings = [k for k, q in enumerate(self.reading) if q is not None]
        if not readings:
            return list(self.q_f)
        last = readings[-1]
        reversed_bias = -np.asarray(bias_b, dtype=float)
        backward.init(ptr(self.reading[last]), BACKWARD_SIGMA_RAD, max(self.bias_sigma_rad_s, 1e-9),
                      ptr(reversed_bias))  # fmt: skip
        q_b: list[np.ndarray | None] = [None] * n_capture
        p_b: list[np.ndarray | None] = [None] * n_capture
        w_back = np.zeros(3)
        for k in range(last, 0, -1):
            np.negative(self.w_step_b[k], out=w_back)
            backward.propagate(ptr(w_back), self.t_s[k] - self.t_s[k - 1])
            if k - 1 < n_capture:  # its prior, before the tick's own reading
                q_b[k - 1] = np.array(backward.q_ib)
                p_b[k - 1] = np.array(backward.covariance[:3, :3])
            if self.reading[k - 1] is not None:
                backward.update_star_tracker(ptr(self.reading[k - 1]))
        out = []  # capture ticks from the last reading on keep the real-time estimate
        for k in range(n_capture):
            if q_b[k] is None:
                out.append(self.q_f[k])
                continue
            out.append(_combine(self.q_f[k], self.p_f[k], q_b[k], p_b[k]))
        return out


def _combine(q_f: np.ndarray, p_f: np.ndarray, q_b: np.ndarray, p_b: np.ndarray) -> np.ndarray:
    """q_f exp(P_f (P_f + P_b)^-1 rotvec(q_f^-1 q_b)): the two estimates weighed by their covariances."""
    q_inv, dq, delta = np.zeros(4), np.zeros(4), np.zeros(3)
    lib.zk_quat_conj(ptr(q_f), ptr(q_inv))
    lib.zk_quat_mul(ptr(q_inv), ptr(q_b), ptr(dq))
    lib.zk_quat_to_rotvec(ptr(dq), ptr(delta))
    step = p_f @ np.linalg.solve(p_f + p_b, delta)
    turn, q = np.zeros(4), np.zeros(4)
    lib.zk_quat_from_rotvec(ptr(step), ptr(turn))
    lib.zk_quat_mul(ptr(np.ascontiguousarray(q_f)), ptr(turn), ptr(q))
    return q / np.linalg.norm(q)
