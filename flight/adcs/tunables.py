"""The ADCS's tunable parameters (service 20): control gains and limits, slew limits, wheel-bias targets,
mode-transition thresholds and the fault-detection thresholds and persistence.

Each is declared with its type, range, unit and a line on what it does, and bound to the very value the
code reads: a C struct field where the hot path keeps it (gains, integral limits, wheel monitor,
magnetic control), an attribute otherwise. The default is the value the ADCS was configured with, so
declaring them changes nothing until the ground sets one.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import replace

from flight.adcs.attitude_loop import AttitudeLoop
from flight.adcs.commands import POINTING_BANDWIDTH, POINTING_DAMPING
from flight.dictionary import Arg, Dictionary, Tunable

FIRST_ID = 100
"""Tunable ids 100-199: the ADCS."""


def _float(name: str, low: float, high: float, unit: str) -> Arg:
    return Arg(name, "float", 64, low, high, unit)


DECLARED = (
    (
        replace(POINTING_BANDWIDTH, name="pointing_bandwidth_rad_s"),
        "closed-loop natural frequency of the pointing controller",
    ),
    (
        replace(POINTING_DAMPING, name="pointing_damping", unit="1"),
        "damping ratio of the pointing controller",
    ),
    (
        _float("integral_torque_max_nm", 0.0, 0.1, "N m"),
        "clamp of the pointing controller's integral torque, per axis",
    ),
    (
        _float("integral_zone_rad", 0.0, 0.5, "rad"),
        "attitude error below which the pointing controller integrates",
    ),
    (
        _float("slew_rate_max_rad_s", 1e-3, 0.5, "rad/s"),
        "rate limit of slews relative to the target profile (the payload plans with it)",
    ),
    (
        _float("slew_accel_max_rad_s2", 1e-4, 0.5, "rad/s^2"),
        "angular acceleration limit of slews (the payload plans with it)",
    ),
    (
        _float("wheel_speed_bias_rad_s", 0.0, 600.0, "rad/s"),
        "wheel speed the null-space management pulls each wheel towards, away from zero",
    ),
    (
        _float("wheel_bias_time_constant_s", 1.0, 1e5, "s"),
        "time constant of the pull towards the wheel speed bias",
    ),
    (
        _float("momentum_dumping_gain_per_s", 0.0, 1.0, "1/s"),
        "gain of the magnetic wheel-momentum dumping",
    ),
    (
        _float("bdot_gain_am2_s_t", 0.0, 1e12, "A m^2 s/T"),
        "gain of the B-dot detumbling law",
    ),
    (
        _float("detumble_entry_rate_rad_s", 5e-4, 1.0, "rad/s"),
        "body rate above which any mode falls back to DETUMBLE",
    ),
    (
        _float("detumble_exit_rate_rad_s", 1e-5, 0.5, "rad/s"),
        "body rate below which DETUMBLE may hand over to SUN_SAFE",
    ),
    (
        _float("detumble_exit_hold_s", 0.0, 3600.0, "s"),
        "how long the body rate must stay below the exit rate to leave DETUMBLE",
    ),
    (
        _float("pointing_rate_limit_rad_s", 1e-7, 0.5, "rad/s"),
        "body rate a pointing mode tolerates; SUN_SAFE goes NOMINAL only below it",
    ),
    (
        _float("estimate_sigma_limit_rad", 1e-7, 0.1, "rad"),
        "attitude estimate 1-sigma above which pointing modes fall back to SUN_SAFE",
    ),
    (
        Arg("auto_nominal", "bool", 8),
        "whether SUN_SAFE goes NOMINAL on its own once the attitude is good",
    ),
    (
        _float("auto_nominal_hold_s", 0.0, 36000.0, "s"),
        "how long the attitude must stay good before SUN_SAFE goes NOMINAL on its own",
    ),
    (
        _float("star_tracker_timeout_s", 0.1, 3600.0, "s"),
        "time without an accepted star-tracker reading after which the tracker counts as failed",
    ),
    (
        _float("wheel_fault_threshold_rad_s", 1e-9, 100.0, "rad/s"),
        "wheel speed residual over a check above which a wheel earns a strike",
    ),
    (
        Arg("wheel_fault_strikes", "uint", 8, 1, 100, "checks"),
        "consecutive strikes (1 Hz checks) that take a wheel out of the allocation",
    ),
)
TUNABLES = tuple(
    Tunable(FIRST_ID + offset, arg, None, description=description)
    for offset, (arg, description) in enumerate(DECLARED)
)
"""The declarations (flight/onboard_dictionary.py gathers them), bound by `bind_adcs_tunables`."""


def bind_adcs_tunables(dictionary: Dictionary, attitude: AttitudeLoop) -> None:
    """Bind each ADCS tunable to the value of `attitude` it sets (the value now is its default)."""
    control = attitude.control
    join = attitude.join
    allocator = attitude.allocator
    modes = attitude.modes
    monitor = attitude.wheel_monitor

    def mode_limit(field: str) -> tuple[Callable[[], float], Callable[[float], None]]:
        def set_(value: float) -> None:
            modes.limits = dataclasses.replace(modes.limits, **{field: value})

        return lambda: getattr(modes.limits, field), set_

    def attribute(owner: object, field: str) -> tuple[Callable[[], float], Callable[[float], None]]:
        return lambda: getattr(owner, field), lambda value: setattr(owner, field, value)

    accessors = (
        (lambda: control.bandwidth_rad_s, lambda v: control.set_gains(v, control.damping)),
        (lambda: control.damping, lambda v: control.set_gains(control.bandwidth_rad_s, v)),
        attribute(control, "integral_max_nm"),
        attribute(control, "integral_zone_rad"),
        attribute(join, "rate_max_rad_s"),
        attribute(join, "accel_max_rad_s2"),
        attribute(allocator, "speed_bias_rad_s"),
        attribute(allocator, "bias_time_constant_s"),
        attribute(attitude.dumping, "gain_per_s"),
        attribute(attitude.bdot, "gain_am2_s_t"),
        mode_limit("detumble_entry_rad_s"),
        mode_limit("detumble_exit_rad_s"),
        mode_limit("detumble_exit_hold_s"),
        mode_limit("pointing_rate_limit_rad_s"),
        mode_limit("estimate_sigma_limit_rad"),
        mode_limit("auto_nominal"),
        mode_limit("auto_nominal_hold_s"),
        attribute(attitude, "star_tracker_timeout_s"),
        attribute(monitor, "threshold_rad_s"),
        attribute(monitor, "strikes_to_fail"),
    )
    for tunable, (getter, setter) in zip(TUNABLES, accessors, strict=True):
        dictionary.tunable(replace(tunable, default=getter(), getter=getter, setter=setter))
