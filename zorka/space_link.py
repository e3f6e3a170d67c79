"""The space link wired onto a mission: the onboard uplink (frames → flight software) and downlink
(TM packets → frames), and `zorka serve --link-port`, which carries those frames over TCP on 127.0.0.1.

The link's constants live here because zorka wires both ends: the flight side gets them as arguments,
the ground side from the same constants (or from the dictionary export's `link` section).
"""

from pathlib import Path
from typing import TYPE_CHECKING

from flight.link.downlink import Downlink
from flight.link.uplink import Uplink
from hal.sdls import SecurityAssociation
from hal.tc_frame import TcFrameSplitter
from zorka.packet_server import PacketServer

if TYPE_CHECKING:
    from zorka.mission import Mission

SCID = 0x2A5
TC_VCID = 0
TM_FRAME_BYTES = 1115
ARSN_WINDOW = 256
"""How far the onboard anti-replay window lets the ARSN jump: each frame lost on the way up leaves a gap,
and past the window every later frame would be refused for good (replays stay refused: the window only
looks forward). The CCSDS reference library's vectors use 5 (tests/hal); a lossy radio needs more."""
MAX_FRAMES_PER_POLL = 64
"""Downlink frames a poll may send (~7 MB/s at 10 Hz): the rest wait for the next frame."""


def link_parameters() -> dict:
    """What a ground segment needs to speak the link (for the dictionary export)."""
    return {"scid": SCID, "tc_vcid": TC_VCID, "tm_frame_bytes": TM_FRAME_BYTES, "tc_segment_header": True}


class OnboardLink:
    """The uplink and downlink of a mission's flight software. `associations` None: unauthenticated.
    The ARSNs and V(R) persist in the run folder's link_state.json."""

    def __init__(
        self, mission: "Mission", associations: dict[int, SecurityAssociation] | None, out_dir: Path
    ):
        self.uplink = Uplink(
            SCID, TC_VCID, mission.flight.accept_telecommand, associations, out_dir / "link_state.json"
        )
        for association in (associations or {}).values():
            association.arsn_window = ARSN_WINDOW
        self.downlink = Downlink(SCID, self.uplink.clcw, TM_FRAME_BYTES)
        mission.tm_listeners.append(self.downlink.send)

    def figures(self) -> dict:
        """What crossed the link and what it refused, by reason."""
        return {
            "uplink": dict(sorted(self.uplink.counts.items())),
            "farm_vr": self.uplink.farm.vr,
            "downlink": dict(sorted(self.downlink.counts.items())),
        }


class LinkServer:
    """`--link-port`: TC frames from every client into the uplink, TM frames of the downlink to all."""

    def __init__(self, port: int, link: OnboardLink):
        self.link = link
        self.server = PacketServer(port, link.uplink.receive, splitter=TcFrameSplitter)
        self.port = self.server.port

    def poll(self) -> None:
        """Once a frame: take what came up, send what is waiting (at least one frame, for the CLCW)."""
        self.server.poll()
        downlink = self.link.downlink
        for sent in range(MAX_FRAMES_PER_POLL):
            if sent and not downlink.pending_bytes():
                break
            self.server.send(downlink.next_frame())

    def close(self) -> None:
        self.server.close()
