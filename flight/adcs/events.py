"""The events the ADCS raises, with the ids the ground sees in service-5 reports."""

from flight.events import EventDef, Severity

MODE_CHANGE = EventDef(
    1001,
    "mode_change",
    Severity.INFO,
    "ADCS mode changed (HIGH when a fault forced it)",
    "{previous} -> {mode}: {reason}",
)
MODE_REQUEST_REFUSED = EventDef(
    1002,
    "mode_request_refused",
    Severity.LOW,
    "a requested ADCS mode cannot follow the current one",
    "{mode} cannot follow {current}",
)
IMAGING_REFUSED = EventDef(
    1003,
    "imaging_refused",
    Severity.LOW,
    "imaging asked for outside a pointing mode",
    "not in a pointing mode ({mode})",
)
HOLD_REFUSED = EventDef(
    1004,
    "hold_refused",
    Severity.LOW,
    "inertial hold asked for outside a pointing mode",
    "not in a pointing mode ({mode})",
)
SETTING_REFUSED = EventDef(
    1005,
    "setting_refused",
    Severity.LOW,
    "an ADCS setting out of range was refused",
    "gains {bandwidth_rad_s} rad/s, {damping}: out of range",
)
SETTING_CHANGED = EventDef(
    1006,
    "setting_changed",
    Severity.INFO,
    "an ADCS setting changed",
    "pointing bandwidth {bandwidth_rad_s} rad/s",
)
WHEEL_FAILED = EventDef(
    1007,
    "wheel_failed",
    Severity.HIGH,
    "a reaction wheel was taken out of the allocation (MEDIUM when it could not be)",
    "wheel {wheel} {outcome}",
)
SLEW_PLANNED = EventDef(
    1008, "slew_planned", Severity.INFO, "a slew was planned", "onto {law} in {duration_s:.1f} s"
)
ADCS_EVENTS = (
    MODE_CHANGE,
    MODE_REQUEST_REFUSED,
    IMAGING_REFUSED,
    HOLD_REFUSED,
    SETTING_REFUSED,
    SETTING_CHANGED,
    WHEEL_FAILED,
    SLEW_PLANNED,
)
