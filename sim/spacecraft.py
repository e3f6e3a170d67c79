"""The spacecraft description: mass properties, devices and their parameters.

The default is a ~130 kg agile Earth imager. Device parameters are modelled on real small-satellite
hardware classes, named in each field's comment, so that a scenario can override them knowingly.
"""

from dataclasses import dataclass, field

import numpy as np

from sim.power import PowerSpec

RPM = 2.0 * np.pi / 60.0
DEG = np.pi / 180.0
ARCSEC = DEG / 3600.0


def pyramid_axes(elevation_rad: float, n: int = 4) -> np.ndarray:
    """Unit spin axes of n wheels spread in azimuth (45 deg + k 360/n) at one elevation from the X-Y plane."""
    az = np.deg2rad(45.0) + 2.0 * np.pi * np.arange(n) / n
    c = np.cos(elevation_rad)
    return np.column_stack([c * np.cos(az), c * np.sin(az), np.full(n, np.sin(elevation_rad))])


@dataclass(frozen=True)
class WheelSpec:
    """A set of reaction wheels: 1.5 N m s / 0.2 N m class (e.g. a 6000 rpm wheel of ~2.4 kg)."""

    axis_b: np.ndarray = field(default_factory=lambda: pyramid_axes(np.arcsin(1.0 / np.sqrt(3.0))))
    inertia_kg_m2: float = 1.5 / (6000.0 * RPM)
    torque_max_nm: float = 0.2
    speed_max_rad_s: float = 6000.0 * RPM

    @property
    def n(self) -> int:
        return len(self.axis_b)

    @property
    def momentum_max_nms(self) -> float:
        return self.inertia_kg_m2 * self.speed_max_rad_s


@dataclass(frozen=True)
class GyroSpec:
    """Fibre-optic gyro class: 0.01 deg/sqrt(h) angle random walk, bias of ~0.1 deg/h."""

    angle_random_walk_rad_sqrt_s: float = 0.01 * DEG / 60.0
    bias_rad_s: tuple[float, float, float] = (0.1 * DEG / 3600.0, -0.07 * DEG / 3600.0, 0.05 * DEG / 3600.0)

    def noise_rad_s(self, dt_s: float) -> float:
        """1-sigma white noise of one sample averaged over dt_s."""
        return self.angle_random_walk_rad_sqrt_s / np.sqrt(dt_s)


@dataclass(frozen=True)
class StarTrackerSpec:
    """Small-satellite star tracker class: 5 arcsec cross-boresight, 35 arcsec about boresight (1 sigma).

    The boresight looks to zenith (-Z_B) tilted 20 deg towards +Y_B, away from the sun side: in nadir
    pointing Y_B = -(r x v) / |r x v|, and the default 10:30 LTDN orbit has the sun on -Y_B.
    """

    noise_cross_rad: float = 5.0 * ARCSEC
    noise_about_rad: float = 35.0 * ARCSEC
    boresight_tilt_rad: float = 20.0 * DEG


@dataclass(frozen=True)
class MagnetometerSpec:
    """Fluxgate / AMR magnetometer class: 100 nT noise per axis."""

    noise_t: float = 100e-9
    bias_b_t: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class SunSensorSpec:
    """Coarse sun sensor class: ~0.5 deg per axis."""

    noise_rad: float = 0.5 * DEG


@dataclass(frozen=True)
class GnssSpec:
    """Space GNSS receiver class: 5 m position, 0.05 m/s velocity (1 sigma per axis), 1 Hz fixes."""

    noise_pos_m: float = 5.0
    noise_vel_m_s: float = 0.05


@dataclass(frozen=True)
class MagnetorquerSpec:
    """Three torque rods of the 20 A m^2 class."""

    dipole_max_am2: float = 20.0


@dataclass(frozen=True)
class Spacecraft:
    """Mass properties and devices. `inertia_kg_m2` is the whole spacecraft, wheels included."""

    mass_kg: float = 130.0
    inertia_kg_m2: np.ndarray = field(
        default_factory=lambda: np.array([[14.2, 0.12, -0.08], [0.12, 16.5, 0.05], [-0.08, 0.05, 9.8]])
    )
    wheels: WheelSpec = field(default_factory=WheelSpec)
    gyro: GyroSpec = field(default_factory=GyroSpec)
    star_tracker: StarTrackerSpec = field(default_factory=StarTrackerSpec)
    magnetometer: MagnetometerSpec = field(default_factory=MagnetometerSpec)
    sun_sensor: SunSensorSpec = field(default_factory=SunSensorSpec)
    gnss: GnssSpec = field(default_factory=GnssSpec)
    magnetorquers: MagnetorquerSpec = field(default_factory=MagnetorquerSpec)
    power: PowerSpec = field(default_factory=PowerSpec)
    drag_area_m2: float = 1.2  # mean cross-section against the flow (body plus wings edge-on)
    drag_coefficient: float = 2.2  # free-molecular flat-plate value

    @property
    def drag_area_m2_per_kg(self) -> float:
        """C_d A / m, the ballistic figure of the orbit's drag."""
        return self.drag_coefficient * self.drag_area_m2 / self.mass_kg


DEFAULT_SPACECRAFT = Spacecraft()
