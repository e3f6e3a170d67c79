"""The checker's end of a serial port: requests with the seq it chooses, raw bytes, and whatever comes back.

Unlike hal.serial_link.SerialLink (which numbers, retries and matches requests for flight software), a
conformance check must send exact bytes (a bad CRC, an oversized frame, a retransmission) and see every
frame the board sends, so this client does no retrying and keeps nothing hidden. The port is opened
exclusively, as hosts open it.
"""

import select
import time

import msgpack
import serial

from hal.board_frame import FrameDecoder, encode_frame
from native import ffi, lib

_READ_BYTES_MAX = 4096
_CRC_INIT = 0xFFFF


def raw_frame(body: bytes, crc_ok: bool = True) -> bytes:
    """0x00 · COBS(body ‖ CRC) · 0x00 for any body bytes and any size (encode_frame refuses what a
    receiver must drop); with `crc_ok` False the CRC's last byte is flipped."""
    crc = lib.zk_crc16_ccitt(body, len(body), _CRC_INIT) ^ (0 if crc_ok else 0x00FF)
    raw = body + crc.to_bytes(2, "big")
    out = ffi.new("uint8_t[]", len(raw) + len(raw) // 254 + 3)
    n = lib.zk_cobs_encode(raw, len(raw), out + 1)
    return ffi.buffer(out, n + 2)[:]


class BoardWire:
    """A board on `port` at `baud_rate`. OSError or serial.SerialException if the port cannot be opened."""

    def __init__(self, port: str, baud_rate: int):
        self._serial = serial.Serial(port, baudrate=baud_rate, timeout=0, exclusive=True)
        self._decoder = FrameDecoder()
        self._seq = 0
        self.stray_frames = 0
        """Frames that came while a reply to another seq was awaited."""

    def close(self) -> None:
        self._serial.close()

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def send_bytes(self, data: bytes) -> None:
        self._serial.write(data)
        self._serial.flush()

    def request(self, dev: str, msg: str, timeout_s: float, seq: int | None = None, **fields) -> dict | None:
        """Send one request (a new seq unless given) and return its reply, or None after `timeout_s`."""
        reply, _ = self.timed_request(dev, msg, timeout_s, seq, **fields)
        return reply

    def timed_request(
        self, dev: str, msg: str, timeout_s: float, seq: int | None = None, **fields
    ) -> tuple[dict | None, float]:
        """As `request`, with the round trip in seconds from the write to the reply."""
        seq = self.next_seq() if seq is None else seq
        frame = encode_frame({"dev": dev, "msg": msg, "seq": seq, **fields})
        start_s = time.perf_counter()
        self.send_bytes(frame)
        deadline_s = time.monotonic() + timeout_s
        while True:
            for message in self.frames_until(deadline_s, first_only=True):
                if message.get("seq") == seq:
                    return message, time.perf_counter() - start_s
                self.stray_frames += 1
            if time.monotonic() >= deadline_s:
                return None, time.perf_counter() - start_s

    def frames_within(self, quiet_s: float) -> list[dict]:
        """Every frame that comes within `quiet_s` from now (a board that answers nothing sends none)."""
        return self.frames_until(time.monotonic() + quiet_s, first_only=False)

    def frames_until(self, deadline_s: float, first_only: bool) -> list[dict]:
        """Frames decoded before the monotonic `deadline_s`; with `first_only`, as soon as there are any."""
        frames: list[dict] = []
        fd = self._serial.fileno()
        while not (first_only and frames):
            remaining_s = deadline_s - time.monotonic()
            if remaining_s <= 0.0:
                break
            readable, _, _ = select.select([fd], [], [], remaining_s)
            if readable:
                data = self._serial.read(min(self._serial.in_waiting, _READ_BYTES_MAX) or 1)
                frames.extend(self._decoder.feed(data))
        return frames


def packed(value: object) -> object:
    """`value` after a msgpack round trip, as a board's echo of it would be compared."""
    return msgpack.unpackb(msgpack.packb(value, use_bin_type=True), raw=False)
