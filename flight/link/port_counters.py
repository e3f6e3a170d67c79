"""The ground ports' counters: what the TCP servers that carry the link to the ground (`zorka serve` and
`zorka flight`: the frame port and the raw packet port) accepted, refused and threw away.

The servers live outside the flight software (they are the bench's stand-in for the radio), but what they
count is the spacecraft's view of its link, so the flight software owns the counters and declares their
housekeeping parameters; the servers only increment them. A mission without servers reports zeros."""

from dataclasses import dataclass, replace

from flight.dictionary import Arg, Dictionary, Parameter

PORTS = ("link_port", "packet_port")
"""The authenticated TC/TM frame port (`--link-port`) and the raw space-packet port (`--packet-port`)."""
FIRST_ID = 1600
"""The housekeeping parameter ids of the ports' counters."""
PORTS_SID = 4
"""The report structure of every port's counters (defined at boot, disabled like the applications'
counters: sent when the ground enables it or asks for it once)."""
PORTS_INTERVAL_S = 10
COUNTERS = (
    ("accepted", "connections accepted"),
    ("refused", "connections closed at once: the port already had its maximum of clients"),
    ("idle_closed", "connections closed for a newcomer after sending nothing for the idle timeout"),
    ("fd_exhausted", "connections refused because the process ran out of file descriptors"),
    ("bytes_discarded", "bytes thrown away while looking for the start of a frame or packet"),
    ("units_delivered", "frames (link port) or packets (packet port) handed to the flight software"),
)


@dataclass
class PortCounters:
    """One port's counts since start (see COUNTERS)."""

    accepted: int = 0
    refused: int = 0
    idle_closed: int = 0
    fd_exhausted: int = 0
    bytes_discarded: int = 0
    units_delivered: int = 0


def port_counter_parameters() -> tuple[Parameter, ...]:
    """`<port>_<counter>` (uint32) for every port and counter, ids from FIRST_ID in that order."""
    declared: list[Parameter] = []
    for port in PORTS:
        for counter, meaning in COUNTERS:
            name = f"{port}_{counter}"
            wire = Arg(name, "uint", 32, unit="B" if counter.startswith("bytes") else "")
            declared.append(Parameter(FIRST_ID + len(declared), name, wire, description=f"{port}: {meaning}"))
    return tuple(declared)


def bind_port_counter_parameters(dictionary: Dictionary, counters: dict[str, PortCounters]) -> list[str]:
    """Bind each port's declared counter parameters to `counters` (by port name); their names in order."""
    names = []
    for parameter in port_counter_parameters():
        port, counter = next((p, parameter.name[len(p) + 1 :]) for p in PORTS if parameter.name.startswith(p))
        dictionary.parameter(replace(parameter, getter=_getter(counters[port], counter)))
        names.append(parameter.name)
    return names


def _getter(counters: PortCounters, counter: str):
    return lambda: getattr(counters, counter)
