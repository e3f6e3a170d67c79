"""Device faults: which device fails, how, and when, written into the devices' C models.

A `Fault` names a device of the `hal.devices.DeviceSet` (`gyro`, `star_tracker`, ...), a kind and the
time it strikes; the mission runner runs up to `t_s` and then calls `inject(devices, fault)`, so the
devices need no clock. Kinds: `stuck` (the reading freezes; an actuator holds its last output),
`dead` (`sample()` gives False; an actuator gives nothing), `noisy` (white noise times `factor`),
`biased` (`bias` added, in the units and order of the device's output). The C models apply the
fault every sample with no Python; a fault never shifts a device's random draws.
"""

import math
from dataclasses import dataclass, fields

from hal.devices import DeviceSet
from native import lib

KINDS = {
    "stuck": lib.ZK_FAULT_STUCK,
    "dead": lib.ZK_FAULT_DEAD,
    "noisy": lib.ZK_FAULT_NOISY,
    "biased": lib.ZK_FAULT_BIASED,
}
DEVICES = tuple(f.name for f in fields(DeviceSet))


@dataclass(frozen=True)
class Fault:
    """`device` fails as `kind` at `t_s` (s since the epoch). `factor` (noisy only): the noise
    multiplier, >= 0. `bias` (biased only): added to the output. `unit`: one unit of a device made
    of several (a wheel, by index); None fails them all."""

    device: str
    kind: str
    t_s: float
    factor: float | None = None
    bias: tuple[float, ...] | None = None
    unit: int | None = None

    def __post_init__(self):
        if self.device not in DEVICES:
            raise ValueError(f"Fault.device must be one of {', '.join(DEVICES)}; got {self.device!r}")
        if self.kind not in KINDS:
            raise ValueError(f"Fault.kind must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if not _is_number(self.t_s) or not math.isfinite(self.t_s) or self.t_s < 0.0:
            raise ValueError(f"Fault.t_s must be a finite time >= 0 s; got {self.t_s!r}")
        if (self.kind == "noisy") != (self.factor is not None):
            raise ValueError(f"Fault.factor is given for kind 'noisy' and only then; got {self.factor!r}")
        if self.factor is not None and not (_is_number(self.factor) and 0.0 <= self.factor < math.inf):
            raise ValueError(f"Fault.factor must be a finite number >= 0; got {self.factor!r}")
        if (self.kind == "biased") != (self.bias is not None):
            raise ValueError(f"Fault.bias is given for kind 'biased' and only then; got {self.bias!r}")
        if self.bias is not None and (
            not isinstance(self.bias, tuple)
            or not self.bias
            or not all(_is_number(b) and math.isfinite(b) for b in self.bias)
        ):
            raise ValueError(f"Fault.bias must be a non-empty tuple of finite numbers; got {self.bias!r}")
        if self.unit is not None and (
            isinstance(self.unit, bool) or not isinstance(self.unit, int) or self.unit < 0
        ):
            raise ValueError(f"Fault.unit must be None or an index >= 0; got {self.unit!r}")


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def inject(devices: DeviceSet, fault: Fault) -> None:
    """Fail `fault.device` of `devices` now."""
    device = getattr(devices, fault.device)
    if not hasattr(device, "inject"):
        raise ValueError(f"Fault.device: the {fault.device} ({type(device).__name__}) has no fault model")
    device.inject(fault)


def write_fault(target, fault: Fault, bias_units: tuple[str, ...], device: str) -> None:
    """Write `fault` into a C `zk_fault` (a struct member); `bias_units`: one per bias component."""
    if fault.bias is not None and len(fault.bias) != len(bias_units):
        raise ValueError(
            f"Fault.bias of the {device} needs {len(bias_units)} values ({', '.join(bias_units)});"
            f" got {len(fault.bias)}"
        )
    clear_fault(target)
    target.kind = KINDS[fault.kind]
    if fault.factor is not None:
        target.factor = fault.factor
    for i, b in enumerate(fault.bias or ()):
        target.bias[i] = b


def clear_fault(target) -> None:
    """No fault in a C `zk_fault`."""
    target.kind = lib.ZK_FAULT_NONE
    target.factor = 1.0
    for i in range(lib.ZK_FAULT_BIAS_MAX):
        target.bias[i] = 0.0


class SingleUnitFaults:
    """`inject` / `clear_fault` of a simulated device whose C struct `_c` has one `fault`.

    `fault_bias_units`: the unit of each component of a `biased` fault's bias, in output order.
    """

    _c: object
    fault_bias_units: tuple[str, ...]

    def inject(self, fault: Fault) -> None:
        name = type(self).__name__
        if fault.unit is not None:
            raise ValueError(f"Fault.unit must be None: the {name} is a single unit; got {fault.unit!r}")
        write_fault(self._c.fault, fault, self.fault_bias_units, name)

    def clear_fault(self) -> None:
        clear_fault(self._c.fault)
