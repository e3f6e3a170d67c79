"""With every environmental torque off, the world's own step (wheels with friction and torque noise,
power, environment refresh) still conserves the spacecraft's total angular momentum in inertial
space: the wheels only exchange momentum with the body. Checked with scipy's rotation, not the C's."""

import numpy as np
from scipy.spatial.transform import Rotation

from native import lib
from sim.devices.reaction_wheels import SimReactionWheels
from sim.randomness import model_seed
from sim.world import Environment, World
from zorka.run.assembly import build_world
from zorka.scenario.model import Scenario

QUIET = Environment(
    atmospheric_drag=False, gravity_gradient=False, aerodynamic_torque=False, solar_pressure_torque=False
)


def inertial_momentum_nms(world: World) -> np.ndarray:
    """R(q_ib) (J w + sum a_i h_i), J the spacecraft less the wheels' axial inertia."""
    j_b = np.array(list(world.c.body.j_b)).reshape(3, 3)
    n = world.c.body.n_wheels
    axes_b = np.array(list(world.c.body.wheel_axis_b)[: 3 * n]).reshape(n, 3)
    h_wheels = np.array(list(world.c.att.h_wheel)[:n])
    return Rotation.from_quat(world.q_ib).apply(j_b @ world.w_b + axes_b.T @ h_wheels)


def test_momentum_is_conserved_over_1000_s_of_commanded_wheels_and_friction():
    base = build_world(Scenario())
    spacecraft = base.spacecraft
    world = World(
        spacecraft,
        base.c.jd_epoch_utc,
        base.r_eci,
        base.v_eci,
        base.q_ib,
        np.radians([0.5, -0.3, 0.4]),
        np.array([300.0, -200.0, 100.0, 50.0]),
        environment=QUIET,
    )
    wheels = SimReactionWheels.from_spec(
        world.wheels_c, world.wheel_speed_rad_s, spacecraft.wheels, model_seed(4, "wheels"), 0.1
    )
    commands = np.random.default_rng(4).uniform(-0.05, 0.05, size=(10_000, 4))
    h0 = inertial_momentum_nms(world)
    for command in commands:
        np.copyto(wheels.torque_cmd_nm, command)
        wheels.apply()
        lib.zk_world_step(world.c, 0.1)
    drift = np.linalg.norm(inertial_momentum_nms(world) - h0) / np.linalg.norm(h0)
    assert drift < 1e-9, drift
    assert list(world.c.torque_ext_b) == [0.0, 0.0, 0.0]
