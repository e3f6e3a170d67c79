"""The flight software assembled: its applications in rate groups of a cyclic executive, and the
PUS services that command them and report on them.

Frame order: navigation (1 Hz), attitude (10 Hz), modes (1 Hz), payload (1 Hz, with an imager),
housekeeping (1 Hz), PUS reports (1 Hz) — so the attitude loop of a frame uses that frame's GNSS fix,
the mode rules judge what it just did (a new mode takes effect at the next tick), the payload acts on
the mode they leave, and housekeeping and telemetry report it. Telecommands arrive through
`accept_telecommand`, between frames.

Every onboard function is an application (flight/application.py) listed in `applications`: the
executive runs their work from that table, group by group in the order of RATE_GROUPS and, within a
group, in table order; the dispatcher counts each telecommand in the counters of the application it
commands; housekeeping structure APPLICATIONS_SID carries every application's counters (defined at
boot, sent when the ground enables it or asks for it once).
"""

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ccsds.cfdp_carriage import CFDP_APID
from flight.adcs.attitude_loop import AdcsConfig, AttitudeLoop
from flight.adcs.commands import ADCS_COMMANDS, bind_adcs_functions
from flight.adcs.tunables import bind_adcs_tunables
from flight.application import Application, Work, bind_counter_parameters, counters_by_command
from flight.board_links.application import BoardLinks, bind_board_link_parameters
from flight.board_links.declarations import BOARD_LINKS_INTERVAL_S, BOARD_LINKS_SID
from flight.boot_count import BOOT_COUNT, BOOT_REPORT, BOOT_REPORT_INTERVAL_S, BOOT_SID, count_boot
from flight.clock import Clock
from flight.events import EventLog
from flight.executive import Executive
from flight.housekeeping import Housekeeping
from flight.link.port_counters import (
    PORTS,
    PORTS_INTERVAL_S,
    PORTS_SID,
    PortCounters,
    bind_port_counter_parameters,
)
from flight.onboard_dictionary import APID as APID
from flight.onboard_dictionary import (
    APPLICATIONS_SID,
    HOUSEKEEPING_SID,
    SpacecraftShape,
    application_names,
    onboard_dictionary,
)
from flight.payload.downlink_windows import OnboardStation
from flight.payload.file_downlink import FileDownlink, first_seq_of_boot
from flight.payload.imaging import ImagingPayload
from flight.payload.mass_memory import FOLDER_NAME, MassMemory
from flight.payload.request_book import RequestBook
from flight.payload.tunables import bind_payload_tunables
from flight.power.application import Power
from flight.pus import payload_requests
from flight.pus.housekeeping_reports import declare_housekeeping_parameters
from flight.pus.payload_requests import bind_payload_requests
from flight.pus.services import PusServices
from hal.devices import DeviceSet
from native.time_scales import julian_date_from_unix_s

ATTITUDE_HZ = 10.0
HOUSEKEEPING_HZ = 1.0
RATE_GROUPS = (
    ("navigation", HOUSEKEEPING_HZ),
    ("attitude", ATTITUDE_HZ),
    ("modes", HOUSEKEEPING_HZ),
    ("payload", HOUSEKEEPING_HZ),
    ("housekeeping", HOUSEKEEPING_HZ),
    ("pus", HOUSEKEEPING_HZ),
)
"""The executive's rate groups in frame order (see the module's docstring for why this order)."""
MASS_MEMORY_BYTES = 2 << 30
TRANSMITTER_LOAD = "transmitter"


class FlightSoftware:
    """`tm_sink` receives every telemetry packet; `epoch_unix_s` is onboard time 0 in UTC (for the CDS
    time stamps); `parameter_file` persists the tunable parameters across restarts, and beside it
    `schedule.json` the time-based schedule, `boot_count.json` the boot counter, `requests.json` the
    imaging requests and `mass_memory/` the image products. Without an imager there is no payload
    application; `ground_stations` is the onboard table of stations, whose passes the payload's plans
    count on for downlink."""

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
        self.power = Power(devices.power)
        storage = parameter_file.parent
        self.boot_count = count_boot(storage, self.events)
        """This start's number on these onboard stores: 1, then one more after each restart."""
        self.housekeeping = Housekeeping(self.attitude, self.power, self.executive)
        self._tm_sink = tm_sink
        self.downlink_budget: Callable[[float], int] = lambda t_s: 0
        """Bytes of file data the downlink can take in the next second (0 out of contact); the link
        that carries the TM sets it."""
        self.payload = self.file_downlink = None
        self._transmitting = False
        if devices.imager is not None:
            memory = MassMemory(storage / FOLDER_NAME, MASS_MEMORY_BYTES, self.events)
            self.payload = ImagingPayload(
                self.attitude,
                devices.imager,
                devices.power,
                self.events,
                RequestBook(storage / "requests.json", events=self.events),
                memory,
                julian_date_from_unix_s(epoch_unix_s),
                stations=ground_stations,
            )
            self.file_downlink = FileDownlink(
                memory, first_transaction_seq=first_seq_of_boot(self.boot_count)
            )

        self.board_links = BoardLinks(devices.board_links, self.events) if devices.board_links else None
        shape = SpacecraftShape(devices.wheels.n, devices.imager is not None, tuple(devices.board_links))
        self.dictionary = onboard_dictionary(shape)
        declare_housekeeping_parameters(self.dictionary, self.housekeeping)
        a = self.attitude
        bind_adcs_functions(self.dictionary, a.request_mode, a.image, a.hold_inertial, a.set_pointing_gains)
        self._bind_tunables()
        self.pus = PusServices(self.dictionary, tm_sink, epoch_unix_s, self.events, parameter_file)
        self.pus.housekeeping.define(HOUSEKEEPING_SID, list(self.housekeeping.names), interval_s=1)
        self.dictionary.parameter(dataclasses.replace(BOOT_COUNT, getter=lambda: self.boot_count))
        restarted = self.boot_count > 1
        self.pus.housekeeping.define(BOOT_SID, list(BOOT_REPORT), BOOT_REPORT_INTERVAL_S, enabled=restarted)
        if self.payload is not None:
            p = self.payload
            bind_payload_requests(
                self.dictionary,
                self.pus.tm,
                epoch_unix_s,
                p.add_request,
                p.delete_request,
                p.book_entries,
                p.replan,
                p.activities,
            )

        self.applications = self._applications()
        """The table the executive runs and the dispatcher counts by, in the order of their work."""
        if tuple(app.name for app in self.applications) != application_names(shape):
            raise ValueError("the application table differs from the onboard dictionary's applications")
        self.application = {app.name: app for app in self.applications}
        self.executive.load(RATE_GROUPS, self.applications)
        self.pus.acceptor.count_by(counters_by_command(self.applications))
        counters = bind_counter_parameters(self.dictionary, self.applications)
        self.pus.housekeeping.define(APPLICATIONS_SID, counters, interval_s=1, enabled=False)
        if self.board_links is not None:
            links = bind_board_link_parameters(self.dictionary, self.board_links)
            self.pus.housekeeping.define(
                BOARD_LINKS_SID, links, interval_s=BOARD_LINKS_INTERVAL_S, enabled=False
            )
        self.port_counters = {port: PortCounters() for port in PORTS}
        """The ground ports' counters (flight/link/port_counters.py), kept by the TCP servers of the link."""
        ports = bind_port_counter_parameters(self.dictionary, self.port_counters)
        self.pus.housekeeping.define(PORTS_SID, ports, interval_s=PORTS_INTERVAL_S, enabled=False)
        if self.dictionary.unbound():
            raise ValueError(f"declared but not served: {self.dictionary.unbound()}")

    def _bind_tunables(self) -> None:
        """The applications' tunable parameters, bound before the parameter store loads their saved values."""
        bind_adcs_tunables(self.dictionary, self.attitude)
        if self.payload is not None:
            bind_payload_tunables(self.dictionary, self.payload)

    def _applications(self) -> list[Application]:
        """The application table: each application's work in its rate groups, and its commands."""
        a = self.attitude
        table = [
            Application(
                "adcs",
                (Work("navigation", a.navigate), Work("attitude", a.tick), Work("modes", a.supervise)),
                frozenset(c.name for c in ADCS_COMMANDS),
            )
        ]
        if self.payload is not None:
            payload_commands = frozenset(c.name for c in payload_requests.COMMANDS)
            table += [
                Application("payload", (Work("payload", self.payload.tick),), payload_commands),
                Application("file_downlink", (Work("payload", self._send_files),)),
            ]
        table.append(Application("power", (Work("housekeeping", self.power.sample),)))
        if self.board_links is not None:
            table.append(Application("board_links", (Work("housekeeping", self.board_links.tick),)))
        table += [
            Application("housekeeping", (Work("housekeeping", self.housekeeping.sample),)),
            Application("link"),
            *self.pus.applications,
        ]
        return table

    def accept_telecommand(self, packet: bytes) -> bool:
        """A telecommand space packet from the link, at the current onboard time; False if refused.
        File-transfer packets (the CFDP APID) go to the file downlink, the rest to the PUS services."""
        apid = int.from_bytes(packet[0:2], "big") & 0x7FF if len(packet) >= 2 else -1
        if apid == CFDP_APID and self.file_downlink is not None:
            self._receive_file_pdu(packet)
            return True
        return self.pus.accept(packet, self.executive.t_s)

    def _receive_file_pdu(self, packet: bytes) -> None:
        """An uplinked CFDP packet, counted by the file downlink: a PDU taken, or a packet refused."""
        counts = self.file_downlink.counts
        received = counts["pdus_received"]
        self.file_downlink.receive(packet)
        counters = self.application["file_downlink"].counters
        if counts["pdus_received"] > received:
            counters.commands += 1
        else:
            counters.errors += 1

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
