"""The narrow face a mission shows the links attached to it (the simulated radio, the ground ports of
`zorka serve`): a link takes what it needs from here and never reaches into the mission itself."""

from collections.abc import Callable
from dataclasses import dataclass

from flight.application import CommandCounters
from flight.events import EventLog
from flight.link.port_counters import PortCounters
from flight.payload.file_downlink import FileDownlink
from flight.software import FlightSoftware


@dataclass(frozen=True)
class LinkPorts:
    """`accept_telecommand(packet)` hands a TC space packet to the flight software (False if refused);
    `subscribe_tm(listener)` gets every TM packet it sends; `add_frame_hook(hook)` runs `hook()` after
    each frame; `now_s()` is the world's time; `passes()` the (AOS, LOS) times of every station's passes;
    `file_downlink` the onboard file downlink (None without an imager), whose byte budget per second a
    link sets with `set_file_budget(budget)`; `link_counters` the onboard link application's counters,
    which the uplink of whichever link is attached keeps; `port_counters` the ground ports' counters
    (flight/link/port_counters.py) by port name, which the TCP servers keep; `events` the onboard event
    log."""

    accept_telecommand: Callable[[bytes], bool]
    subscribe_tm: Callable[[Callable[[bytes], None]], None]
    add_frame_hook: Callable[[Callable[[], None]], None]
    frame_s: float
    now_s: Callable[[], float]
    passes: Callable[[], list[tuple[float, float]]]
    seed: int
    file_downlink: FileDownlink | None
    set_file_budget: Callable[[Callable[[float], int]], None]
    link_counters: CommandCounters
    port_counters: dict[str, PortCounters]
    events: EventLog | None = None


def flight_link_ports(
    flight: FlightSoftware,
    subscribe_tm: Callable[[Callable[[bytes], None]], None],
    add_frame_hook: Callable[[Callable[[], None]], None],
    passes: Callable[[], list[tuple[float, float]]],
    seed: int,
) -> LinkPorts:
    """The ports of `flight` as a mission or the flight computer alone (`zorka flight`) offers them:
    its telecommand intake, file downlink and link counters, its own onboard time."""
    executive, frame_s = flight.executive, flight.executive.frame_s

    def set_file_budget(budget: Callable[[float], int]) -> None:
        flight.downlink_budget = budget

    return LinkPorts(
        accept_telecommand=flight.accept_telecommand,
        subscribe_tm=subscribe_tm,
        add_frame_hook=add_frame_hook,
        frame_s=frame_s,
        now_s=lambda: executive.frame * frame_s,
        passes=passes,
        seed=seed,
        file_downlink=flight.file_downlink,
        set_file_budget=set_file_budget,
        link_counters=flight.application["link"].counters,
        port_counters=flight.port_counters,
        events=flight.events,
    )
