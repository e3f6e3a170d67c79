"""The flight software assembled: its applications in rate groups of a cyclic executive.

Frame order: navigation (1 Hz), attitude (10 Hz), modes (1 Hz), housekeeping (1 Hz) — so the
attitude loop of a frame uses that frame's GNSS fix, the mode rules judge what it just did (a new
mode takes effect at the next tick), and housekeeping reports it.
"""

from flight.adcs.attitude_loop import AdcsConfig, AttitudeLoop
from flight.clock import Clock
from flight.events import EventLog
from flight.executive import Executive
from flight.housekeeping import Housekeeping
from hal.devices import DeviceSet

ATTITUDE_HZ = 10.0
HOUSEKEEPING_HZ = 1.0


class FlightSoftware:
    def __init__(self, devices: DeviceSet, config: AdcsConfig, clock: Clock):
        self.devices = devices
        self.events = EventLog()
        self.attitude = AttitudeLoop(devices, config, 1.0 / ATTITUDE_HZ, self.events)
        self.housekeeping = Housekeeping(self.attitude, devices.power)
        self.executive = Executive(clock, frame_s=1.0 / ATTITUDE_HZ)
        self.executive.add_group("navigation", HOUSEKEEPING_HZ, [self.attitude.navigate])
        self.executive.add_group("attitude", ATTITUDE_HZ, [self.attitude.tick])
        self.executive.add_group("modes", HOUSEKEEPING_HZ, [self.attitude.supervise])
        self.executive.add_group("housekeeping", HOUSEKEEPING_HZ, [self.housekeeping.sample])
