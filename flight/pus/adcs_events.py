"""The events the ADCS raises in its EventLog, declared with the ids the ground sees in service 5."""

from flight.dictionary import Dictionary, EventDef
from flight.events import Severity

ADCS_EVENTS = (
    EventDef(1001, "mode_change", Severity.INFO, "ADCS mode changed (HIGH when a fault forced it)"),
    EventDef(
        1002, "mode_request_refused", Severity.LOW, "a requested ADCS mode cannot follow the current one"
    ),
    EventDef(1003, "imaging_refused", Severity.LOW, "imaging asked for outside a pointing mode"),
    EventDef(1004, "hold_refused", Severity.LOW, "inertial hold asked for outside a pointing mode"),
    EventDef(1005, "setting_refused", Severity.LOW, "an ADCS setting out of range was refused"),
    EventDef(1006, "setting_changed", Severity.INFO, "an ADCS setting changed"),
    EventDef(1007, "wheel_failed", Severity.HIGH, "a reaction wheel was taken out of the allocation"),
    EventDef(1008, "slew_planned", Severity.INFO, "a slew was planned"),
)


def declare_adcs_events(dictionary: Dictionary) -> None:
    for event in ADCS_EVENTS:
        dictionary.event(event)
