"""A world and its devices rebuilt from the same scenario and given a saved state go on exactly as the
original: the same truth, bit for bit, and the same device draws (their generators live in the saved
C structs)."""

import numpy as np
import pytest

from native import ffi, lib
from sim.world_checkpoint import restore_struct, restore_world, struct_bytes, world_state
from zorka.run.mission import Mission
from zorka.scenario.model import FaultSpec, Scenario

SCENARIO = Scenario(seed=5, faults=(FaultSpec(device="gyro", kind="noisy", t_s=60.0, factor=4.0),))


def readings(mission: Mission, frames: int) -> np.ndarray:
    """Step the world `frames` frames with the actuators as they are, sampling the sensors each frame."""
    devices, rows = mission.devices, []
    for _ in range(frames):
        lib.zk_world_step_to(mission.world.c, mission.world.t_s + mission.frame_s)
        for device in (devices.gyro, devices.star_tracker, devices.magnetometer, devices.gnss):
            device.sample()
        rows.append(
            np.concatenate(
                [
                    mission.world.q_ib,
                    mission.world.r_eci,
                    devices.gyro.rate_b,
                    devices.star_tracker.q_ib,
                    devices.magnetometer.b_b_t,
                    devices.gnss.r_ecef_m,
                ]
            )
        )
    return np.array(rows)


@pytest.fixture(scope="module")
def original():
    mission = Mission(SCENARIO, 300.0)
    mission.run_frames(1200)  # past the gyro's fault
    return mission


def test_a_rebuilt_world_given_the_saved_state_goes_on_bit_for_bit(original):
    saved = world_state(original.world, original.devices)
    rebuilt = Mission(SCENARIO, 300.0)
    pointer = rebuilt.world.c.orbit_table
    restore_world(rebuilt.world, rebuilt.devices, saved)
    assert rebuilt.world.t_s == original.world.t_s == pytest.approx(120.0)
    assert rebuilt.world.c.orbit_table == pointer  # its own pointer kept, not the saved process's
    np.testing.assert_array_equal(readings(rebuilt, 200), readings(original, 200))


def test_a_fresh_world_does_not_go_on_like_the_saved_one(original):
    """The check above can fail: without the restore the same steps give other readings."""
    fresh = Mission(SCENARIO, 300.0)
    lib.zk_world_step_to(fresh.world.c, original.world.t_s)
    assert not np.array_equal(readings(fresh, 20), readings(original, 20))


def test_a_state_of_another_size_is_refused_in_one_line():
    gyro = ffi.new("zk_gyro *")
    with pytest.raises(ValueError, match=r"^saved zk_gyro is 3 bytes, not \d+$"):
        restore_struct(gyro, b"abc")
    assert struct_bytes(gyro) == bytes(ffi.sizeof("zk_gyro"))


def test_a_state_without_a_device_is_refused(original):
    saved = world_state(original.world, original.devices)
    del saved["gnss"]
    with pytest.raises(ValueError, match="no state for gnss"):
        restore_world(original.world, original.devices, saved)
