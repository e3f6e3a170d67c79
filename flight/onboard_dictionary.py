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
from flight import boot_count, stores
from flight.adcs import tunables as adcs_tunables
from flight.adcs.commands import ADCS_COMMANDS
from flight.adcs.events import ADCS_EVENTS
from flight.application import counter_parameters
from flight.board_links import declarations as board_links
from flight.dictionary import Dictionary
from flight.link import link_security_state, port_counters
from flight.payload import tunables as payload_tunables
from flight.payload.events import PAYLOAD_EVENTS
from flight.pus import (
    event_action,
    event_reports,
    housekeeping_reports,
    monitoring,
    monitoring_limits,
    parameters,
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
APPLICATIONS_SID = 2
"""The report structure of every application's command and error counters (defined at boot, sent when
the ground enables it or asks for it once)."""
COUNTER_FIRST_ID = 1001
"""The housekeeping parameter ids of the applications' counters."""
PUS_APPLICATIONS = (
    "pus_verification",
    "pus_time",
    "pus_scheduling",
    "pus_monitoring",
    "pus_housekeeping",
    "pus_events",
    "pus_event_action",
    "pus_ping",
    "pus_parameters",
)


@dataclass(frozen=True)
class SpacecraftShape:
    """What of a spacecraft's make-up its dictionary depends on. The default is the default
    spacecraft's (four wheels, an imager, every device simulated); the flight software takes its own
    from its devices. `board_devices`: the devices served by boards (`DeviceSet` names), whose links
    the board-links application watches."""

    wheels: int = 4
    imager: bool = True
    board_devices: tuple[str, ...] = ()


def application_names(shape: SpacecraftShape) -> tuple[str, ...]:
    """The onboard applications of a spacecraft of `shape`, in the order of the flight software's table."""
    payload = ("payload", "file_downlink") if shape.imager else ()
    boards = ("board_links",) if shape.board_devices else ()
    return ("adcs", *payload, "power", *boards, "housekeeping", "link", *PUS_APPLICATIONS)


def onboard_dictionary(shape: SpacecraftShape) -> Dictionary:
    """Every application's declarations for a spacecraft of `shape`, none of them bound yet."""
    dictionary = Dictionary(apid=APID, other_apids={"cfdp": CFDP_APID})
    events = (*ADCS_EVENTS, *monitoring.EVENTS, *stores.EVENTS, *scheduling.EVENTS)
    events += link_security_state.EVENTS
    commands = (
        *ADCS_COMMANDS,
        *ping.COMMANDS,
        *time_management.COMMANDS,
        *housekeeping_reports.COMMANDS,
        *event_reports.COMMANDS,
        *monitoring.COMMANDS,
        *event_action.COMMANDS,
        *parameters.COMMANDS,
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
        *parameters.REPORTS,
    )
    payload_tunables_declared = payload_tunables.TUNABLES if shape.imager else ()
    tunables = (*adcs_tunables.TUNABLES, *payload_tunables_declared, *monitoring_limits.TUNABLES)
    if shape.board_devices:
        events += board_links.EVENTS
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
    for parameter in counter_parameters(application_names(shape), COUNTER_FIRST_ID):
        dictionary.parameter(parameter)
    for parameter in board_links.board_link_parameters(shape.board_devices):
        dictionary.parameter(parameter)
    for parameter in port_counters.port_counter_parameters():
        dictionary.parameter(parameter)
    dictionary.parameter(boot_count.BOOT_COUNT)
    for tunable in tunables:
        dictionary.tunable(tunable)
    for layout in reports:
        dictionary.report(layout)
    for sid, names in housekeeping_structures(shape).items():
        dictionary.housekeeping_structures[sid] = tuple(dictionary.parameters[n].id for n in names)
    return dictionary


def housekeeping_structures(shape: SpacecraftShape) -> dict[int, tuple[str, ...]]:
    """The housekeeping report structures the flight software defines at start: id -> parameter names."""
    counters = counter_parameters(application_names(shape), COUNTER_FIRST_ID)
    structures = {
        HOUSEKEEPING_SID: tuple(p.name for p in housekeeping_parameters(shape.wheels)),
        APPLICATIONS_SID: tuple(p.name for p in counters),
    }
    if shape.board_devices:
        links = board_links.board_link_parameters(shape.board_devices)
        structures[board_links.BOARD_LINKS_SID] = tuple(p.name for p in links)
    structures[port_counters.PORTS_SID] = tuple(p.name for p in port_counters.port_counter_parameters())
    structures[boot_count.BOOT_SID] = boot_count.BOOT_REPORT
    return structures
