"""Simulated boards on the far side of a serial port: a gyro and reaction wheels speaking the board protocol.

The simulator (or a test) stimulates the board with the truth it would sense (`sim.truth`) and reads
back what its actuator did (`wheels.applied`); flight software reads and commands it through
hal.serial_link like a real board (hal/board_protocol.md). The server serves either a path opened
with pyserial (a serial port, a pty slave), or, with `port="pty"`, a pty pair of its own whose slave
path it reports, like QEMU's `-serial pty`. Bad input is answered with an error reply or counted and
dropped; it never stops the server.
"""

import contextlib
import math
import os
import select
import signal
import sys
import tty
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import serial

from hal.board_frame import FrameCounters, FrameDecoder, encode_frame
from native import ffi
from sim.devices.gyro import SimGyro
from sim.devices.reaction_wheels import SimReactionWheels
from sim.randomness import model_seed
from sim.spacecraft import DEFAULT_SPACECRAFT, Spacecraft

PROTOCOL_VERSION = 1
DEVICES = ("gyro", "wheels")
_HEADER_FIELDS = frozenset({"dev", "msg", "seq"})
_SEQ_MAX = (1 << 64) - 1
_NAME_LEN_MAX = 32
_TX_BYTES_MAX = 65536
_READ_BYTES_MAX = 4096
_REOPEN_PERIOD_S = 0.5


class RequestError(Exception):
    """A request the board refuses: `code` (snake_case) and a sentence for a person."""

    def __init__(self, code: str, text: str):
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass
class ServerCounters:
    requests: int = 0
    replies_ok: int = 0
    replies_error: int = 0
    replies_dropped: int = 0
    port_errors: int = 0


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_seq(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _SEQ_MAX


def _finite(value: object, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RequestError("bad_field", f"{name} must be {what}, got {_short_repr(value)}")
    return float(value)


class BoardServer:
    """A simulated gyro and set of reaction wheels, served on `port` ("pty" or a path)."""

    def __init__(
        self,
        port: str = "pty",
        seed: int = 0,
        spacecraft: Spacecraft = DEFAULT_SPACECRAFT,
        gyro_period_s: float = 0.1,
        baudrate: int = 115200,
    ):
        wheel_spec = spacecraft.wheels
        self.n_wheels = wheel_spec.n
        self.t_s = 0.0
        self.w_b_true = np.zeros(3)
        self.wheel_speed_true_rad_s = np.zeros(self.n_wheels)
        self.gyro = SimGyro.from_spec(self.w_b_true, spacecraft.gyro, gyro_period_s, model_seed(seed, "gyro"))
        self._wheels_c = ffi.new("zk_wheels *")
        self.wheels = SimReactionWheels.from_spec(
            self._wheels_c, self.wheel_speed_true_rad_s, wheel_spec, model_seed(seed, "wheels"), gyro_period_s
        )
        n = self.n_wheels
        self._messages: dict[tuple[str, str], tuple[dict[str, int], Callable[[dict], dict]]] = {
            ("gyro", "read"): ({}, self._gyro_read),
            ("wheels", "read"): ({}, self._wheels_read),
            ("wheels", "torque"): ({"torque_nm": n}, self._wheels_torque),
            ("wheels", "applied"): ({}, self._wheels_applied),
            ("sim", "truth"): ({"t_s": 0, "w_b": 3, "wheel_speed_rad_s": n}, self._sim_truth),
            ("board", "ping"): ({}, self._board_ping),
        }
        self.counters = ServerCounters()
        self._decoder = FrameDecoder()
        self._tx = bytearray()
        self._port = port
        self._baudrate = baudrate
        self._serial: serial.Serial | None = None
        self._pty_slave_fd: int | None = None
        self._fd: int | None = None
        self._stopping = False
        if port == "pty":
            self._fd, self._pty_slave_fd = os.openpty()
            tty.setraw(self._pty_slave_fd)
            os.set_blocking(self._fd, False)
            self.path = os.ttyname(self._pty_slave_fd)
        else:
            self.path = port
            self._open_path()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)

    @property
    def frame_counters(self) -> FrameCounters:
        return self._decoder.counters

    def handle(self, request: dict) -> dict:
        """The reply to one decoded request: `<msg>.ok` with its fields, or `error` with a code and text."""
        self.counters.requests += 1
        dev, msg, seq = request.get("dev"), request.get("msg"), request.get("seq")
        try:
            if not _is_seq(seq):
                raise RequestError("bad_field", f"seq must be an unsigned integer, got {_short_repr(seq)}")
            if not isinstance(dev, str) or not isinstance(msg, str):
                raise RequestError("bad_field", "dev and msg must be strings")
            schema, handler = self._lookup(dev, msg)
            fields = handler(self._parse_fields(dev, msg, schema, request))
        except RequestError as refusal:
            self.counters.replies_error += 1
            return {
                "dev": dev if isinstance(dev, str) and len(dev) <= _NAME_LEN_MAX else None,
                "msg": "error",
                "seq": seq if _is_seq(seq) else None,
                "code": refusal.code,
                "text": refusal.text,
            }
        self.counters.replies_ok += 1
        return {"dev": dev, "msg": f"{msg}.ok", "seq": seq, **fields}

    def serve_forever(self) -> None:
        """Answer requests until `stop()`. A path that fails (a USB adapter unplugged) is reopened."""
        self._stopping = False
        while not self._stopping:
            if self._fd is None and not self._reopen_path():
                select.select([self._wake_r], [], [], _REOPEN_PERIOD_S)
                self._drain_wake()
                continue
            try:
                self._serve_once()
            except OSError as failure:
                if self._pty_slave_fd is not None:
                    raise
                self.counters.port_errors += 1
                self._close_path()
                print(f"board-server: lost {self._port} ({failure}); reopening", file=sys.stderr, flush=True)

    def stop(self) -> None:
        """Make `serve_forever()` return soon; safe from a signal handler or another thread."""
        self._stopping = True
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"\x00")

    def close(self) -> None:
        """Release the port (and the pty pair) and the wake-up pipe."""
        if self._pty_slave_fd is not None:
            os.close(self._pty_slave_fd)
            os.close(self._fd)
            self._pty_slave_fd = None
            self._fd = None
        self._close_path()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        self._wake_r = self._wake_w = -1

    def __enter__(self) -> "BoardServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _serve_once(self) -> None:
        """Wait for bytes (or room to write the rest of the replies); answer; write what fits now."""
        readable, _, _ = select.select([self._fd, self._wake_r], [self._fd] if self._tx else [], [])
        if self._wake_r in readable:
            self._drain_wake()
        if self._fd in readable:
            data = os.read(self._fd, _READ_BYTES_MAX)
            if not data:
                raise OSError("port closed (end of file)")
            for request in self._decoder.feed(data):
                self._send(encode_frame(self.handle(request)))
        if self._tx:
            with contextlib.suppress(BlockingIOError):
                del self._tx[: os.write(self._fd, self._tx)]

    def _send(self, frame: bytes) -> None:
        """Queue a reply; drop it whole (counted) if the far side has stopped reading."""
        if len(self._tx) + len(frame) > _TX_BYTES_MAX:
            self.counters.replies_dropped += 1
        else:
            self._tx += frame

    def _drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 64)

    def _open_path(self) -> None:
        self._serial = serial.serial_for_url(self._port, baudrate=self._baudrate, timeout=0)
        self._fd = self._serial.fileno()
        os.set_blocking(self._fd, False)
        self._decoder.reset()
        self._tx.clear()

    def _reopen_path(self) -> bool:
        try:
            self._open_path()
        except (serial.SerialException, OSError, ValueError):
            return False
        print(f"board-server: reopened {self._port}", file=sys.stderr, flush=True)
        return True

    def _close_path(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._serial.close()
            self._serial = None
            self._fd = None

    def _lookup(self, dev: str, msg: str) -> tuple[dict[str, int], Callable[[dict], dict]]:
        entry = self._messages.get((dev, msg))
        if entry is not None:
            return entry
        names = sorted({d for d, _ in self._messages})
        if dev not in names:
            raise RequestError(
                "unknown_device", f"no device {_short_repr(dev)}; devices are {', '.join(names)}"
            )
        allowed = sorted(m for d, m in self._messages if d == dev)
        raise RequestError(
            "unknown_message", f"{dev} has no message {_short_repr(msg)}; messages are {', '.join(allowed)}"
        )

    def _parse_fields(self, dev: str, msg: str, schema: dict[str, int], request: dict) -> dict:
        """Check a request's fields against `schema` (name -> list length, 0 for a number)."""
        for name in request:
            if name not in _HEADER_FIELDS and name not in schema:
                allowed = ", ".join(schema) or "none"
                raise RequestError(
                    "unknown_field", f"{dev}.{msg} has no field {_short_repr(name)}; fields are {allowed}"
                )
        values = {}
        for name, length in schema.items():
            if name not in request:
                raise RequestError("missing_field", f"{dev}.{msg} needs field {name}")
            value = request[name]
            if length == 0:
                values[name] = _finite(value, name, "a finite number")
                continue
            what = f"a list of {length} finite numbers"
            if not isinstance(value, list) or len(value) != length:
                raise RequestError("bad_field", f"{name} must be {what}, got {_short_repr(value)}")
            values[name] = [_finite(x, name, what) for x in value]
        return values

    def _gyro_read(self, _: dict) -> dict:
        self.gyro.sample()
        return {"w_b": self.gyro.rate_b.tolist()}

    def _wheels_read(self, _: dict) -> dict:
        self.wheels.sample()
        return {"speed_rad_s": self.wheels.speed_rad_s.tolist()}

    def _wheels_torque(self, values: dict) -> dict:
        self.wheels.torque_cmd_nm[:] = values["torque_nm"]
        self.wheels.apply()
        return {}

    def _wheels_applied(self, _: dict) -> dict:
        return {"torque_nm": self.wheels.torque_applied_nm.tolist()}

    def _sim_truth(self, values: dict) -> dict:
        self.t_s = values["t_s"]
        self.w_b_true[:] = values["w_b"]
        self.wheel_speed_true_rad_s[:] = values["wheel_speed_rad_s"]
        return {}

    def _board_ping(self, _: dict) -> dict:
        return {"devices": list(DEVICES), "protocol": PROTOCOL_VERSION}


def run(port: str, seed: int) -> int:
    """`zorka board-server`: serve until SIGINT/SIGTERM; 0 then, 1 if the port cannot be opened."""
    try:
        server = BoardServer(port=port, seed=seed)
    except (serial.SerialException, OSError, ValueError) as failure:
        print(f"board-server: cannot open {port}: {failure}", file=sys.stderr, flush=True)
        return 1

    def _stop(_signum: int, _frame: object) -> None:
        server.stop()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"board-server: serving {', '.join(DEVICES)} on {server.path}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
