"""The electrical power system's description: solar panels, battery, loads; and its C truth state.

Defaults model a ~130 kg agile imager in a 500 km 10:30 LTDN sun-synchronous orbit. In nadir pointing
that orbit keeps the sun on the -Y_B side of the orbit plane (beta ~17-30 deg over the year) and
sweeps it through the zenith (-Z_B) at orbit noon, so the arrays face zenith canted towards -Y_B.
Generation is ~140 W orbit average in nadir pointing against ~70 W of always-on loads, which leaves
room for imaging, downlinks and slews. Hardware classes are named in the comments.
"""

from dataclasses import dataclass, field

import numpy as np

from native import ffi, lib

WH = 3600.0  # J per watt-hour
WING_CANT_RAD = np.deg2rad(20.0)  # from zenith towards -Y_B: about the default orbit's beta angle
WING_NORMAL_B = (0.0, -float(np.sin(WING_CANT_RAD)), -float(np.cos(WING_CANT_RAD)))


@dataclass(frozen=True)
class SolarPanelSpec:
    """A flat panel: outward normal in body, area, cell efficiency and the fraction of it covered by cells."""

    name: str
    normal_b: tuple[float, float, float]
    area_m2: float
    efficiency: float = 0.28  # triple-junction GaAs (29.5 % at 28 C BOL), ~28 % at operating temperature
    packing_factor: float = 0.85  # cells / panel area on a deployable panel


@dataclass(frozen=True)
class BatterySpec:
    """Li-ion 18650 pack, 8s4p of 3.4 Ah cells (NCR18650B class): ~390 Wh, 24-33.6 V, battery-direct bus."""

    capacity_j: float = 8 * 4 * 3.6 * 3.4 * WH
    soc_initial: float = 0.8
    charge_max_w: float = 200.0  # ~0.5 C
    discharge_max_w: float = 400.0  # ~1 C
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    soc_recover: float = 0.2  # after a brown-out the loads come back at this SoC
    v_empty_v: float = 8 * 3.0  # open-circuit voltage at SoC 0 and 1, linear between
    v_full_v: float = 8 * 4.2
    r_internal_ohm: float = 8 * 0.05 / 4  # ~50 mOhm per cell


@dataclass(frozen=True)
class LoadSpec:
    """A switched load: its power when on, and whether it is on at the start."""

    name: str
    power_w: float
    on: bool = True


def _default_panels() -> tuple[SolarPanelSpec, ...]:
    return (
        SolarPanelSpec("wing_minus_y", WING_NORMAL_B, 0.45),  # 3 x 0.15 m^2 hinged panels per wing
        SolarPanelSpec("wing_plus_y", WING_NORMAL_B, 0.45),
        SolarPanelSpec("body_zenith", (0.0, 0.0, -1.0), 0.30, packing_factor=0.80),  # around the star tracker
        SolarPanelSpec("body_minus_y", (0.0, -1.0, 0.0), 0.25, packing_factor=0.80),
    )


def _default_loads() -> tuple[LoadSpec, ...]:
    return (
        LoadSpec("obc", 8.0),  # radiation-tolerant on-board computer
        LoadSpec("eps", 3.0),  # power board electronics
        LoadSpec("star_tracker", 1.5),  # small-satellite star tracker
        LoadSpec("gyro", 6.0),  # three-axis fibre-optic gyro
        LoadSpec("gnss", 1.5),  # space GNSS receiver
        LoadSpec("magnetometer", 0.5),  # fluxgate
        LoadSpec("sun_sensors", 0.2),  # coarse sun sensors
        LoadSpec("receiver", 3.0),  # S-band TT&C receiver, always listening
        LoadSpec("heaters", 15.0),  # thermostatic bus and battery heaters, orbit-average duty
        LoadSpec("telescope_heaters", 20.0),  # thermal control of the optics
        LoadSpec("payload", 80.0, on=False),  # imager focal plane, processing and mass memory while imaging
        LoadSpec("transmitter", 40.0, on=False),  # X-band payload downlink, ~8 W RF, during passes
    )


@dataclass(frozen=True)
class PowerSpec:
    """Solar panels, battery, switched loads, actuator draw and the EPS board's telemetry noise."""

    panels: tuple[SolarPanelSpec, ...] = field(default_factory=_default_panels)
    battery: BatterySpec = field(default_factory=BatterySpec)
    loads: tuple[LoadSpec, ...] = field(default_factory=_default_loads)
    wheel_idle_w: float = 2.0  # per wheel at zero torque, 1.5 N m s wheel class: electronics, friction
    wheel_motor_efficiency: float = 0.75  # brushless DC motor and drive
    mtq_w_per_am2_sq: float = 1.0 / 20.0**2  # 1 W per torque rod at its 20 A m^2 full dipole
    telemetry_noise_fraction: float = 0.01  # 1 sigma, relative, of each EPS reading

    def __post_init__(self):
        b, panels = self.battery, self.panels
        n_max_panels, n_max_loads = lib.ZK_POWER_MAX_PANELS, lib.ZK_POWER_MAX_LOADS
        needs = {
            f"1 to {n_max_panels} panels": 0 < len(panels) <= n_max_panels,
            f"at most {n_max_loads} loads": len(self.loads) <= n_max_loads,
            "unique load names": len(set(self.load_names)) == len(self.loads),
            "non-zero panel normals and positive areas": all(
                np.linalg.norm(p.normal_b) > 0.0 and p.area_m2 > 0.0 for p in panels
            ),
            "panel efficiencies and packing factors in (0, 1]": all(
                0.0 < p.efficiency <= 1.0 and 0.0 < p.packing_factor <= 1.0 for p in panels
            ),
            "non-negative load powers": all(load.power_w >= 0.0 for load in self.loads),
            "a positive capacity and an initial SoC in [0, 1]": b.capacity_j > 0.0
            and 0.0 <= b.soc_initial <= 1.0,
            "battery efficiencies in (0, 1]": 0.0 < b.charge_efficiency <= 1.0
            and 0.0 < b.discharge_efficiency <= 1.0,
            "0 < v_empty_v < v_full_v and r_internal_ohm >= 0": 0.0 < b.v_empty_v < b.v_full_v
            and b.r_internal_ohm >= 0.0,
            "a wheel motor efficiency in (0, 1]": 0.0 < self.wheel_motor_efficiency <= 1.0,
        }
        unmet = [need for need, met in needs.items() if not met]
        if unmet:
            raise ValueError("power spec needs " + "; ".join(unmet))

    @property
    def load_names(self) -> tuple[str, ...]:
        return tuple(load.name for load in self.loads)


def fill_power(p, spec: PowerSpec) -> None:
    """Fill a C `zk_power *` (standalone or a world's member) from `spec`, SoC at its initial value."""
    p.n_panels = len(spec.panels)
    normals = np.array([p_.normal_b for p_ in spec.panels], dtype=float)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    for k, panel in enumerate(spec.panels):
        p.panel_normal_b[3 * k : 3 * k + 3] = list(normals[k])
        p.panel_area_m2[k] = panel.area_m2
        p.panel_efficiency[k] = panel.efficiency
        p.panel_packing[k] = panel.packing_factor
    b = spec.battery
    p.capacity_j = b.capacity_j
    p.charge_max_w = b.charge_max_w
    p.discharge_max_w = b.discharge_max_w
    p.charge_efficiency = b.charge_efficiency
    p.discharge_efficiency = b.discharge_efficiency
    p.soc_recover = b.soc_recover
    p.v_empty_v = b.v_empty_v
    p.v_full_v = b.v_full_v
    p.r_internal_ohm = b.r_internal_ohm
    p.n_loads = len(spec.loads)
    for k, load in enumerate(spec.loads):
        p.load_w[k] = load.power_w
        p.load_on[k] = int(load.on)
    p.wheel_idle_w = spec.wheel_idle_w
    p.wheel_motor_efficiency = spec.wheel_motor_efficiency
    p.mtq_w_per_am2_sq = spec.mtq_w_per_am2_sq
    p.soc = b.soc_initial
    p.flags = 0
    p.bus_voltage_v = lib.zk_power_bus_voltage_v(p, b.soc_initial, 0.0)


def power_state(spec: PowerSpec):
    """A new C `zk_power *` filled from `spec`."""
    p = ffi.new("zk_power *")
    fill_power(p, spec)
    return p
