"""Board link framing: msgpack maps in COBS frames with a CRC, over the C codec in native/board/board_frame.c.

A frame on the wire is COBS(body || CRC-16/CCITT-FALSE(body), big-endian) followed by 0x00, the body
one msgpack map (hal/board_protocol.md). The decoder resynchronises on every 0x00: a damaged frame is
counted by reason and dropped, and the next frame is read; empty frames (0x00 0x00) are idle fill. It
never raises on input bytes and never buffers more than one maximum frame.
"""

from dataclasses import dataclass, fields

import msgpack

from native import ffi, lib

MAX_FRAME_BYTES = 4096
"""Largest encoded frame (COBS bytes, delimiter excluded) a receiver accepts."""
_CRC_INIT = 0xFFFF
_CRC_BYTES = 2


def encode_frame(message: dict) -> bytes:
    """The wire bytes of one message: 0x00, the frame, 0x00. The leading delimiter closes whatever
    line noise came before, so it cannot spoil this frame. ValueError if it exceeds MAX_FRAME_BYTES."""
    raw = msgpack.packb(message, use_bin_type=True)
    raw += lib.zk_crc16_ccitt(raw, len(raw), _CRC_INIT).to_bytes(_CRC_BYTES, "big")
    out = ffi.new("uint8_t[]", len(raw) + len(raw) // 254 + 3)
    n = lib.zk_cobs_encode(raw, len(raw), out + 1)
    if n > MAX_FRAME_BYTES:
        raise ValueError(f"message encodes to {n} bytes, more than the {MAX_FRAME_BYTES}-byte frame limit")
    return ffi.buffer(out, n + 2)[:]


@dataclass
class FrameCounters:
    """Frames decoded, and frames rejected by reason."""

    frames: int = 0
    cobs: int = 0
    crc: int = 0
    too_short: int = 0
    too_long: int = 0
    msgpack: int = 0
    not_a_map: int = 0

    @property
    def rejected(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self) if f.name != "frames")

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class FrameDecoder:
    """Turns byte chunks, split anywhere, into messages (dicts); counts what it rejects."""

    def __init__(self, max_frame_bytes: int = MAX_FRAME_BYTES):
        self.max_frame_bytes = max_frame_bytes
        self.counters = FrameCounters()
        self._partial = bytearray()
        self._discarding = False
        self._decoded = ffi.new("uint8_t[]", max_frame_bytes)

    @property
    def pending_bytes(self) -> int:
        """Bytes held of the frame being received (at most max_frame_bytes)."""
        return len(self._partial)

    def reset(self) -> None:
        """Forget a partly received frame (after the port is reopened); counters are kept."""
        self._partial.clear()
        self._discarding = False

    def feed(self, data: bytes) -> list[dict]:
        """Take the next bytes of the stream; return the messages completed by them, in order."""
        messages: list[dict] = []
        start = 0
        while True:
            end = data.find(0, start)
            self._accumulate(data[start:] if end < 0 else data[start:end])
            if end < 0:
                return messages
            if not self._discarding and self._partial:
                message = self._decode(bytes(self._partial))
                if message is not None:
                    messages.append(message)
            self.reset()
            start = end + 1

    def _accumulate(self, chunk: bytes) -> None:
        if self._discarding or not chunk:
            return
        if len(self._partial) + len(chunk) > self.max_frame_bytes:
            self.counters.too_long += 1
            self._discarding = True
            self._partial.clear()
        else:
            self._partial += chunk

    def _decode(self, frame: bytes) -> dict | None:
        n = lib.zk_cobs_decode(frame, len(frame), self._decoded)
        if n < 0:
            self.counters.cobs += 1
            return None
        if n <= _CRC_BYTES:
            self.counters.too_short += 1
            return None
        if lib.zk_crc16_ccitt(self._decoded, n, _CRC_INIT) != 0:
            self.counters.crc += 1
            return None
        try:
            message = msgpack.unpackb(ffi.buffer(self._decoded, n - _CRC_BYTES), raw=False)
        except (ValueError, TypeError):
            self.counters.msgpack += 1
            return None
        if not isinstance(message, dict):
            self.counters.not_a_map += 1
            return None
        self.counters.frames += 1
        return message
