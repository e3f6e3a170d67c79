"""The world: truth of orbit, attitude, wheels and environment, held in one C struct and stepped in C.

Numpy views onto the struct (`q_ib`, `w_b`, `r_eci`, ...) read the truth without copying; the
simulated devices sense it through the same memory.
"""

from dataclasses import dataclass, field

import numpy as np

from native import ffi, lib, view
from native.earth_model import force_model
from native.time_scales import TT_MINUS_UTC_S
from sim.magnetic_field import decimal_year_from_jd, fill_igrf
from sim.power import fill_power
from sim.spacecraft import Spacecraft
from sim.surfaces import fill_surfaces


@dataclass(frozen=True)
class Environment:
    """Which forces and torques of the environment act on the truth (all on by default; off, the
    dynamics conserve momentum and energy as their tests show)."""

    atmospheric_drag: bool = field(default=True, metadata={"doc": "drag on the orbit"})
    gravity_gradient: bool = field(default=True, metadata={"doc": "gravity-gradient torque"})
    aerodynamic_torque: bool = field(default=True, metadata={"doc": "aerodynamic torque of the surfaces"})
    solar_pressure_torque: bool = field(
        default=True, metadata={"doc": "solar-pressure torque of the surfaces"}
    )


ALL_ON = Environment()


class World:
    """Truth of one spacecraft and its environment, from an epoch."""

    def __init__(
        self,
        spacecraft: Spacecraft,
        jd_epoch_utc: float,
        r_eci: np.ndarray,
        v_eci: np.ndarray,
        q_ib: np.ndarray,
        w_b: np.ndarray,
        wheel_speed_rad_s: np.ndarray | None = None,
        environment: Environment = ALL_ON,
    ):
        c = ffi.new("zk_world *")
        self.c = c
        self.spacecraft = spacecraft
        c.jd_epoch_utc = jd_epoch_utc
        c.tt_minus_utc_s = TT_MINUS_UTC_S
        drag = spacecraft.drag_area_m2_per_kg if environment.atmospheric_drag else 0.0
        c.forces = force_model(drag_area_m2_per_kg=drag)[0]
        c.orbit.r_eci = list(map(float, r_eci))
        c.orbit.v_eci = list(map(float, v_eci))
        c.gravity_gradient = int(environment.gravity_gradient)
        c.aero_torque = int(environment.aerodynamic_torque)
        c.srp_torque = int(environment.solar_pressure_torque)
        fill_igrf(ffi.addressof(c, "igrf"), decimal_year_from_jd(jd_epoch_utc))
        fill_surfaces(ffi.addressof(c, "surfaces"), spacecraft.surfaces)

        wheels = spacecraft.wheels
        n = wheels.n
        axes = np.asarray(wheels.axis_b, dtype=float)
        j_wheels = wheels.inertia_kg_m2 * sum(np.outer(a, a) for a in axes)
        c.body.j_b = list((np.asarray(spacecraft.inertia_kg_m2) - j_wheels).ravel())
        c.body.n_wheels = n
        c.body.wheel_axis_b = list(axes.ravel())
        c.body.wheel_inertia = [wheels.inertia_kg_m2] * n
        c.wheels.n = n
        c.wheels.torque_max_nm = [wheels.torque_max_nm] * n
        c.wheels.speed_max_rad_s = [wheels.speed_max_rad_s] * n
        c.mtq.dipole_max_am2 = [spacecraft.magnetorquers.dipole_max_am2] * 3
        fill_power(ffi.addressof(c, "power"), spacecraft.power)

        q = np.asarray(q_ib, dtype=float)
        c.att.q_ib = list(q / np.linalg.norm(q))
        c.att.w_b = list(map(float, w_b))
        speed = np.zeros(n) if wheel_speed_rad_s is None else np.asarray(wheel_speed_rad_s, dtype=float)
        c.att.h_wheel = list(wheels.inertia_kg_m2 * (axes @ np.asarray(w_b, dtype=float) + speed))
        if lib.zk_world_init(c) != 0:
            raise ValueError("spacecraft inertia is singular or the wheel count is out of range")

        self.q_ib = view(c.att.q_ib)
        self.w_b = view(c.att.w_b)
        self.r_eci = view(c.orbit.r_eci)
        self.v_eci = view(c.orbit.v_eci)
        self.wheel_speed_rad_s = view(c.wheel_speed_rad_s, n)
        self.wheel_torque_nm = view(c.wheels.torque_applied_nm, n)
        self.r_sun_eci = view(c.r_sun_eci)
        self.b_eci_t = view(c.b_eci_t)

    @property
    def t_s(self) -> float:
        return self.c.t_s

    @property
    def wheels_c(self):
        """The world's own wheel actuator struct (`zk_wheels *`)."""
        return ffi.addressof(self.c, "wheels")

    @property
    def magnetorquers_c(self):
        return ffi.addressof(self.c, "mtq")

    def step(self, dt_s: float) -> None:
        lib.zk_world_step(self.c, dt_s)
