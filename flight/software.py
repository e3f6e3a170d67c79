"""The flight software assembled: its applications in rate groups of a cyclic executive, and the
PUS services that command them and report on them.

Frame order: navigation (1 Hz), attitude (10 Hz), modes (1 Hz), payload (1 Hz, with an imager),
housekeeping (1 Hz), PUS reports (1 Hz) — so the attitude loop of a frame uses that frame's GNSS fix,
the mode rules judge what it just did (a new mode takes effect at the next tick), the payload acts on
the mode they leave, and housekeeping and telemetry report it. Telecommands arrive through
`accept_telecommand`, between frames.
"""

from collections.abc import Callable
from pathlib import Path

from flight.adcs.attitude_loop import AdcsConfig, AttitudeLoop
from flight.clock import Clock
from flight.dictionary import Dictionary
from flight.events import EventLog
from flight.executive import Executive
from flight.housekeeping import Housekeeping
from flight.payload.downlink_windows import OnboardStation
from flight.payload.file_downlink import FileDownlink
from flight.payload.imaging import ImagingPayload
from flight.payload.mass_memory import FOLDER_NAME, MassMemory
from flight.payload.request_book import RequestBook
from flight.pus.adcs_events import declare_adcs_events
from flight.pus.functions import declare_adcs_functions
from flight.pus.housekeeping_reports import declare_housekeeping_parameters
from flight.pus.payload_requests import declare_payload_requests
from flight.pus.services import PusServices
from hal.cfdp_carriage import CFDP_APID
from hal.devices import DeviceSet
from native.time_scales import julian_date_from_unix_s

ATTITUDE_HZ = 10.0
HOUSEKEEPING_HZ = 1.0
APID = 0x100  # the spacecraft's telecommand and telemetry application
HOUSEKEEPING_SID = 1
MASS_MEMORY_BYTES = 2 << 30
TRANSMITTER_LOAD = "transmitter"


class FlightSoftware:
    """`tm_sink` receives every telemetry packet; `epoch_unix_s` is onboard time 0 in UTC (for the CDS
    time stamps); `parameter_file` persists the tunable parameters across restarts, and beside it
    `schedule.json` the time-based schedule, `requests.json` the imaging requests and `mass_memory/`
    the image products. Without an imager there is no payload application; `ground_stations` is the
    onboard table of stations, whose passes the payload's plans count on for downlink."""

    def __init__(
        self,
        devices: DeviceSet,
        config: AdcsConfig,
        clock: Clock,
        tm_sink: Callable[[bytes], None],
        epoch_unix_s: float,
        parameter_file: Path,
        ground_stations: tuple[OnboardStation, ...] = (),
    ):
        self.devices = devices
        self.events = EventLog()
        self.attitude = AttitudeLoop(devices, config, 1.0 / ATTITUDE_HZ, self.events)
        self.executive = Executive(clock, frame_s=1.0 / ATTITUDE_HZ)
        self.housekeeping = Housekeeping(self.attitude, devices.power, self.executive)
        self.executive.add_group("navigation", HOUSEKEEPING_HZ, [self.attitude.navigate])
        self.executive.add_group("attitude", ATTITUDE_HZ, [self.attitude.tick])
        self.executive.add_group("modes", HOUSEKEEPING_HZ, [self.attitude.supervise])
        storage = parameter_file.parent
        self._tm_sink = tm_sink
        self.downlink_budget: Callable[[float], int] = lambda t_s: 0
        """Bytes of file data the downlink can take in the next second (0 out of contact); the link
        that carries the TM sets it."""
        self.payload = self.file_downlink = None
        self._transmitting = False
        if devices.imager is not None:
            memory = MassMemory(storage / FOLDER_NAME, MASS_MEMORY_BYTES)
            self.payload = ImagingPayload(
                self.attitude,
                devices.imager,
                devices.power,
                self.events,
                RequestBook(storage / "requests.json"),
                memory,
                julian_date_from_unix_s(epoch_unix_s),
                stations=ground_stations,
            )
            self.file_downlink = FileDownlink(memory)
            self.executive.add_group("payload", HOUSEKEEPING_HZ, [self.payload.tick, self._send_files])
        self.executive.add_group("housekeeping", HOUSEKEEPING_HZ, [self.housekeeping.sample])

        self.dictionary = Dictionary(apid=APID, other_apids={"cfdp": CFDP_APID})
        declare_adcs_events(self.dictionary)
        declare_housekeeping_parameters(self.dictionary, self.housekeeping)
        a = self.attitude
        declare_adcs_functions(
            self.dictionary, a.request_mode, a.image, a.hold_inertial, a.set_pointing_gains
        )
        self.pus = PusServices(self.dictionary, tm_sink, epoch_unix_s, self.events, parameter_file)
        self.pus.housekeeping.define(HOUSEKEEPING_SID, list(self.housekeeping.names), interval_s=1)
        if self.payload is not None:
            p = self.payload
            declare_payload_requests(
                self.dictionary,
                self.pus.tm,
                epoch_unix_s,
                p.add_request,
                p.delete_request,
                lambda: p.book.entries.values(),
                p.replan,
                p.activities,
            )
        self.executive.add_group("pus", HOUSEKEEPING_HZ, [self.pus.tick])

    def accept_telecommand(self, packet: bytes) -> bool:
        """A telecommand space packet from the link, at the current onboard time; False if refused.
        File-transfer packets (the CFDP APID) go to the file downlink, the rest to the PUS services."""
        apid = int.from_bytes(packet[0:2], "big") & 0x7FF if len(packet) >= 2 else -1
        if apid == CFDP_APID and self.file_downlink is not None:
            self.file_downlink.receive(packet)
            return True
        return self.pus.accept(packet, self.executive.t_s)

    def _send_files(self, t_s: float) -> None:
        """1 Hz: the products' CFDP packets the downlink can take now, the transmitter on while it can."""
        budget = self.downlink_budget(t_s)
        if budget <= 0 and not self._transmitting:
            return  # out of contact, and the file downlink saw the contact end already
        if (budget > 0) != self._transmitting:
            self._transmitting = budget > 0
            self.devices.power.switch(TRANSMITTER_LOAD, self._transmitting)
        for packet in self.file_downlink.poll(t_s, budget):
            self._tm_sink(packet)
