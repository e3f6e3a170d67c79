"""Simulated reaction wheels: commands latched through torque and speed limits; tachometer speeds."""

import numpy as np

from hal.devices import ReactionWheels
from native import lib, ptr, view


class SimReactionWheels(ReactionWheels):
    """Over a C `zk_wheels *` (n and limits filled); speeds read from `speed_true_rad_s`.

    In a world the struct is the world's own, so `apply()` acts on the dynamics directly; on a
    board server it is the board's, and the simulator reads the applied torques back.
    """

    def __init__(self, wheels_c, speed_true_rad_s: np.ndarray, axis_b, inertia_kg_m2):
        n = wheels_c.n
        self._c = wheels_c
        self.axis_b = np.array(axis_b, dtype=float).reshape(n, 3)
        self.inertia_kg_m2 = np.broadcast_to(np.asarray(inertia_kg_m2, dtype=float), (n,)).copy()
        self.torque_max_nm = view(wheels_c.torque_max_nm, n)
        self.speed_max_rad_s = view(wheels_c.speed_max_rad_s, n)
        self.torque_cmd_nm = view(wheels_c.torque_cmd_nm, n)
        self.torque_applied_nm = view(wheels_c.torque_applied_nm, n)
        self.speed_rad_s = np.zeros(n)
        self._truth = speed_true_rad_s
        self._truth_ptr = ptr(speed_true_rad_s)

    def apply(self) -> None:
        lib.zk_wheels_apply(self._c, self._truth_ptr)

    def sample(self) -> bool:
        np.copyto(self.speed_rad_s, self._truth)
        return True
