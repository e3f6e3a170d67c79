"""The flight software assembled: its applications in rate groups of a cyclic executive, and the
PUS services that command them and report on them.

Frame order: navigation (1 Hz), attitude (10 Hz), modes (1 Hz), housekeeping (1 Hz), PUS reports
(1 Hz) — so the attitude loop of a frame uses that frame's GNSS fix, the mode rules judge what it
just did (a new mode takes effect at the next tick), and housekeeping and telemetry report it.
Telecommands arrive through `accept_telecommand`, between frames.
"""

from collections.abc import Callable
from pathlib import Path

from flight.adcs.attitude_loop import AdcsConfig, AttitudeLoop
from flight.clock import Clock
from flight.dictionary import Dictionary
from flight.events import EventLog
from flight.executive import Executive
from flight.housekeeping import Housekeeping
from flight.pus.adcs_events import declare_adcs_events
from flight.pus.functions import declare_adcs_functions
from flight.pus.housekeeping_reports import declare_housekeeping_parameters
from flight.pus.services import PusServices
from hal.devices import DeviceSet

ATTITUDE_HZ = 10.0
HOUSEKEEPING_HZ = 1.0
APID = 0x100  # the spacecraft's telecommand and telemetry application
HOUSEKEEPING_SID = 1


class FlightSoftware:
    """`tm_sink` receives every telemetry packet; `epoch_unix_s` is onboard time 0 in UTC (for the CDS
    time stamps); `parameter_file` persists the tunable parameters across restarts, and `schedule.json`
    beside it the time-based schedule."""

    def __init__(
        self,
        devices: DeviceSet,
        config: AdcsConfig,
        clock: Clock,
        tm_sink: Callable[[bytes], None],
        epoch_unix_s: float,
        parameter_file: Path,
    ):
        self.devices = devices
        self.events = EventLog()
        self.attitude = AttitudeLoop(devices, config, 1.0 / ATTITUDE_HZ, self.events)
        self.executive = Executive(clock, frame_s=1.0 / ATTITUDE_HZ)
        self.housekeeping = Housekeeping(self.attitude, devices.power, self.executive)
        self.executive.add_group("navigation", HOUSEKEEPING_HZ, [self.attitude.navigate])
        self.executive.add_group("attitude", ATTITUDE_HZ, [self.attitude.tick])
        self.executive.add_group("modes", HOUSEKEEPING_HZ, [self.attitude.supervise])
        self.executive.add_group("housekeeping", HOUSEKEEPING_HZ, [self.housekeeping.sample])

        self.dictionary = Dictionary(apid=APID)
        declare_adcs_events(self.dictionary)
        declare_housekeeping_parameters(self.dictionary, self.housekeeping)
        a = self.attitude
        declare_adcs_functions(
            self.dictionary, a.request_mode, a.image, a.hold_inertial, a.set_pointing_gains
        )
        self.pus = PusServices(self.dictionary, tm_sink, epoch_unix_s, self.events, parameter_file)
        self.pus.housekeeping.define(HOUSEKEEPING_SID, list(self.housekeeping.names), interval_s=1)
        self.executive.add_group("pus", HOUSEKEEPING_HZ, [self.pus.tick])

    def accept_telecommand(self, packet: bytes) -> bool:
        """A telecommand space packet from the link, at the current onboard time; False if refused."""
        return self.pus.accept(packet, self.executive.t_s)
