"""The spacecraft's space-link parameters: what the onboard link is built with, and what a ground
segment needs to speak to it (the dictionary export's `link` section carries them to the ground)."""

SCID = 0x2A5
TC_VCID = 0
TM_FRAME_BYTES = 1115
TC_SEGMENT_HEADER = True
ARSN_WINDOW = 256
"""How far the onboard anti-replay window lets the ARSN jump: each frame lost on the way up leaves a gap,
and past the window every later frame would be refused for good (replays stay refused: the window only
looks forward). The CCSDS reference library's vectors use 5 (tests/ccsds); a lossy radio needs more."""


def link_parameters() -> dict:
    """What a ground segment needs to speak the link (for the dictionary export)."""
    return {
        "scid": SCID,
        "tc_vcid": TC_VCID,
        "tm_frame_bytes": TM_FRAME_BYTES,
        "tc_segment_header": TC_SEGMENT_HEADER,
    }
