"""Reaction-wheel failure detection (native/flight/wheel_monitor.c): each wheel's tachometer against the speed
change its commands should have made, checked once a second."""

import numpy as np

from hal.devices import ReactionWheels
from native import ffi, lib, ptr


class WheelMonitor:
    """`tick(dt_s)` after each command, `check()` each period: the index of a wheel newly found failed,
    or -1. `threshold_rad_s` must sit well above what torque noise and friction error leave in a period."""

    def __init__(
        self,
        wheels: ReactionWheels,
        friction_coulomb_nm: float,
        friction_viscous_nm_s: float,
        threshold_rad_s: float = 0.2,
        strikes_to_fail: int = 3,
    ):
        n = wheels.n
        m = ffi.new("zk_wheel_monitor *")
        m.n = n
        m.inertia_kg_m2[0:n] = [float(x) for x in np.broadcast_to(wheels.inertia_kg_m2, n)]
        m.torque_max_nm[0:n] = [float(x) for x in np.broadcast_to(wheels.torque_max_nm, n)]
        m.friction_coulomb_nm[0:n] = [friction_coulomb_nm] * n
        m.friction_viscous_nm_s[0:n] = [friction_viscous_nm_s] * n
        m.threshold_rad_s = threshold_rad_s
        m.strikes_to_fail = strikes_to_fail
        m.axis_b[0 : 3 * n] = [float(x) for x in np.asarray(wheels.axis_b, dtype=float).ravel()]
        self._m = m
        self.torque_ext_b_c = m.torque_ext_b
        self._cmd_c = ptr(wheels.torque_cmd_nm)
        self._speed_c = ptr(wheels.speed_rad_s)

    @property
    def threshold_rad_s(self) -> float:
        """Speed residual over a period above which a wheel earns a strike (in the C struct)."""
        return self._m.threshold_rad_s

    @threshold_rad_s.setter
    def threshold_rad_s(self, value: float) -> None:
        self._m.threshold_rad_s = value

    @property
    def strikes_to_fail(self) -> int:
        """Consecutive strikes that fail a wheel (in the C struct)."""
        return self._m.strikes_to_fail

    @strikes_to_fail.setter
    def strikes_to_fail(self, value: int) -> None:
        self._m.strikes_to_fail = value

    def tick(self, dt_s: float) -> None:
        lib.zk_wheel_monitor_tick(self._m, self._cmd_c, self._speed_c, dt_s)

    def coast(self, other_torque_b_c, h_wheel_b_c, dt_s: float) -> None:
        """Into `torque_ext_b_c`: `other_torque_b_c` plus the spin-down torque of the failed wheels; their
        momentum added to `h_wheel_b_c` (the wheels in use)."""
        lib.zk_wheel_monitor_coast(self._m, other_torque_b_c, h_wheel_b_c, dt_s)

    def check(self) -> int:
        return lib.zk_wheel_monitor_check(self._m, self._speed_c)

    def residual_rad_s(self, wheel: int) -> float:
        return self._m.residual_rad_s[wheel]
