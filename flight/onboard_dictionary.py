"""The onboard dictionary of a spacecraft: the declarations of every onboard application, collected
without building any of them.

Each application declares its commands, events, housekeeping parameters and TM report layouts once,
as constants of its own package; `onboard_dictionary` gathers them for a spacecraft's shape (how many
reaction wheels, whether it carries an imager) in the order the flight software has always declared
them, so ids and the exported JSON stay as they were. The flight software starts from this
dictionary and binds its callables to it (flight/dictionary.py); `zorka dict` exports it as it is,
with no world, device or mission built.
"""

from dataclasses import dataclass

from ccsds.cfdp_carriage import CFDP_APID
from flight.adcs.commands import ADCS_COMMANDS
from flight.adcs.events import ADCS_EVENTS
from flight.dictionary import Dictionary
from flight.payload.events import PAYLOAD_EVENTS
from flight.pus import (
    event_action,
    event_reports,
    housekeeping_reports,
    monitoring,
    parameter_commands,
    payload_requests,
    ping,
    scheduling,
    time_management,
)
from flight.pus.housekeeping_reports import housekeeping_parameters

APID = 0x100
"""The spacecraft's telecommand and telemetry application."""
HOUSEKEEPING_SID = 1
"""The report structure of the whole 1 Hz housekeeping row."""


@dataclass(frozen=True)
class SpacecraftShape:
    """What of a spacecraft's make-up its dictionary depends on. The default is the default
    spacecraft's (four wheels, an imager); the flight software takes its own from its devices."""

    wheels: int = 4
    imager: bool = True


def onboard_dictionary(shape: SpacecraftShape) -> Dictionary:
    """Every application's declarations for a spacecraft of `shape`, none of them bound yet."""
    dictionary = Dictionary(apid=APID, other_apids={"cfdp": CFDP_APID})
    events = (*ADCS_EVENTS, *monitoring.EVENTS, *parameter_commands.EVENTS, *scheduling.EVENTS)
    commands = (
        *ADCS_COMMANDS,
        *ping.COMMANDS,
        *time_management.COMMANDS,
        *housekeeping_reports.COMMANDS,
        *event_reports.COMMANDS,
        *monitoring.COMMANDS,
        *event_action.COMMANDS,
        *parameter_commands.COMMANDS,
        *scheduling.COMMANDS,
    )
    reports = (
        *housekeeping_reports.REPORTS,
        *event_reports.REPORTS,
        *time_management.REPORTS,
        *scheduling.REPORTS,
        *monitoring.REPORTS,
        *ping.REPORTS,
        *event_action.REPORTS,
        *parameter_commands.REPORTS,
    )
    if shape.imager:
        events += PAYLOAD_EVENTS
        commands += payload_requests.COMMANDS
        reports += payload_requests.REPORTS
    for event in events:
        dictionary.event(event)
    for parameter in housekeeping_parameters(shape.wheels):
        dictionary.parameter(parameter)
    for command in commands:
        dictionary.command(command)
    for layout in reports:
        dictionary.report(layout)
    return dictionary


def housekeeping_structures(shape: SpacecraftShape) -> dict[int, tuple[str, ...]]:
    """The housekeeping report structures the flight software defines at start: id -> parameter names."""
    return {HOUSEKEEPING_SID: tuple(p.name for p in housekeeping_parameters(shape.wheels))}
