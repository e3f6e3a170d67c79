"""Distribution of a body torque over the reaction wheels (minimum norm, direction-keeping limits),
with feed-forward of the calibrated bearing friction."""

import numpy as np

from hal.devices import ReactionWheels
from native import ffi, lib, ptr


class WheelAllocator:
    """Maps body torque to motor torques written into the wheels' command, and speeds to momentum."""

    def __init__(
        self, wheels: ReactionWheels, friction_coulomb_nm: float = 0.0, friction_viscous_nm_s: float = 0.0
    ):
        n = wheels.n
        m = ffi.new("zk_wheel_map *")
        m.n = n
        m.axis_b = list(np.asarray(wheels.axis_b, dtype=float).ravel())
        m.torque_max_nm = list(np.asarray(wheels.torque_max_nm, dtype=float))
        m.friction_coulomb_nm = [friction_coulomb_nm] * n
        m.friction_viscous_nm_s = [friction_viscous_nm_s] * n
        if lib.zk_wheel_map_init(m) != 0:
            raise ValueError("reaction wheel axes must span three dimensions (at least 3 independent wheels)")
        self._m = m
        self._inertia = np.array(wheels.inertia_kg_m2, dtype=float)
        self._inertia_c = ptr(self._inertia)
        self._speed_c = ptr(wheels.speed_rad_s)
        self._cmd_c = ptr(wheels.torque_cmd_nm)
        self.h_wheel_b_c = ffi.new("double[3]")

    def update_momentum(self) -> None:
        """Wheel momentum in body from the last speed reading, into `h_wheel_b_c`."""
        lib.zk_wheel_map_momentum(self._m, self._inertia_c, self._speed_c, self.h_wheel_b_c)

    def distribute(self, torque_b_c) -> None:
        """Write the motor torques that give body torque `torque_b_c` into the wheels' command, plus
        what cancels the bearing friction at the last speed reading."""
        lib.zk_wheel_map_distribute(self._m, torque_b_c, self._cmd_c)
        lib.zk_wheel_map_add_friction(self._m, self._speed_c, self._cmd_c)
