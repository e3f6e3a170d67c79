"""Simulated boards with one protocol defect each, for `zorka board-check` to catch: served from a thread
on a pty of their own."""

import threading

import msgpack

from hal.board_frame import FrameDecoder
from native import ffi, lib
from sim.board_server import BoardServer


class CachelessBoard(BoardServer):
    """Acts on a retransmission again (no cached reply)."""

    def handle(self, request: dict) -> dict:
        self.counters.requests += 1
        self.check_watchdog()
        return self._answer(request)


class SleeplessWatchdogBoard(BoardServer):
    """Its watchdog never trips."""

    def check_watchdog(self) -> bool:
        return False


class CrcBlindDecoder(FrameDecoder):
    """Reads a frame's body whatever its CRC says."""

    def _decode(self, frame: bytes) -> dict | None:
        n = lib.zk_cobs_decode(frame, len(frame), self._decoded)
        if n <= 2:
            return None
        try:
            message = msgpack.unpackb(ffi.buffer(self._decoded, n - 2), raw=False)
        except (ValueError, TypeError):
            return None
        return message if isinstance(message, dict) else None


class CrcBlindBoard(BoardServer):
    """Answers frames whose CRC is wrong."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._decoder = CrcBlindDecoder()


class WrongEchoBoard(BoardServer):
    """Takes a configuration but echoes another frame_s than it was sent."""

    def _take_configuration(self, values: dict) -> dict:
        reply = super()._take_configuration(values)
        reply["config"]["frame_s"] += 0.001
        return reply


class ServedBoard:
    """A board of `board_class` serving a pty from a thread, until `close()`; its slave path in `path`."""

    def __init__(self, board_class: type[BoardServer]):
        self.server = board_class(port="pty", board_id=f"broken-{board_class.__name__}")
        self.path = self.server.path
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.stop()
        self._thread.join(timeout=5.0)
        self.server.close()
