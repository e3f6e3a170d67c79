"""Simulated magnetorquers: dipole commands latched through the dipole limit."""

from hal.devices import Magnetorquers
from native import lib, view


class SimMagnetorquers(Magnetorquers):
    """Over a C `zk_magnetorquers *` (limits filled), normally the world's own."""

    def __init__(self, mtq_c):
        self._c = mtq_c
        self.dipole_max_am2 = view(mtq_c.dipole_max_am2)
        self.dipole_cmd_am2 = view(mtq_c.dipole_cmd_am2)

    def apply(self) -> None:
        lib.zk_magnetorquers_apply(self._c)
