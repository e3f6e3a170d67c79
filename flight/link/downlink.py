"""The onboard sending end of the telemetry link: space packets → TM frames on three virtual channels.

Housekeeping (service 3) goes on the real-time channel, verification and events (services 1 and 5)
on the events channel, everything else with them — except packets of the APIDs given a channel of
their own (file transfer: `VC_FILES`, after the others). While the radio is off (no ground station in view)
packets are kept in a bounded store instead, and played back on the playback channel — after the
real-time channels, which have priority — once the radio is on again; the oldest stored packets are
dropped, and counted, when the store is full. Every frame carries the uplink's CLCW in its OCF.
"""

from collections import Counter, deque
from collections.abc import Callable

from ccsds.tm_frame import VC_EVENTS, VC_FILES, VC_PLAYBACK, VC_REALTIME_HK, TmMultiplexer

PUS_SERVICE_OFFSET = 7
HOUSEKEEPING_SERVICE = 3
DEFAULT_FRAME_BYTES = 1115
DEFAULT_STORE_BYTES = 16 << 20


def virtual_channel(packet: bytes) -> int:
    """The real-time virtual channel of a TM packet: housekeeping, or events for everything else."""
    service = packet[PUS_SERVICE_OFFSET] if len(packet) > PUS_SERVICE_OFFSET else 0
    return VC_REALTIME_HK if service == HOUSEKEEPING_SERVICE else VC_EVENTS


class Downlink:
    """TM frames of spacecraft `scid` of `frame_bytes` octets, the OCF filled from `clcw`."""

    def __init__(
        self,
        scid: int,
        clcw: Callable[[], bytes],
        frame_bytes: int = DEFAULT_FRAME_BYTES,
        store_bytes: int = DEFAULT_STORE_BYTES,
        apid_channels: dict[int, int] | None = None,
    ) -> None:
        self.mux = TmMultiplexer(scid, frame_bytes, (VC_REALTIME_HK, VC_EVENTS, VC_PLAYBACK, VC_FILES))
        self.apid_channels = apid_channels or {}
        self._clcw = clcw
        self.radio_on = True
        self.store: deque[bytes] = deque()
        self.store_bytes = store_bytes
        self._stored_bytes = 0
        self.counts: Counter[str] = Counter()

    @property
    def frame_bytes(self) -> int:
        return self.mux.frame_bytes

    def send(self, packet: bytes) -> None:
        """One TM packet from the flight software: framed now if the radio is on, else stored."""
        if self.radio_on:
            apid = int.from_bytes(packet[0:2], "big") & 0x7FF if len(packet) >= 2 else -1
            vc = self.apid_channels.get(apid)
            self.mux.push(virtual_channel(packet) if vc is None else vc, packet)
            self.counts["packets_realtime"] += 1
            return
        self.store.append(packet)
        self._stored_bytes += len(packet)
        self.counts["packets_stored"] += 1
        while self._stored_bytes > self.store_bytes:
            self._stored_bytes -= len(self.store.popleft())
            self.counts["packets_dropped_store_full"] += 1

    def pending_bytes(self) -> int:
        """Bytes waiting to be framed: on every channel and in the store."""
        pending = self.mux.pending_bytes
        return (
            pending(VC_REALTIME_HK) + pending(VC_EVENTS) + pending(VC_PLAYBACK) + pending(VC_FILES)
        ) + self._stored_bytes

    def next_frame(self) -> bytes:
        """The next frame to transmit; the store is played back when the real-time channels are empty."""
        mux = self.mux
        if self.store and not (mux.pending_bytes(VC_REALTIME_HK) or mux.pending_bytes(VC_EVENTS)):
            while self.store and mux.pending_bytes(VC_PLAYBACK) < mux.data_bytes:
                packet = self.store.popleft()
                self._stored_bytes -= len(packet)
                mux.push(VC_PLAYBACK, packet)
                self.counts["packets_played_back"] += 1
        mux.ocf = self._clcw()
        self.counts["frames"] += 1
        return mux.next_frame()
