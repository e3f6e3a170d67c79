"""A simulated board served on a serial port from a thread of `zorka sim-server`, and the rig's link to
it in the same process.

The flight computer reaches the board over the port (`BoardServer.serve_forever` in its own thread);
the world reaches it in-process through `InProcessLink`, which `sim.board_stimulus.BoardStimulus` uses
as it would a `SerialLink`: the same requests and handlers as over the wire, each request and reply
packed and unpacked with msgpack as the wire would carry them, without the bytes, the pty or a round
trip. A lock keeps the two from handling a request at the same time.
"""

import threading

import msgpack

from sim.board_server import BoardServer

FIRST_SEQ = 1 << 32
"""The rig numbers its requests from here, above the 32-bit sequence numbers of hal.serial_link, so a
board never mistakes one of the rig's for a retransmission of the flight computer's."""


class ServedBoard(BoardServer):
    """A `BoardServer` whose requests are handled one at a time under `lock`, from its serving thread and
    from the rig's `InProcessLink`; `start()` serves the port in a daemon thread, `stop()` ends it."""

    def __init__(self, *args, **kwargs):
        self.lock = threading.RLock()
        super().__init__(*args, **kwargs)
        self._thread: threading.Thread | None = None

    def handle(self, request: dict) -> dict:
        with self.lock:
            return super().handle(request)

    def check_watchdog(self) -> bool:
        with self.lock:
            return super().check_watchdog()

    def start(self) -> None:
        """Serve the port in a daemon thread until `stop()`."""
        self._thread = threading.Thread(target=self.serve_forever, name=f"board {self.path}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        super().stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)


class InProcessLink:
    """The rig's link to a `ServedBoard` of the same process: `request` as `hal.serial_link.SerialLink`
    has it (a reply, never None: the board is in this process), the fields through msgpack as the wire
    carries them."""

    def __init__(self, board: ServedBoard):
        self.board = board
        self.port = board.path
        self._seq = FIRST_SEQ

    def request(self, dev: str, msg: str, timeout_s: float | None = None, **fields) -> dict:
        """The board's reply to one request; `timeout_s` is accepted as `SerialLink` takes it, unused."""
        self._seq += 1
        request = msgpack.unpackb(msgpack.packb({"dev": dev, "msg": msg, "seq": self._seq, **fields}))
        return msgpack.unpackb(msgpack.packb(self.board.handle(request)))
