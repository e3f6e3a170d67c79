"""Distribution of a body torque over the reaction wheels (minimum norm, direction-keeping limits), with
null-space management of the wheel speeds, reconfiguration around a failed wheel, and feed-forward of the
calibrated bearing friction (C, native/flight/adcs.c: zk_wheel_map_*)."""

import numpy as np

from hal.devices import ReactionWheels
from native import ffi, lib, ptr


def null_pattern(axis_b: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Unit-peak direction of the 1-D null space of the active wheels' axis matrix (largest component
    +1; zero on inactive wheels), or zeros when there is no null space or it has more dimensions."""
    pattern = np.zeros(len(axis_b))
    a = np.asarray(axis_b, dtype=float)[active].T
    if a.shape[1] != 4:
        return pattern
    direction = np.linalg.svd(a)[2][-1]
    pattern[active] = direction / direction[np.argmax(np.abs(direction))]
    return pattern


class WheelAllocator:
    """Maps body torque to motor torques written into the wheels' command, and speeds to momentum.

    Null space (4 active wheels): the wheels' common-mode speed is pulled towards
    `speed_bias_rad_s` times the null pattern (e.g. +-1000 rpm alternating on a pyramid), with time
    constant `bias_time_constant_s`, so that they stay away from zero speed where friction changes
    sign; this gives the body no torque and yields first when the wheels saturate. 0 bias: no pull.
    """

    def __init__(
        self,
        wheels: ReactionWheels,
        friction_coulomb_nm: float = 0.0,
        friction_viscous_nm_s: float = 0.0,
        speed_bias_rad_s: float = 0.0,
        bias_time_constant_s: float = 100.0,
    ):
        if bias_time_constant_s <= 0.0:
            raise ValueError("bias_time_constant_s must be positive")
        n = wheels.n
        m = ffi.new("zk_wheel_map *")
        m.n = n
        self._axis_b = np.asarray(wheels.axis_b, dtype=float).reshape(n, 3)
        m.axis_b = list(self._axis_b.ravel())
        m.torque_max_nm = list(np.asarray(wheels.torque_max_nm, dtype=float))
        m.friction_coulomb_nm = [friction_coulomb_nm] * n
        m.friction_viscous_nm_s = [friction_viscous_nm_s] * n
        self._inertia = np.array(wheels.inertia_kg_m2, dtype=float)
        self._bias_time_constant_s = bias_time_constant_s
        m.null_gain_nm_s = list(self._inertia / bias_time_constant_s)
        if lib.zk_wheel_map_init(m) != 0:
            raise ValueError("reaction wheel axes must span three dimensions (at least 3 independent wheels)")
        self._m = m
        self._speed_bias_rad_s = speed_bias_rad_s
        self._set_bias()
        self._inertia_c = ptr(self._inertia)
        self._speed_c = ptr(wheels.speed_rad_s)
        self._cmd_c = ptr(wheels.torque_cmd_nm)
        self.h_wheel_b_c = ffi.new("double[3]")

    def _set_bias(self) -> None:
        active = np.array([not self._m.failed[i] for i in range(self._m.n)])
        self._m.speed_bias_rad_s = list(self._speed_bias_rad_s * null_pattern(self._axis_b, active))

    @property
    def speed_bias_rad_s(self) -> float:
        """The wheels' null-space speed target (times the null pattern)."""
        return self._speed_bias_rad_s

    @speed_bias_rad_s.setter
    def speed_bias_rad_s(self, value: float) -> None:
        self._speed_bias_rad_s = value
        self._set_bias()

    @property
    def bias_time_constant_s(self) -> float:
        """Time constant of the pull towards the speed bias (the C struct holds inertia over it)."""
        return self._bias_time_constant_s

    @bias_time_constant_s.setter
    def bias_time_constant_s(self, value: float) -> None:
        if value <= 0.0:
            raise ValueError("bias_time_constant_s must be positive")
        self._bias_time_constant_s = value
        self._m.null_gain_nm_s = list(self._inertia / value)

    @property
    def saturated(self) -> bool:
        """Whether the last distribution had to scale the body torque down to the wheels' limits."""
        return self._m.torque_scale < 1.0

    @property
    def active(self) -> int:
        """Number of wheels in use."""
        return self._m.n_active

    def set_failed(self, wheel: int, failed: bool = True) -> bool:
        """Take a wheel out of use (or back): it is commanded 0 and the others share the torque.
        False (nothing changed) if the wheels left would not span three dimensions."""
        if lib.zk_wheel_map_set_failed(self._m, wheel, int(failed)) != 0:
            return False
        self._set_bias()
        return True

    def update_momentum(self) -> None:
        """Wheel momentum in body from the last speed reading, into `h_wheel_b_c`."""
        lib.zk_wheel_map_momentum(self._m, self._inertia_c, self._speed_c, self.h_wheel_b_c)

    def distribute(self, torque_b_c) -> None:
        """Write the motor torques that give body torque `torque_b_c` (plus the null-space pull towards the
        speed bias) into the wheels' command, plus what cancels the bearing friction at the last speed
        reading."""
        lib.zk_wheel_map_distribute(self._m, torque_b_c, self._speed_c, self._cmd_c)
        lib.zk_wheel_map_add_friction(self._m, self._speed_c, self._cmd_c)
