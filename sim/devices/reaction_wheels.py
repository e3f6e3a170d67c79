"""Simulated reaction wheels: torque commands latched through torque and speed limits, or speed commands
held by the drive's own loop; motor noise and bearing friction in the torque that spins them (see
native/sim/actuators.h); tachometer speeds and motor currents; per-wheel faults."""

import math

import numpy as np

from hal.devices import ReactionWheels
from native import lib, ptr, view
from sim.faults import Fault, clear_fault, write_fault
from sim.randomness import seed_generator
from sim.spacecraft import WheelSpec


class SimReactionWheels(ReactionWheels):
    """Over a C `zk_wheels *` (n and limits filled); speeds read from `speed_true_rad_s`.

    In a world the struct is the world's own, so `apply()` acts on the dynamics directly; on a
    board server it is the board's, and the simulator reads the applied torques back. `from_spec`
    also fills the struct's friction, noise, generator and look-ahead (inertia and step).
    A fault with `unit` None fails every wheel (a biased fault's bias: one motor torque per wheel,
    N m); with `unit` k, wheel k alone (bias: one value).

    Motor current (`current_a`, refreshed by `sample()`): |applied torque| / `motor_constant_nm_a` +
    `no_load_current_a`. A speed command (`command_speed()`) is held by `hold_speed()`: torque
    inertia x (set - speed) / `speed_loop_time_s` plus the bearing friction at that speed, latched through
    the limits as a torque command; `apply()` returns the wheels to torque commands. A board steps the
    loop at each truth it is sent (`sim.board_models`); in a mission's world it steps at each
    `command_speed()`, so flight software holding a speed commands it every frame.
    """

    def __init__(
        self,
        wheels_c,
        speed_true_rad_s: np.ndarray,
        axis_b,
        inertia_kg_m2,
        motor: WheelSpec | None = None,
    ):
        motor = motor or WheelSpec()
        n = wheels_c.n
        self._c = wheels_c
        self.motor_constant_nm_a = motor.motor_constant_nm_a
        self.no_load_current_a = motor.no_load_current_a
        self.speed_loop_time_s = motor.speed_loop_time_s
        self.speed_cmd_rad_s = np.zeros(n)
        self.holding_speed = False
        self.current_a = np.zeros(n)
        self.axis_b = np.array(axis_b, dtype=float).reshape(n, 3)
        self.inertia_kg_m2 = np.broadcast_to(np.asarray(inertia_kg_m2, dtype=float), (n,)).copy()
        self.torque_max_nm = view(wheels_c.torque_max_nm, n)
        self.speed_max_rad_s = view(wheels_c.speed_max_rad_s, n)
        self.torque_cmd_nm = view(wheels_c.torque_cmd_nm, n)
        self.torque_applied_nm = view(wheels_c.torque_applied_nm, n)
        self.torque_motor_nm = view(wheels_c.torque_motor_nm, n)
        self.torque_net_nm = view(wheels_c.torque_net_nm, n)
        self._coulomb_nm = view(wheels_c.friction_coulomb_nm, n)
        self._viscous_nm_s = view(wheels_c.friction_viscous_nm_s_rad, n)
        self.speed_rad_s = np.zeros(n)
        self._speed_ptr = ptr(self.speed_rad_s)
        self._truth = speed_true_rad_s
        self._truth_ptr = ptr(speed_true_rad_s)

    @classmethod
    def from_spec(
        cls,
        wheels_c,
        speed_true_rad_s: np.ndarray,
        spec: WheelSpec,
        seed: np.random.SeedSequence,
        step_s: float,
    ) -> "SimReactionWheels":
        """Wheels of the `spec` class over `wheels_c`, whose latched torques act for `step_s` (the tick)."""
        n = spec.n
        if not 1 <= n <= lib.ZK_MAX_WHEELS:
            raise ValueError(f"WheelSpec.axis_b must hold 1 to {lib.ZK_MAX_WHEELS} wheels; got {n}")
        if not (math.isfinite(step_s) and step_s > 0.0):
            raise ValueError(f"step_s must be finite and > 0 s; got {step_s}")
        wheels_c.n = n
        for name in ("torque_max_nm", "speed_max_rad_s", "inertia_kg_m2"):
            getattr(wheels_c, name)[0:n] = [float(getattr(spec, name))] * n
        wheels_c.friction_coulomb_nm[0:n] = [spec.friction_coulomb_nm] * n
        wheels_c.friction_viscous_nm_s_rad[0:n] = [spec.friction_viscous_nm_s] * n
        wheels_c.noise_nm = spec.torque_noise_nm
        wheels_c.step_s = step_s
        if not (spec.motor_constant_nm_a > 0.0 and spec.speed_loop_time_s > 0.0):
            raise ValueError("WheelSpec.motor_constant_nm_a and speed_loop_time_s must be > 0")
        seed_generator(wheels_c.rng, seed)
        return cls(wheels_c, speed_true_rad_s, spec.axis_b, spec.inertia_kg_m2, spec)

    def apply(self) -> None:
        self.holding_speed = False
        lib.zk_wheels_apply(self._c, self._truth_ptr)

    def command_speed(self) -> None:
        self.holding_speed = True
        self.hold_speed()

    def hold_speed(self) -> None:
        """One step of the speed loop against the true speeds, if a speed command is in effect."""
        if not self.holding_speed:
            return
        speed = self._truth
        friction = np.sign(speed) * self._coulomb_nm + speed * self._viscous_nm_s
        error = np.nan_to_num(self.speed_cmd_rad_s - speed)
        self.torque_cmd_nm[:] = self.inertia_kg_m2 * error / self.speed_loop_time_s + friction
        lib.zk_wheels_apply(self._c, self._truth_ptr)

    def sample(self) -> bool:
        """False while a wheel is dead (its speed reading is kept; the others are refreshed)."""
        ok = bool(lib.zk_wheels_read(self._c, self._truth_ptr, self._speed_ptr))
        np.abs(self.torque_applied_nm, out=self.current_a)
        self.current_a /= self.motor_constant_nm_a
        self.current_a += self.no_load_current_a
        return ok

    def inject(self, fault: Fault) -> None:
        n = self.n
        if fault.unit is not None and fault.unit >= n:
            raise ValueError(f"Fault.unit must be a wheel index below {n}; got {fault.unit}")
        units = range(n) if fault.unit is None else (fault.unit,)
        if fault.bias is not None and len(fault.bias) != len(units):
            raise ValueError(
                f"Fault.bias of the wheels needs {len(units)} values (N m, one per failed wheel);"
                f" got {len(fault.bias)}"
            )
        for k, i in enumerate(units):
            bias = None if fault.bias is None else (fault.bias[k],)
            one = Fault(fault.device, fault.kind, fault.t_s, fault.factor, bias)
            write_fault(self._c.fault[i], one, ("N m",), "wheels")

    def clear_fault(self) -> None:
        for i in range(self.n):
            clear_fault(self._c.fault[i])
