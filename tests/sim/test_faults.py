"""Faults injected into every simulated device, at a chosen frame of a 10 Hz loop.

For each device and kind, three devices of one seed see the same world: a nominal one, one failed at
frame K, and a noise-free one (the truth plus the same biases, since a fault and the noise level never
change the draws). Before K the failed device matches the nominal one bit for bit; from K on:
stuck repeats the reading of K - 1 (an actuator holds its output), dead gives no reading (sample()
False, the reading kept; an actuator gives nothing), noisy multiplies the noise (output minus the
noise-free output) by the factor, biased adds the bias. Clearing the fault restores the nominal
output at the next sample.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from hal.devices import DeviceSet
from native import ffi, lib
from sim.devices.gnss import SimGnss
from sim.devices.gyro import SimGyro
from sim.devices.magnetometer import SimMagnetometer
from sim.devices.magnetorquers import SimMagnetorquers
from sim.devices.reaction_wheels import SimReactionWheels
from sim.devices.star_tracker import SimStarTracker, boresight_mount
from sim.devices.sun_sensor import SimSunSensor
from sim.faults import Fault, inject
from sim.randomness import model_seed
from sim.spacecraft import (
    GnssSpec,
    GyroSpec,
    MagnetometerSpec,
    MagnetorquerSpec,
    StarTrackerSpec,
    SunSensorSpec,
    WheelSpec,
)
from sim.world import World
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario

TICK_S = 0.1
FRAMES = 40
K = 20  # the injection frame: a star-tracker reading (5 Hz) and a GNSS fix (1 Hz) are due at it
FACTOR = 3.0
WHEEL_SPEEDS_RAD_S = np.array([100.0, -50.0, 10.0, 300.0])


@dataclass
class Case:
    """How to build a device (noise-free when `quiet`), drive it for one frame and read what it gave;
    `noise` is its output's noise given the output of the noise-free twin; `bias` a biased fault's."""

    make: Callable[[World, bool], object]
    frame: Callable[[object, int], tuple[bool, np.ndarray]]
    noise: Callable[[np.ndarray, np.ndarray], np.ndarray]
    bias: tuple[float, ...]
    sunlit: bool = False
    actuator: bool = False
    held: slice = field(
        default_factory=lambda: slice(None)
    )  # the output a stuck fault holds (a wheel's motor noise goes on)
    bias_seen: Callable[[tuple[float, ...]], np.ndarray] = np.array  # the bias as `noise` sees it


def additive(out: np.ndarray, quiet: np.ndarray) -> np.ndarray:
    return out - quiet


def sensor_frame(reading: Callable[[object], np.ndarray]) -> Callable[[object, int], tuple[bool, np.ndarray]]:
    def frame(device, _k: int) -> tuple[bool, np.ndarray]:
        ok = device.sample()
        return ok, reading(device).copy()

    return frame


TRACKER_MOUNT = Rotation.from_quat(boresight_mount(StarTrackerSpec().boresight_tilt_rad))


def tracker_noise_s(q: np.ndarray, q_quiet: np.ndarray) -> np.ndarray:
    """The reading's error rotation in the sensor frame, against the noise-free reading (the truth)."""
    return TRACKER_MOUNT.inv().apply((Rotation.from_quat(q_quiet).inv() * Rotation.from_quat(q)).as_rotvec())


class WorldDrivenWheels(SimReactionWheels):
    """Wheels with the world's part of a frame: the torques over the step (zk_wheels_update)."""

    def update(self) -> None:
        lib.zk_wheels_update(self._c, self._truth_ptr)


def wheels_make(_world: World, quiet: bool) -> WorldDrivenWheels:
    spec = WheelSpec(torque_noise_nm=0.0 if quiet else WheelSpec().torque_noise_nm)
    struct = ffi.new("zk_wheels *")
    wheels = WorldDrivenWheels.from_spec(
        struct, WHEEL_SPEEDS_RAD_S.copy(), spec, model_seed(1, "wheels"), TICK_S
    )
    return wheels


def wheels_frame(wheels: WorldDrivenWheels, k: int) -> tuple[bool, np.ndarray]:
    """Command, latch, the torques over the step, the tachometers: applied then motor torque."""
    wheels.torque_cmd_nm[:] = 0.01 * np.sin(k + np.arange(4))
    wheels.apply()
    wheels.update()
    ok = wheels.sample()
    return ok, np.concatenate([wheels.torque_applied_nm, wheels.torque_motor_nm])


def mtq_make(_world: World, quiet: bool):
    spec = MagnetorquerSpec(dipole_noise_am2=0.0 if quiet else MagnetorquerSpec().dipole_noise_am2)
    return SimMagnetorquers.from_spec(ffi.new("zk_magnetorquers *"), spec, model_seed(1, "magnetorquers"))


def mtq_frame(mtq, k: int) -> tuple[bool, np.ndarray]:
    mtq.dipole_cmd_am2[:] = 5.0 * np.sin(k + np.arange(3))
    mtq.apply()
    return True, mtq.dipole_applied_am2.copy()


CASES = {
    "gyro": Case(
        make=lambda w, quiet: SimGyro.from_spec(
            w.w_b,
            GyroSpec(angle_random_walk_rad_sqrt_s=0.0) if quiet else GyroSpec(),
            TICK_S,
            model_seed(1, "gyro"),
        ),
        frame=sensor_frame(lambda d: d.rate_b),
        noise=additive,
        bias=(1e-4, -2e-4, 3e-4),
    ),
    "star_tracker": Case(
        make=lambda w, quiet: SimStarTracker(
            w.q_ib,
            StarTrackerSpec(noise_cross_rad=0.0, noise_about_rad=0.0) if quiet else StarTrackerSpec(),
            model_seed(1, "star_tracker"),
            w,
        ),
        frame=sensor_frame(lambda d: d.q_ib),
        noise=tracker_noise_s,
        bias=(1e-4, -2e-4, 5e-4),
    ),
    "magnetometer": Case(
        make=lambda w, quiet: SimMagnetometer(
            w, MagnetometerSpec(noise_t=0.0 if quiet else 100e-9), model_seed(1, "magnetometer")
        ),
        frame=sensor_frame(lambda d: d.b_b_t),
        noise=additive,
        bias=(1e-6, -2e-6, 3e-6),
    ),
    "sun_sensor": Case(
        make=lambda w, quiet: SimSunSensor(
            w, SunSensorSpec(noise_a=0.0) if quiet else SunSensorSpec(), model_seed(1, "sun_sensor")
        ),
        frame=sensor_frame(lambda d: np.concatenate([d.current_a, d.s_b])),
        noise=lambda out, quiet: out[:6] - quiet[:6],
        bias=(1e-4, 0.0, -1e-4, 2e-4, 0.0, 0.0),
        sunlit=True,
    ),
    "gnss": Case(
        make=lambda w, quiet: SimGnss(
            w,
            GnssSpec(outage_gap_mean_s=math.inf, noise_pos_m=0.0, noise_vel_m_s=0.0)
            if quiet
            else GnssSpec(outage_gap_mean_s=math.inf),
            model_seed(1, "gnss"),
        ),
        frame=sensor_frame(lambda d: np.concatenate([d.r_ecef_m, d.v_ecef_m_s])),
        noise=additive,
        bias=(10.0, -20.0, 30.0, 0.1, -0.2, 0.3),
    ),
    "wheels": Case(
        make=wheels_make,
        frame=wheels_frame,
        noise=additive,
        bias=(1e-3, -2e-3, 3e-3, -4e-3),
        actuator=True,
        held=slice(0, 4),
        bias_seen=lambda bias: np.tile(bias, 2),
    ),
    "magnetorquers": Case(
        make=mtq_make, frame=mtq_frame, noise=additive, bias=(1.0, -2.0, 3.0), actuator=True
    ),
}


def stepped_to_sunlight() -> World:
    world = build_world(Scenario())
    while world.c.sun_fraction < 1.0:
        world.step(60.0)
    world.step(300.0)
    return world


Frame = tuple[bool, np.ndarray]


def run(name: str, fault: Fault, clear_at: int | None = None) -> list[tuple[Frame, Frame, Frame]]:
    """(nominal, failed, noise-free) frames of device `name`, the fault injected at frame K."""
    case = CASES[name]
    world = stepped_to_sunlight() if case.sunlit else build_world(Scenario())
    nominal, failed, quiet = case.make(world, False), case.make(world, False), case.make(world, True)
    frames = []
    for k in range(FRAMES):
        if k == K:
            failed.inject(fault)
        if k == clear_at:
            failed.clear_fault()
        frames.append(tuple(case.frame(device, k) for device in (nominal, failed, quiet)))
        world.step(TICK_S)
    return frames


def assert_nominal_before_k(frames) -> None:
    for (ok_n, out_n), (ok_f, out_f), _ in frames[:K]:
        assert ok_f == ok_n and out_f.tobytes() == out_n.tobytes()
    (_, before), (_, at_k) = frames[K - 1][0], frames[K][0]
    assert not np.array_equal(before, at_k)  # the nominal output changes at K: the checks below bite


@pytest.mark.parametrize("name", CASES)
def test_stuck_holds_the_last_output_from_the_injection_frame(name):
    case = CASES[name]
    frames = run(name, Fault(name, "stuck", K * TICK_S))
    assert_nominal_before_k(frames)
    held = frames[K - 1][1][1][case.held]
    for (ok_n, _), (ok_f, out_f), _ in frames[K:]:
        assert ok_f == ok_n
        np.testing.assert_array_equal(out_f[case.held], held)


@pytest.mark.parametrize("name", CASES)
def test_dead_gives_no_reading_or_no_output_from_the_injection_frame(name):
    case = CASES[name]
    frames = run(name, Fault(name, "dead", K * TICK_S))
    assert_nominal_before_k(frames)
    kept = frames[K - 1][1][1]
    for _, (ok_f, out_f), _ in frames[K:]:
        if case.actuator:
            np.testing.assert_array_equal(out_f, 0.0)
        else:
            np.testing.assert_array_equal(out_f, kept)
        if name != "magnetorquers":  # every device but the torquers has a reading
            assert not ok_f


@pytest.mark.parametrize("name", CASES)
def test_noisy_multiplies_the_noise_by_the_factor_from_the_injection_frame(name):
    case = CASES[name]
    frames = run(name, Fault(name, "noisy", K * TICK_S, factor=FACTOR))
    assert_nominal_before_k(frames)
    for (ok_n, out_n), (ok_f, out_f), (_, out_q) in frames[K:]:
        assert ok_f == ok_n
        noise_n = case.noise(out_n, out_q)
        assert np.any(noise_n != 0.0)
        np.testing.assert_allclose(case.noise(out_f, out_q), FACTOR * noise_n, rtol=1e-6, atol=0.0)


@pytest.mark.parametrize("name", CASES)
def test_biased_adds_the_bias_from_the_injection_frame(name):
    case = CASES[name]
    frames = run(name, Fault(name, "biased", K * TICK_S, bias=case.bias))
    assert_nominal_before_k(frames)
    expected = case.bias_seen(case.bias)
    for (ok_n, out_n), (ok_f, out_f), (_, out_q) in frames[K:]:
        assert ok_f == ok_n
        shift = case.noise(out_f, out_q) - case.noise(out_n, out_q)
        np.testing.assert_allclose(shift, expected, rtol=1e-6, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("kind", ["stuck", "dead", "noisy", "biased"])
@pytest.mark.parametrize("name", CASES)
def test_clearing_a_fault_restores_the_nominal_output_at_once(name, kind):
    """A fault never shifts the draws: once cleared, the device is bit for bit the nominal one again."""
    case = CASES[name]
    parameters = {"noisy": {"factor": FACTOR}, "biased": {"bias": case.bias}}.get(kind, {})
    frames = run(name, Fault(name, kind, K * TICK_S, **parameters), clear_at=K + 10)
    for (ok_n, out_n), (ok_f, out_f), _ in frames[K + 10 :]:
        assert ok_f == ok_n and out_f.tobytes() == out_n.tobytes()


def test_one_wheel_fails_alone_and_the_others_stay_nominal():
    frames = []
    for fault in (None, Fault("wheels", "dead", 0.0, unit=2)):
        wheels = wheels_make(build_world(Scenario()), False)
        if fault is not None:
            wheels.inject(fault)
        frames.append([wheels_frame(wheels, k) for k in range(5)])
    for (ok_n, out_n), (ok_f, out_f) in zip(*frames, strict=True):
        assert ok_n and not ok_f
        np.testing.assert_array_equal(out_f[[2, 6]], 0.0)
        np.testing.assert_array_equal(np.delete(out_f, [2, 6]), np.delete(out_n, [2, 6]))


def test_inject_routes_a_fault_to_the_device_of_the_set_it_names():
    world = build_world(Scenario())
    gyro = CASES["gyro"].make(world, False)
    devices = DeviceSet(*([None] * 7), power=object())
    devices.gyro = gyro
    inject(devices, Fault("gyro", "dead", 1.0))
    assert not gyro.sample()
    with pytest.raises(ValueError, match=r"Fault\.device: the power \(object\) has no fault model"):
        inject(devices, Fault("power", "dead", 1.0))


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"device": "flux_capacitor", "kind": "dead", "t_s": 0.0}, r"Fault\.device must be one of gyro, "),
        ({"device": "gyro", "kind": "melted", "t_s": 0.0}, r"Fault\.kind must be one of stuck, dead, noisy"),
        ({"device": "gyro", "kind": "dead", "t_s": -1.0}, r"Fault\.t_s must be a finite time >= 0 s"),
        ({"device": "gyro", "kind": "dead", "t_s": math.nan}, r"Fault\.t_s"),
        ({"device": "gyro", "kind": "noisy", "t_s": 0.0}, r"Fault\.factor is given for kind 'noisy'"),
        ({"device": "gyro", "kind": "dead", "t_s": 0.0, "factor": 2.0}, r"Fault\.factor is given"),
        ({"device": "gyro", "kind": "noisy", "t_s": 0.0, "factor": -1.0}, r"Fault\.factor must be a finite"),
        ({"device": "gyro", "kind": "noisy", "t_s": 0.0, "factor": math.inf}, r"Fault\.factor must be"),
        ({"device": "gyro", "kind": "biased", "t_s": 0.0}, r"Fault\.bias is given for kind 'biased'"),
        (
            {"device": "gyro", "kind": "biased", "t_s": 0.0, "bias": (math.nan,)},
            r"Fault\.bias must be a non-empty",
        ),
        (
            {"device": "gyro", "kind": "biased", "t_s": 0.0, "bias": [1.0]},
            r"Fault\.bias must be a non-empty tuple",
        ),
        (
            {"device": "wheels", "kind": "dead", "t_s": 0.0, "unit": -1},
            r"Fault\.unit must be None or an index",
        ),
    ],
)
def test_a_bad_fault_is_refused_with_an_error_naming_the_field(arguments, says):
    with pytest.raises(ValueError, match=says):
        Fault(**arguments)


def test_a_fault_that_does_not_fit_its_device_is_refused_naming_the_field():
    world = build_world(Scenario())
    gyro, wheels = CASES["gyro"].make(world, False), wheels_make(world, False)
    with pytest.raises(
        ValueError, match=r"Fault\.bias of the SimGyro needs 3 values \(rad/s, rad/s, rad/s\); got 2"
    ):
        gyro.inject(Fault("gyro", "biased", 0.0, bias=(1.0, 2.0)))
    with pytest.raises(ValueError, match=r"Fault\.unit must be None: the SimGyro is a single unit"):
        gyro.inject(Fault("gyro", "dead", 0.0, unit=0))
    with pytest.raises(ValueError, match=r"Fault\.unit must be a wheel index below 4; got 4"):
        wheels.inject(Fault("wheels", "dead", 0.0, unit=4))
    with pytest.raises(ValueError, match=r"Fault\.bias of the wheels needs 1 values"):
        wheels.inject(Fault("wheels", "biased", 0.0, bias=(1.0, 2.0), unit=1))
