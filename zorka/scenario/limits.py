"""The bounds of a scenario: what a run can hold and what onboard time can stamp.

A scenario that passes these (and the field checks of `toml_file`) runs. The text is bounded before it is
parsed (size, nesting), arrays while it is read, and every number against a physical range, in the units
of the file, where the field's own metadata gives none.
"""

import math
import re
from datetime import timedelta

import numpy as np

from ccsds.time_code import CDS_EPOCH
from native.time_scales import SECONDS_PER_DAY

MAX_TEXT_BYTES = 1 << 20
"""A scenario file is at most 1 MiB (the shipped examples are under 4 KiB)."""
MAX_NESTING = 16
"""Arrays and tables nest at most this deep (a scenario needs 3: an inline table in an array of tables)."""
MAX_ARRAY_ITEMS = 10_000
"""Items of any one array: requests, faults, commands, stations, matrix rows (onboard counts are 16-bit)."""

MAX_RUN_DURATION_S = 30 * SECONDS_PER_DAY
"""A simulated run's memory stays flat (~61 MiB resident: its records are streamed), so what bounds it is
its files and time: a day of the built-in mission writes ~62 MB into the run folder (truth.oem/aem 16 MB,
tm.bin and the radio's frames 29 MB, the archive 17 MB) and ~10 MB of scratch truth rows, in ~20 CPU-s.
30 days is ~2 GB and ~10 CPU-minutes."""
MAX_LIVE_DURATION_S = 366 * SECONDS_PER_DAY
"""A live session (`serve`, `sim-server`, `flight`) is paced by the wall clock; it is sized for a year."""

ONBOARD_LAST = CDS_EPOCH + timedelta(days=0x10000, milliseconds=-1)
"""Onboard time is a CDS short code (16-bit days since 1958-01-01, 32-bit ms of day): its last instant."""
LAST_EPOCH = (ONBOARD_LAST - timedelta(seconds=MAX_LIVE_DURATION_S)).replace(microsecond=0)
"""The latest epoch from which any run, live ones included, ends within onboard time."""
EPOCH_RANGE = (
    f"{CDS_EPOCH:%Y-%m-%dT%H:%M:%SZ} to {LAST_EPOCH:%Y-%m-%dT%H:%M:%SZ} (onboard time is a CDS code of "
    f"16-bit days since 1958, which ends {ONBOARD_LAST:%Y-%m-%d}; a live run may last a year)"
)

# Physical ranges (lo, hi) in the file's units, for fields whose metadata has no upper bound. Keys are
# file paths without indices: `start.rate_deg_s` covers each of its three numbers. Noise figures the
# flight software's estimator is loaded with must be > 0.
SPACECRAFT = {
    "mass_kg": (0.1, 1e4),
    "inertia_kg_m2": (-1e5, 1e5),
    "drag_area_m2": (0.0, 1e3),
    "drag_coefficient": (0.0, 10.0),
    "wheels.axis_b": (-1e3, 1e3),
    "wheels.inertia_kg_m2": (1e-6, 10.0),
    "wheels.torque_max_nm": (1e-6, 10.0),
    "wheels.speed_max_rpm": (1.0, 1e5),
    "wheels.friction_coulomb_nm": (0.0, 1.0),
    "wheels.friction_viscous_nm_s": (0.0, 1.0),
    "wheels.torque_noise_nm": (0.0, 1.0),
    "wheels.motor_constant_nm_a": (1e-4, 10.0),
    "wheels.no_load_current_a": (0.0, 100.0),
    "wheels.speed_loop_time_s": (0.01, 1e3),
    "gyro.angle_random_walk_deg_sqrt_h": (1e-6, 100.0),
    "gyro.bias_instability_deg_h": (0.0, 1e4),
    "gyro.instability_correlation_s": (1.0, 1e7),
    "gyro.rate_random_walk_deg_h_sqrt_h": (1e-6, 1e4),
    "gyro.bias_deg_h": (-1e5, 1e5),
    "star_tracker.noise_cross_arcsec": (0.01, 36_000.0),
    "star_tracker.noise_about_arcsec": (0.01, 36_000.0),
    "star_tracker.boresight_tilt_deg": (-90.0, 90.0),
    "star_tracker.update_hz": (0.01, 10.0),
    "star_tracker.sun_exclusion_deg": (0.0, 180.0),
    "star_tracker.earth_exclusion_deg": (0.0, 180.0),
    "magnetometer.noise_nt": (0.0, 1e5),
    "magnetometer.bias_b_nt": (-1e5, 1e5),
    "magnetometer.torquer_coupling_t_per_am2": (-1e-3, 1e-3),
    "sun_sensor.head_normal_b": (-1e3, 1e3),
    "sun_sensor.full_sun_current_a": (1e-9, 1.0),
    "sun_sensor.noise_a": (0.0, 1.0),
    "sun_sensor.lit_threshold_a": (0.0, 1.0),
    "sun_sensor.valid_fraction": (0.0, 1.0),
    "gnss.noise_pos_m": (0.0, 1e5),
    "gnss.noise_vel_m_s": (0.0, 1e3),
    "gnss.fix_hz": (0.01, 10.0),
    "gnss.outage_gap_mean_s": (1.0, 1e9),
    "gnss.outage_mean_s": (0.1, 1e7),
    "magnetorquers.dipole_max_am2": (1e-3, 1e3),
    "magnetorquers.dipole_noise_am2": (0.0, 1e3),
    "power.panels.normal_b": (-1e3, 1e3),
    "power.panels.area_m2": (0.0, 100.0),
    "power.panels.efficiency": (0.0, 1.0),
    "power.panels.packing_factor": (0.0, 1.0),
    "power.battery.capacity_wh": (0.1, 1e5),
    "power.battery.soc_initial": (0.0, 1.0),
    "power.battery.charge_max_w": (0.0, 1e5),
    "power.battery.discharge_max_w": (0.0, 1e5),
    "power.battery.charge_efficiency": (0.01, 1.0),
    "power.battery.discharge_efficiency": (0.01, 1.0),
    "power.battery.soc_recover": (0.0, 1.0),
    "power.battery.v_empty_v": (1.0, 1e3),
    "power.battery.v_full_v": (1.0, 1e3),
    "power.battery.r_internal_ohm": (0.0, 100.0),
    "power.loads.power_w": (0.0, 1e5),
    "power.wheel_idle_w": (0.0, 1e4),
    "power.wheel_motor_efficiency": (0.01, 1.0),
    "power.mtq_w_per_am2_sq": (0.0, 100.0),
    "power.telemetry_noise_fraction": (0.0, 1.0),
    "imager.focal_length_m": (0.01, 100.0),
    "imager.pixel_pitch_m": (1e-7, 1e-3),
    "imager.detector_pixels": (1, 100_000),
    "imager.tdi_stages": (1, 256),
    "imager.capture_max_s": (0.5, 600.0),
    "imager.quicklook_px": (8, 2048),
    "surfaces.surfaces.area_m2": (0.0, 100.0),
    "surfaces.surfaces.normal_b": (-1e3, 1e3),
    "surfaces.surfaces.centre_b_m": (-100.0, 100.0),
    "surfaces.surfaces.specular": (0.0, 1.0),
    "surfaces.surfaces.diffuse": (0.0, 1.0),
    "surfaces.surfaces.drag_coefficient": (0.0, 10.0),
    "surfaces.centre_of_mass_b_m": (-100.0, 100.0),
}
RUN_S = (0.0, MAX_RUN_DURATION_S)
RANGES = {
    **{f"spacecraft.{key}": bounds for key, bounds in SPACECRAFT.items()},
    "start.offset_axis_b": (-1e3, 1e3),
    "start.rate_deg_s": (-30.0, 30.0),
    "flight.inertia_kg_m2": (-1e5, 1e5),
    "report.stats_from_s": RUN_S,
    "report.truth_rate_hz": (1e-4, 10.0),  # a row at least every ~2.8 h; near 0 its period overflows
    "faults.t_s": RUN_S,
    "faults.factor": (0.0, 1e6),
    "faults.bias": (-1e6, 1e6),
    "faults.unit": (0, 15),
    "link.commands.t_s": RUN_S,
    "requests.window_start_s": RUN_S,
    "requests.window_end_s": RUN_S,
}
INDEX = re.compile(r"\[\d+\]")


def physical_range(path: str) -> tuple[float, float] | None:
    """The (lo, hi) of the field at file path `path` (indices ignored), or None if it has none here."""
    return RANGES.get(INDEX.sub("", path))


def duration_cap_message(value_s: float, cap_s: float) -> str:
    """Why a duration is refused: the cap, and what it is for."""
    days = cap_s / SECONDS_PER_DAY
    if cap_s == MAX_RUN_DURATION_S:
        why = "a run writes ~70 MB of files per simulated day"
    else:
        why = "a live session is sized for a year of records"
    return f"{value_s / SECONDS_PER_DAY:g} days is longer than {days:g} days ({why}); run it in parts"


# Strings and comments, where brackets are text; what is left counts nesting.
TOML_TEXT = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*', re.DOTALL
)


def nesting_depth(text: str) -> int:
    """How deep `[` and `{` nest in TOML text outside strings and comments (table headers count)."""
    code = TOML_TEXT.sub("", text).encode("utf-8", "replace")
    marks = np.frombuffer(code, dtype=np.uint8)
    steps = (np.isin(marks, (ord("["), ord("{"))).astype(np.int64)) - np.isin(marks, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def check_run_duration(duration_s: float, live: bool) -> None:
    """ValueError (one line) unless a run of `duration_s` fits what a run can hold; before it allocates."""
    cap_s = MAX_LIVE_DURATION_S if live else MAX_RUN_DURATION_S
    if not 0.0 < duration_s < math.inf:
        raise ValueError(f"duration {duration_s!r} s: must be a positive number of seconds")
    if duration_s > cap_s:
        raise ValueError(f"duration {duration_s:g} s: {duration_cap_message(duration_s, cap_s)}")
