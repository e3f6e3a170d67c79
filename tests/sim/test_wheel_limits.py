"""Whatever is commanded (NaN, infinities, huge values, any sequence), the reaction wheels stay inside
their limits: the motor torque never exceeds +-torque_max, and the wheels never spin beyond their
speed limit by more than the body's own motion moves them in a step.

The speed tolerance: the world integrates the wheels' absolute momentum h, and a wheel's speed
relative to the body is Omega = h / I_s - a . w. Acting for one tick, the limited motor torque
leaves (h + u dt) / I_s - a . w_start within +-Omega_max (friction only brakes a wheel this fast); over
the same tick the body rate changes by dw (the wheels' reaction, gyroscopic coupling, gravity
gradient), which moves Omega by -a . dw that no wheel drive can foresee. So |Omega| <= Omega_max +
|a . dw| of the last step, plus 1e-9 rad/s of rounding; a wheel found beyond the limit is braked
back at the next tick.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from native import lib, ptr
from sim.devices.reaction_wheels import SimReactionWheels
from sim.randomness import model_seed
from sim.world import World
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario

TICK_S = 0.1
ROUNDING_RAD_S = 1e-9
SCENARIO = Scenario()
SPEC = SCENARIO.spacecraft.wheels
START = build_world(SCENARIO)

commands_nm = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, SPEC.torque_max_nm, -SPEC.torque_max_nm]),
)
frames = st.lists(st.lists(commands_nm, min_size=SPEC.n, max_size=SPEC.n), min_size=1, max_size=80)
start_speeds = st.lists(st.floats(-1.0, 1.0), min_size=SPEC.n, max_size=SPEC.n)


@settings(max_examples=80, deadline=None)
@given(frames, start_speeds, st.integers(0, 2**32))
def test_any_commands_keep_the_motor_torque_and_the_wheel_speeds_within_limits(commands, speeds, seed):
    world = World(
        SCENARIO.spacecraft,
        START.c.jd_epoch_utc,
        START.r_eci,
        START.v_eci,
        START.q_ib,
        START.w_b,
        SPEC.speed_max_rad_s * np.array(speeds),
    )
    wheels = SimReactionWheels.from_spec(
        world.wheels_c, world.wheel_speed_rad_s, SPEC, model_seed(seed, "wheels"), TICK_S
    )
    speed_ptr = ptr(world.wheel_speed_rad_s)
    axes = np.asarray(SPEC.axis_b)
    for command in commands:
        w_before = world.w_b.copy()
        wheels.torque_cmd_nm[:] = command
        wheels.apply()
        lib.zk_wheels_update(world.wheels_c, speed_ptr)  # the torques over the step, as the world takes them
        for torque in (wheels.torque_applied_nm, wheels.torque_motor_nm):
            assert np.all(np.abs(torque) <= SPEC.torque_max_nm)
        world.step(TICK_S)
        body_motion_rad_s = np.abs(axes @ (world.w_b - w_before))
        assert np.all(
            np.abs(world.wheel_speed_rad_s) <= SPEC.speed_max_rad_s + body_motion_rad_s + ROUNDING_RAD_S
        )
