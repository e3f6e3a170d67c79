"""The spacecraft description: mass properties, devices and their parameters.

The default is a ~130 kg agile Earth imager. Device parameters are modelled on real small-satellite
hardware classes, named in each field's comment, so that a scenario can override them knowingly.
"""

from dataclasses import dataclass, field

import numpy as np

from sim.power import PowerSpec
from sim.surfaces import SurfaceModel, default_imager_surfaces

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
    """A set of reaction wheels: 1.5 N m s / 0.2 N m class (e.g. a 6000 rpm wheel of ~2.4 kg).

    Bearing friction of that class: ~2 mN m Coulomb plus 1e-5 N m per rad/s viscous (~8 mN m of drag
    at full speed); motor torque ripple and drive noise ~0.2 mN m (1 sigma, white per control step).
    Motor: torque constant 0.05 N m/A (4 A at full torque) and 0.05 A no-load current, as catalogues of
    brushless wheel drives give them. Speed commands are held by the drive's own loop, which closes
    the speed error with time constant `speed_loop_time_s` over a feed-forward of the bearing friction.
    """

    axis_b: np.ndarray = field(default_factory=lambda: pyramid_axes(np.arcsin(1.0 / np.sqrt(3.0))))
    inertia_kg_m2: float = 1.5 / (6000.0 * RPM)
    torque_max_nm: float = 0.2
    speed_max_rad_s: float = 6000.0 * RPM
    friction_coulomb_nm: float = 2e-3
    friction_viscous_nm_s: float = 1e-5  # N m per rad/s
    torque_noise_nm: float = 2e-4
    motor_constant_nm_a: float = 0.05
    no_load_current_a: float = 0.05
    speed_loop_time_s: float = 0.5

    @property
    def n(self) -> int:
        return len(self.axis_b)

    @property
    def momentum_max_nms(self) -> float:
        return self.inertia_kg_m2 * self.speed_max_rad_s


@dataclass(frozen=True)
class GyroSpec:
    """Fibre-optic gyro class (navigation-grade small FOG): angle random walk 0.01 deg/sqrt(h), bias
    instability 0.1 deg/h, rate random walk 0.03 deg/h/sqrt(h), turn-on bias ~0.1 deg/h.

    The bias instability B is the flicker floor of the Allan deviation, 0.664 B, approximated by a sum
    of first-order Gauss-Markov biases with correlation times a decade apart: flat within +-5 % from
    ~1.9x the shortest to ~1.9x the longest time (here ~3 min to ~5 h).
    """

    angle_random_walk_rad_sqrt_s: float = 0.01 * DEG / 60.0
    bias_instability_rad_s: float = 0.1 * DEG / 3600.0
    instability_correlation_s: tuple[float, float, float] = (100.0, 1000.0, 10000.0)
    rate_random_walk_rad_s_sqrt_s: float = 0.03 * DEG / 3600.0 / 60.0
    bias_rad_s: tuple[float, float, float] = (0.1 * DEG / 3600.0, -0.07 * DEG / 3600.0, 0.05 * DEG / 3600.0)

    def noise_rad_s(self, dt_s: float) -> float:
        """1-sigma white noise of one sample averaged over dt_s."""
        return self.angle_random_walk_rad_sqrt_s / np.sqrt(dt_s)


@dataclass(frozen=True)
class StarTrackerSpec:
    """Small-satellite star tracker class: 5 arcsec cross-boresight, 35 arcsec about boresight (1 sigma),
    5 Hz, blinded by the sun within 40 deg of the boresight and by the lit Earth within 25 deg of its limb.

    The boresight looks to zenith (-Z_B) tilted 30 deg towards +Y_B, away from the sun side: in nadir
    pointing Y_B = -(r x v) / |r x v|, and the default 10:30 LTDN orbit has the sun on -Y_B, >= 47 deg
    from the boresight; the Earth's limb stays > 80 deg from it.
    """

    noise_cross_rad: float = 5.0 * ARCSEC
    noise_about_rad: float = 35.0 * ARCSEC
    boresight_tilt_rad: float = 30.0 * DEG
    update_hz: float = 5.0
    sun_exclusion_rad: float = 40.0 * DEG
    earth_exclusion_rad: float = 25.0 * DEG


MU0_OVER_4PI = 1e-7  # T m / A


def torquer_coupling(offsets_b_m) -> np.ndarray:
    """Field at a magnetometer per unit dipole of each torque rod, T / (A m^2), 3x3 (column j: the rod
    along body axis j). `offsets_b_m[j]`: the magnetometer's position from rod j's centre (point dipole)."""
    coupling = np.zeros((3, 3))
    for j, offset in enumerate(np.asarray(offsets_b_m, dtype=float)):
        r_m = np.linalg.norm(offset)
        u = offset / r_m
        coupling[:, j] = MU0_OVER_4PI / r_m**3 * (3.0 * u[j] * u - np.eye(3)[j])
    return coupling


@dataclass(frozen=True)
class MagnetometerSpec:
    """Fluxgate / AMR magnetometer class: 100 nT noise per axis, inside the bus ~0.6 m from the torque rods.

    Their field adds to the reading: `torquer_coupling_t_per_am2` (body field per applied body dipole)
    is ~1e-7 to 5e-7 T per A m^2 on each axis, up to ~24 uT with every rod at its 20 A m^2 limit.
    """

    noise_t: float = 100e-9
    bias_b_t: tuple[float, float, float] = (0.0, 0.0, 0.0)
    torquer_coupling_t_per_am2: np.ndarray = field(
        default_factory=lambda: torquer_coupling([(0.15, 0.55, 0.2), (0.55, 0.15, 0.2), (0.25, 0.3, 0.45)])
    )


@dataclass(frozen=True)
class SunSensorSpec:
    """Coarse sun sensor class: a cosine photodiode on each of the six body faces, ~1 mA in full sun at
    normal incidence with ~1 % noise (~0.6 deg per axis of the fitted direction; no Earth albedo).

    A head above `lit_threshold_a` is lit; the direction is fitted over the lit heads and is valid
    when its length is at least `valid_fraction` of full sun (half the disk seen, as out of eclipse).
    """

    head_normal_b: np.ndarray = field(default_factory=lambda: np.vstack([np.eye(3), -np.eye(3)]))
    full_sun_current_a: float = 1e-3
    noise_a: float = 1e-5
    lit_threshold_a: float = 3e-5
    valid_fraction: float = 0.5


@dataclass(frozen=True)
class GnssSpec:
    """Space GNSS receiver class: 5 m position, 0.05 m/s velocity (1 sigma per axis), 1 Hz fixes; losing
    lock now and then (mean 2 h between outages, mean outage 60 s, both exponential)."""

    noise_pos_m: float = 5.0
    noise_vel_m_s: float = 0.05
    fix_hz: float = 1.0
    outage_gap_mean_s: float = 7200.0
    outage_mean_s: float = 60.0


@dataclass(frozen=True)
class MagnetorquerSpec:
    """Three torque rods of the 20 A m^2 class, current-driven to ~0.1 % of full dipole (1 sigma)."""

    dipole_max_am2: float = 20.0
    dipole_noise_am2: float = 0.02


@dataclass(frozen=True)
class ImagerSpec:
    """Pushbroom imager: 0.5 m GSD at nadir from 500 km over a 10 km swath, 16 TDI stages.

    A 5.5 m focal length (a folded telescope) over 5.5 um pixels gives an IFOV of 1 urad; 20,000 pixels
    across. The line time is set per capture to GSD / ground speed (~70 us, ~14 k lines/s).

    Products carry a quicklook `quicklook_px` pixels across the swath; a capture lasts at most
    `capture_max_s`.
    """

    focal_length_m: float = 5.5
    pixel_pitch_m: float = 5.5e-6
    detector_pixels: int = 20000
    tdi_stages: int = 16
    capture_max_s: float = 120.0
    quicklook_px: int = 256

    @property
    def ifov_rad(self) -> float:
        """Angle one pixel subtends, rad."""
        return self.pixel_pitch_m / self.focal_length_m


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
    imager: ImagerSpec = field(default_factory=ImagerSpec)
    surfaces: SurfaceModel = field(default_factory=default_imager_surfaces)
    drag_area_m2: float = 1.0  # mean cross-section against the flow: the 0.8 m^2 bus face plus the wings
    drag_coefficient: float = 2.2  # free-molecular flat-plate value

    @property
    def drag_area_m2_per_kg(self) -> float:
        """C_d A / m, the ballistic figure of the orbit's drag."""
        return self.drag_coefficient * self.drag_area_m2 / self.mass_kg


DEFAULT_SPACECRAFT = Spacecraft()
