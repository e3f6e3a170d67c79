"""Coarse attitude (TRIAD in native/flight/mekf.c, flight/adcs/coarse_attitude.py) against references.

References: a known rotation and scipy's Rotation.align_vectors with an infinite weight on the first
pair (the same problem TRIAD solves: the first pair exactly, the second as well as it can be); the
simulator's world fields for the onboard sun and IGRF (the same C code, the same time); the world's
truth attitude with the default simulated sun sensor and magnetometer of zorka/run/assembly.py.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from flight.adcs.coarse_attitude import CoarseAttitude
from native import lib, ptr
from zorka.run.assembly import build_world, simulated_devices
from zorka.scenario.model import Scenario

NADIR = Scenario()  # one orbit of nadir pointing, no station or radio (the base a scenario file overrides)

ANGLE_TOL_RAD = 1e-12
N_CASES = 200


def triad(b1, r1, b2, r2, min_angle_rad=0.0) -> tuple[int, np.ndarray]:
    q = np.array([0.1, 0.2, 0.3, 0.4])
    status = lib.zk_triad(list(b1), list(r1), list(b2), list(r2), min_angle_rad, ptr(q))
    return status, q


def test_triad_recovers_a_known_rotation_exactly():
    rng = np.random.default_rng(21)
    for truth in Rotation.random(N_CASES, random_state=rng):
        r1_i, r2_i = rng.normal(size=(2, 3)) * rng.uniform(1e-6, 1e11, size=(2, 1))
        status, q = triad(truth.inv().apply(r1_i), r1_i, truth.inv().apply(r2_i), r2_i)
        assert status == 0
        assert (truth.inv() * Rotation.from_quat(q)).magnitude() < ANGLE_TOL_RAD


def test_triad_with_noise_is_scipy_align_vectors_with_the_first_pair_exact():
    rng = np.random.default_rng(22)
    for truth in Rotation.random(N_CASES, random_state=rng):
        r_i = rng.normal(size=(2, 3))
        b_b = truth.inv().apply(r_i) + 0.05 * rng.normal(size=(2, 3))
        status, q = triad(b_b[0], r_i[0], b_b[1], r_i[1])
        expected, _ = Rotation.align_vectors(r_i, b_b, weights=[np.inf, 1.0])
        assert status == 0
        assert (expected.inv() * Rotation.from_quat(q)).magnitude() < 1e-9


@pytest.mark.parametrize(
    "b1, b2",
    [
        ([1.0, 0.0, 0.0], [2.0, 0.0, 0.0]),
        ([1.0, 0.0, 0.0], [-3.0, 0.0, 0.0]),
        ([0.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
    ],
    ids=["parallel", "anti-parallel", "zero"],
)
def test_triad_refuses_pairs_that_do_not_fix_an_attitude(b1, b2):
    status, q = triad(b1, [0.0, 0.0, 1.0], b2, [0.0, 1.0, 0.0])
    assert status == -1 and list(q) == [0.1, 0.2, 0.3, 0.4]
    status, q = triad([0.0, 0.0, 1.0], b1, [0.0, 1.0, 0.0], b2)
    assert status == -1


def test_triad_refuses_pairs_closer_than_the_minimum_angle():
    truth = Rotation.from_rotvec([0.3, -0.2, 0.1])
    r1_i = np.array([1.0, 0.0, 0.0])
    for angle_deg, expected in ((14.0, -1), (16.0, 0), (164.0, 0), (166.0, -1)):
        a = np.radians(angle_deg)
        r2_i = np.array([np.cos(a), np.sin(a), 0.0])
        status, _ = triad(truth.inv().apply(r1_i), r1_i, truth.inv().apply(r2_i), r2_i, np.radians(15.0))
        assert status == expected, angle_deg


@pytest.fixture
def world_and_devices():
    world = build_world(NADIR)
    return world, simulated_devices(world, NADIR)


def test_onboard_references_are_the_world_fields(world_and_devices):
    world, _ = world_and_devices
    coarse = CoarseAttitude(world.c.jd_epoch_utc)
    for _ in range(10):  # an orbit and a half
        for _ in range(853):
            world.step(1.0)
        coarse.references(world.t_s, ptr(world.r_eci))
        assert np.allclose(coarse.r_sun_eci, world.r_sun_eci, rtol=1e-14, atol=0.0)
        assert np.allclose(coarse.b_eci_t, world.b_eci_t, rtol=1e-12, atol=0.0)


def test_coarse_attitude_with_default_sensor_noise(world_and_devices):
    """The sun sensor fit (~0.6 deg per axis, up to ~2.5 deg when the sun grazes a head) plus the
    field's 100 nT noise about the sun axis, <= 0.3 deg / sin(15 deg): within 5 deg at worst."""
    world, devices = world_and_devices
    coarse = CoarseAttitude(world.c.jd_epoch_utc)
    errors_deg, poor_geometry = [], 0
    for _ in range(120):  # two orbits, every ~95 s; the body turns slowly at its start rate
        for _ in range(95):
            world.step(1.0)
        if not (devices.sun_sensor.sample() and devices.magnetometer.sample()):
            continue  # eclipse
        if not coarse.update(
            world.t_s, ptr(devices.sun_sensor.s_b), ptr(devices.magnetometer.b_b_t), ptr(world.r_eci)
        ):
            poor_geometry += 1
            continue
        errors_deg.append(np.degrees(lib.zk_quat_angle(ptr(coarse.q_ib), ptr(world.q_ib))))
    errors_deg = np.array(errors_deg)
    print(
        f"\ncoarse attitude, {errors_deg.size} samples in sunlight ({poor_geometry} refused: sun and field "
        f"within 15 deg of parallel): error median {np.median(errors_deg):.2f} deg, "
        f"p95 {np.percentile(errors_deg, 95):.2f} deg, max {errors_deg.max():.2f} deg"
    )
    assert errors_deg.size > 60
    assert np.median(errors_deg) < 1.5
    assert errors_deg.max() < 5.0
