"""Simulated boards on the far side of a serial port: every device kind of the spacecraft, the imager
included, speaking the board protocol (hal/board_protocol.md), each the simulator's own model
(sim.board_models).

The rig stimulates the board with the truth it would sense (`sim.truth`) and reads back what its
actuators did (`<actuator>.applied`); flight software reads and commands it through hal.serial_link
like a real board. At connect the host configures it (`board.configure`: device specs and seed, echoed
back); `board.reset` returns it to its power-on state; a watchdog puts the actuators in their safe state
when no device command came for `watchdog_s`. A request with the seq, dev and msg of the one before it
is a retransmission: answered with the cached reply, not acted on again. The server serves either a
path opened with pyserial (a serial port, a pty slave), or, with `port="pty"`, a pty pair of its own
whose slave path it reports, like QEMU's `-serial pty`. Bad input is answered with an error reply or
counted and dropped; it never stops the server.
"""

import contextlib
import math
import os
import select
import signal
import sys
import time
import tty
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import msgpack
import serial

from hal.board_frame import FrameCounters, FrameDecoder, encode_frame
from hal.devices import ImageProduct, Imager
from sim.background_render import BackgroundRender
from sim.board_config import DEVICE_SPECS, device_specs, spacecraft_from_specs
from sim.board_models import EPS_TRUTH, BoardModels
from sim.spacecraft import DEFAULT_SPACECRAFT, Spacecraft

PROTOCOL_VERSION = 2
IDENTITY = "zorka-sim-board"
DEVICES = tuple(DEVICE_SPECS)
WATCHDOG_S = 1.0
"""Power-on watchdog timeout, s (a configuration may change it; 0 turns it off)."""
_HEADER_FIELDS = frozenset({"dev", "msg", "seq"})
_SEQ_MAX = (1 << 64) - 1
_NAME_LEN_MAX = 32
_TX_BYTES_MAX = 65536
_READ_BYTES_MAX = 4096
_REOPEN_PERIOD_S = 0.5
_BODY_BYTES_MAX = 4077  # the longest body that always fits a 4096-byte frame (hal/board_protocol.md)
_UNFED = frozenset({"sim", "board"})  # devices whose messages do not feed the watchdog
CHUNK_BYTES_MAX = 2048
"""Most product bytes one `imager.chunk` reply carries (its frame stays well under 4096 bytes)."""
REQUEST_ID_LEN_MAX = 64

NUMBER, BOOL, TEXT, TEXTS, MAP, UINT = "number", "bool", "str", "[str]", "map", "uint"
"""Field kinds of a message schema; a positive int n is a list of n finite numbers."""


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
    retransmissions: int = 0
    port_errors: int = 0


@dataclass
class Message:
    """One request a board takes: its fields (name -> kind), which of them may be left out, its handler."""

    schema: dict[str, object]
    handler: Callable[[dict], dict]
    optional: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Watchdog:
    """Armed by a device command, tripped by `timeout_s` without one (0: off); `tripped` latches until
    a reset or a configuration."""

    timeout_s: float
    last_command_s: float | None = None
    tripped: bool = False
    trips: int = 0

    def deadline_s(self) -> float | None:
        if self.timeout_s <= 0.0 or self.last_command_s is None:
            return None
        return self.last_command_s + self.timeout_s


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_seq(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _SEQ_MAX


def _finite(value: object, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RequestError("bad_field", f"{name} must be {what}, got {_short_repr(value)}")
    return float(value)


def _field(value: object, name: str, kind: object) -> object:
    """A request field checked against its kind (see NUMBER ...); RequestError if it does not fit."""
    if kind == NUMBER:
        return _finite(value, name, "a finite number")
    if isinstance(kind, int):
        what = f"a list of {kind} finite numbers"
        if not isinstance(value, list) or len(value) != kind:
            raise RequestError("bad_field", f"{name} must be {what}, got {_short_repr(value)}")
        return [_finite(x, name, what) for x in value]
    checks = {
        BOOL: (lambda v: isinstance(v, bool), "true or false"),
        TEXT: (lambda v: isinstance(v, str), "a string"),
        TEXTS: (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of strings"),
        MAP: (lambda v: isinstance(v, dict), "a map"),
        UINT: (_is_seq, "an unsigned integer"),
    }
    check, what = checks[kind]
    if not check(value):
        raise RequestError("bad_field", f"{name} must be {what}, got {_short_repr(value)}")
    return value


def _product_fields(product: ImageProduct) -> dict:
    """An image product's `imager.product.ok` fields: what it answers, its size, CRC-32 and metadata."""
    return {
        "request_id": product.request_id,
        "size": len(product.data),
        "crc32": zlib.crc32(product.data),
        "metadata": product.metadata,
    }


class BoardServer:
    """Simulated boards of every device kind, served on `port` ("pty" or a path).

    `spacecraft` is the board's hardware (its wheel count is fixed; a configuration asking for another
    is refused) and, with `seed`, its power-on configuration. `board_id` is its serial number, which
    a host that reconnects checks to know it found the same board again (default: `sim-<pid>`, unique
    among the boards of one machine). `clock` gives seconds for the watchdog.
    """

    def __init__(
        self,
        port: str = "pty",
        seed: int = 0,
        spacecraft: Spacecraft = DEFAULT_SPACECRAFT,
        gyro_period_s: float = 0.1,
        baudrate: int = 115200,
        watchdog_s: float = WATCHDOG_S,
        clock: Callable[[], float] = time.monotonic,
        board_id: str | None = None,
    ):
        self.board_id = f"sim-{os.getpid()}" if board_id is None else board_id
        if not 0 < len(self.board_id) <= _NAME_LEN_MAX:
            raise ValueError(f"board id must be 1 to {_NAME_LEN_MAX} characters, got {self.board_id!r}")
        self.hardware = spacecraft
        self.n_wheels = spacecraft.wheels.n
        self._power_on = (seed, gyro_period_s, watchdog_s)
        self._clock = clock
        self.counters = ServerCounters()
        self._last: tuple[tuple, dict] | None = None  # the last request's (seq, dev, msg) and its reply
        self.reset()
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

    def reset(self) -> None:
        """The power-on state: the hardware's models seeded afresh, unconfigured, watchdog disarmed, no
        configuration refused."""
        seed, frame_s, watchdog_s = self._power_on
        self._configure(self.hardware, seed, frame_s, 0.0, list(DEVICES), watchdog_s)
        self.configured = False
        self.config_mismatches = 0

    def _configure(
        self,
        spacecraft: Spacecraft,
        seed: int,
        frame_s: float,
        t_s: float,
        devices: list[str],
        watchdog_s: float,
    ) -> None:
        self.models = BoardModels(spacecraft, seed, frame_s, t_s)  # first: a spec it refuses changes nothing
        self.spacecraft = spacecraft
        self.seed = seed
        self.frame_s = frame_s
        self.devices = devices
        self.truth = self.models.truth
        self.gyro, self.wheels, self.imager = self.models.gyro, self.models.wheels, self.models.imager
        self.product: ImageProduct | None = None  # collected from the imager, until the host releases it
        self._render: BackgroundRender | None = None  # the product being rendered, before it is held
        self.watchdog = Watchdog(watchdog_s)
        self.configured = True
        n, k = self.n_wheels, self.truth.n_loads
        truth_fields = {
            "gmst_rad": NUMBER,
            "r_eci": 3,
            "v_eci": 3,
            "q_ib": 4,
            "w_b": 3,
            "b_eci_t": 3,
            "r_sun_eci": 3,
            "sun_fraction": NUMBER,
            "wheel_speed_rad_s": n,
            "dipole_am2": 3,
            "eps_truth": len(EPS_TRUTH),
            "eps_flags": NUMBER,
            "load_on": k,
            "jd_epoch_utc": NUMBER,
        }
        self._messages: dict[tuple[str, str], Message] = {
            ("board", "ping"): Message({}, self._board_ping),
            ("board", "configure"): Message(
                {
                    "seed": UINT,
                    "frame_s": NUMBER,
                    "t_s": NUMBER,
                    "watchdog_s": NUMBER,
                    "devices": TEXTS,
                    "specs": MAP,
                },
                self._board_configure,
            ),
            ("board", "reset"): Message({}, self._board_reset),
            ("board", "status"): Message({}, self._board_status),
            ("gyro", "read"): Message({}, self._gyro_read),
            ("star_tracker", "read"): Message({}, self._star_tracker_read),
            ("magnetometer", "read"): Message({}, self._magnetometer_read),
            ("sun_sensor", "read"): Message({}, self._sun_sensor_read),
            ("gnss", "read"): Message({}, self._gnss_read),
            ("wheels", "read"): Message({}, self._wheels_read),
            ("wheels", "torque"): Message({"torque_nm": n}, self._wheels_torque),
            ("wheels", "speed"): Message({"speed_rad_s": n}, self._wheels_speed),
            ("wheels", "applied"): Message({}, self._wheels_applied),
            ("magnetorquers", "dipole"): Message({"dipole_am2": 3}, self._magnetorquers_dipole),
            ("magnetorquers", "applied"): Message({}, self._magnetorquers_applied),
            ("eps", "read"): Message({}, self._eps_read),
            ("eps", "switch"): Message({"load": TEXT, "on": BOOL}, self._eps_switch),
            ("eps", "applied"): Message({}, self._eps_applied),
            ("imager", "start"): Message(
                {
                    "request_id": TEXT,
                    "duration_s": NUMBER,
                    "lat_rad": NUMBER,
                    "lon_rad": NUMBER,
                    "alt_m": NUMBER,
                    "strip_end": 2,
                },
                self._imager_start,
                optional=frozenset({"strip_end"}),
            ),
            ("imager", "stop"): Message({}, self._imager_stop),
            ("imager", "read"): Message({}, self._imager_read),
            ("imager", "product"): Message(
                {"wait": BOOL}, self._imager_product, optional=frozenset({"wait"})
            ),
            ("imager", "chunk"): Message(
                {"offset": UINT, "length": UINT}, self._imager_chunk, optional=frozenset({"length"})
            ),
            ("imager", "release"): Message({"request_id": TEXT}, self._imager_release),
            ("sim", "truth"): Message(
                {"t_s": NUMBER, **truth_fields},
                self._sim_truth,
                optional=frozenset(truth_fields),
            ),
        }

    @property
    def t_s(self) -> float:
        """Simulation time of the last truth the board was given."""
        return self.truth.t_s

    def check_watchdog(self) -> bool:
        """Trip the watchdog if its time has passed since the last device command: actuators safe, the
        trip latched and counted. True if it tripped now."""
        deadline = self.watchdog.deadline_s()
        if deadline is None or self._clock() < deadline:
            return False
        self.models.safe()
        self.watchdog.tripped = True
        self.watchdog.trips += 1
        self.watchdog.last_command_s = None
        return True

    @property
    def frame_counters(self) -> FrameCounters:
        return self._decoder.counters

    def handle(self, request: dict) -> dict:
        """The reply to one decoded request: `<msg>.ok` with its fields, or `error` with a code and text.
        A valid request to a device (not `sim`, `board`, nor an `applied` read-back) feeds the watchdog.
        A retransmission (the seq, dev and msg of the request before) gets that request's reply again and
        changes nothing."""
        self.counters.requests += 1
        self.check_watchdog()
        key = (request.get("seq"), request.get("dev"), request.get("msg"))
        if self._last is not None and _is_seq(key[0]) and key == self._last[0]:
            self.counters.retransmissions += 1
            return self._last[1]
        reply = self._answer(request)
        self._last = (key, reply) if _is_seq(key[0]) else None  # a bad seq is answered last, matches nothing
        return reply

    def _answer(self, request: dict) -> dict:
        dev, msg, seq = request.get("dev"), request.get("msg"), request.get("seq")
        try:
            if not _is_seq(seq):
                raise RequestError("bad_field", f"seq must be an unsigned integer, got {_short_repr(seq)}")
            if not isinstance(dev, str) or not isinstance(msg, str):
                raise RequestError("bad_field", "dev and msg must be strings")
            message = self._lookup(dev, msg)
            fields = message.handler(self._parse_fields(dev, msg, message, request))
        except RequestError as refusal:
            self.counters.replies_error += 1
            return {
                "dev": dev if isinstance(dev, str) and len(dev) <= _NAME_LEN_MAX else None,
                "msg": "error",
                "seq": seq if _is_seq(seq) else None,
                "code": refusal.code,
                "text": refusal.text,
            }
        if dev not in _UNFED and msg != "applied":
            self.watchdog.last_command_s = self._clock()
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
        """Wait for bytes (or room to write the rest of the replies, or the watchdog's time); answer; write
        what fits now."""
        deadline = self.watchdog.deadline_s()
        wait_s = None if deadline is None else max(0.0, deadline - self._clock())
        readable, _, _ = select.select([self._fd, self._wake_r], [self._fd] if self._tx else [], [], wait_s)
        self.check_watchdog()
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

    def _lookup(self, dev: str, msg: str) -> Message:
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

    def _parse_fields(self, dev: str, msg: str, message: Message, request: dict) -> dict:
        """Check a request's fields against the message's schema."""
        schema = message.schema
        for name in request:
            if name not in _HEADER_FIELDS and name not in schema:
                allowed = ", ".join(schema) or "none"
                raise RequestError(
                    "unknown_field", f"{dev}.{msg} has no field {_short_repr(name)}; fields are {allowed}"
                )
        values = {}
        for name, kind in schema.items():
            if name in request:
                values[name] = _field(request[name], name, kind)
            elif name not in message.optional:
                raise RequestError("missing_field", f"{dev}.{msg} needs field {name}")
        return values

    @staticmethod
    def _reading(valid: bool, **registers) -> dict:
        return {**{k: v.tolist() for k, v in registers.items()}, "valid": valid}

    def _gyro_read(self, _: dict) -> dict:
        self.gyro.sample()
        return {"w_b": self.gyro.rate_b.tolist()}

    def _star_tracker_read(self, _: dict) -> dict:
        tracker = self.models.star_tracker
        valid = tracker.sample()
        return {**self._reading(valid, q_ib=tracker.q_ib), "blinded": tracker.blinded}

    def _magnetometer_read(self, _: dict) -> dict:
        magnetometer = self.models.magnetometer
        return self._reading(magnetometer.sample(), b_b_t=magnetometer.b_b_t)

    def _sun_sensor_read(self, _: dict) -> dict:
        sun = self.models.sun_sensor
        return self._reading(sun.sample(), s_b=sun.s_b)

    def _gnss_read(self, _: dict) -> dict:
        gnss = self.models.gnss
        return self._reading(gnss.sample(), r_ecef_m=gnss.r_ecef_m, v_ecef_m_s=gnss.v_ecef_m_s)

    def _wheels_read(self, _: dict) -> dict:
        self.wheels.sample()
        return {"speed_rad_s": self.wheels.speed_rad_s.tolist(), "current_a": self.wheels.current_a.tolist()}

    def _wheels_torque(self, values: dict) -> dict:
        self.wheels.torque_cmd_nm[:] = values["torque_nm"]
        self.wheels.apply()
        return {}

    def _wheels_speed(self, values: dict) -> dict:
        speed_max = self.wheels.speed_max_rad_s
        if any(abs(v) > top for v, top in zip(values["speed_rad_s"], speed_max, strict=True)):
            raise RequestError(
                "bad_field",
                f"speed_rad_s must be within +-{speed_max[0]:g} rad/s, got {values['speed_rad_s']}",
            )
        self.wheels.speed_cmd_rad_s[:] = values["speed_rad_s"]
        self.wheels.command_speed()
        return {}

    def _wheels_applied(self, _: dict) -> dict:
        return {"torque_nm": self.wheels.torque_applied_nm.tolist()}

    def _magnetorquers_dipole(self, values: dict) -> dict:
        torquers = self.models.magnetorquers
        torquers.dipole_cmd_am2[:] = values["dipole_am2"]
        torquers.apply()
        return {}

    def _magnetorquers_applied(self, _: dict) -> dict:
        return {"dipole_am2": self.models.magnetorquers.dipole_applied_am2.tolist()}

    def _eps_read(self, _: dict) -> dict:
        eps = self.models.eps
        valid = eps.sample()
        return {
            "readings": eps.readings.tolist(),
            "flags": eps.flags,
            "load_on": eps.load_on.tolist(),
            "valid": valid,
        }

    def _eps_switch(self, values: dict) -> dict:
        eps = self.models.eps
        if not eps.switch(values["load"], values["on"]):
            raise RequestError(
                "bad_field",
                f"load must be one of {', '.join(eps.load_names)}, got {_short_repr(values['load'])}",
            )
        return {}

    def _eps_applied(self, _: dict) -> dict:
        power = self.truth.c.power
        return {"load_on": list(power.load_on[0 : power.n_loads])}

    def _sim_truth(self, values: dict) -> dict:
        self.models.take_truth(values)
        return {}

    def _imager_state(self) -> str:
        return ("idle", "capturing", "ready")[self.imager.state]

    def _imager_start(self, values: dict) -> dict:
        request_id, duration_s = values["request_id"], values["duration_s"]
        if len(request_id) > REQUEST_ID_LEN_MAX:
            raise RequestError("bad_field", f"request_id must be at most {REQUEST_ID_LEN_MAX} characters")
        capture_max_s = self.imager.spec.capture_max_s
        if not 0.0 < duration_s <= capture_max_s:
            raise RequestError(
                "bad_field", f"duration_s must be > 0 and <= {capture_max_s:g} s, got {duration_s!r}"
            )
        r_eci = self.truth.c.orbit.r_eci
        if r_eci[0] == r_eci[1] == r_eci[2] == 0.0:
            raise RequestError(
                "wrong_state", "the board has no position yet: send sim.truth with r_eci before a capture"
            )
        self.imager.sample()
        if self._has_product() or self.imager.state != Imager.IDLE:
            state = "ready" if self._has_product() else self._imager_state()
            raise RequestError("wrong_state", f"the imager is {state}: a capture starts only when idle")
        strip_end = values.get("strip_end")
        self.imager.start(
            request_id,
            duration_s,
            values["lat_rad"],
            values["lon_rad"],
            values["alt_m"],
            None if strip_end is None else (strip_end[0], strip_end[1]),
        )
        return {}

    def _imager_stop(self, _: dict) -> dict:
        if not self.imager.stop():
            self.imager.sample()
            raise RequestError("wrong_state", f"the imager is {self._imager_state()}: no capture to stop")
        return {}

    def _imager_read(self, _: dict) -> dict:
        """The status; a capture found finished starts its product's render in the background."""
        imager = self.imager
        imager.sample()
        if imager.state == Imager.READY and not self._has_product():
            self._start_render()
        state = Imager.READY if self._has_product() else imager.state
        return {"state": state, "elapsed_s": imager.elapsed_s, "frames": int(imager.status[2])}

    def _has_product(self) -> bool:
        """A product is held or being rendered: the imager is `ready` to the host either way."""
        return self.product is not None or self._render is not None

    def _start_render(self) -> None:
        render = self.imager.collect_later()
        if render is not None:
            self._render = BackgroundRender(render)

    def _held_product(self) -> ImageProduct:
        if self.product is None:
            if self._render is not None:
                raise RequestError("wrong_state", "the product is being rendered: ask imager.product")
            raise RequestError("wrong_state", "no product waits to be collected")
        return self.product

    def _imager_product(self, values: dict) -> dict:
        """The held product described; one still rendering is `ready: false` at once, or waited for."""
        if self.product is None:
            if self._render is None:
                self.imager.sample()
                self._start_render()
            if self._render is not None:
                if not (values.get("wait", False) or self._render.done()):
                    return {"ready": False}
                self.product, self._render = self._render.result(), None
        return {"ready": True, **_product_fields(self._held_product())}

    def _imager_chunk(self, values: dict) -> dict:
        data = self._held_product().data
        offset, length = values["offset"], values.get("length", CHUNK_BYTES_MAX)
        if offset >= len(data):
            raise RequestError(
                "bad_field", f"offset must be below the product's {len(data)} bytes, got {offset}"
            )
        if not 1 <= length <= CHUNK_BYTES_MAX:
            raise RequestError("bad_field", f"length must be 1 to {CHUNK_BYTES_MAX} bytes, got {length}")
        return {"offset": offset, "data": data[offset : offset + length]}

    def _imager_release(self, values: dict) -> dict:
        product = self._held_product()
        if values["request_id"] != product.request_id:
            raise RequestError(
                "bad_field",
                f"request_id must be the held product's {product.request_id!r}, got "
                f"{_short_repr(values['request_id'])}",
            )
        self.product = None
        return {}

    def _identity(self) -> dict:
        return {
            "identity": IDENTITY,
            "board_id": self.board_id,
            "protocol": PROTOCOL_VERSION,
            "devices": list(DEVICES),
        }

    def _board_ping(self, _: dict) -> dict:
        return self._identity()

    def _board_reset(self, _: dict) -> dict:
        self.reset()
        return self._identity()

    def _board_status(self, _: dict) -> dict:
        return {
            "configured": self.configured,
            "watchdog_s": self.watchdog.timeout_s,
            "watchdog_tripped": self.watchdog.tripped,
            "watchdog_trips": self.watchdog.trips,
            "config_mismatches": self.config_mismatches,
        }

    def _board_configure(self, values: dict) -> dict:
        """Build the models the configuration asks for, or refuse it whole (a `config_mismatch` counted
        for `board.status`); echo what was taken."""
        try:
            return self._take_configuration(values)
        except RequestError as refusal:
            if refusal.code == "config_mismatch":
                self.config_mismatches += 1
            raise

    def _take_configuration(self, values: dict) -> dict:
        devices = values["devices"]
        unserved = sorted(set(devices) - set(DEVICES))
        if unserved:
            raise RequestError("config_mismatch", f"this board does not serve {', '.join(unserved)}")
        try:
            spacecraft = spacecraft_from_specs(self.hardware, values["specs"])
        except ValueError as failure:
            raise RequestError("bad_field", f"specs: {failure}") from None
        if spacecraft.wheels.n != self.n_wheels:
            raise RequestError(
                "config_mismatch",
                f"this board drives {self.n_wheels} wheels; the configuration asks for {spacecraft.wheels.n}",
            )
        if values["frame_s"] <= 0.0 or values["watchdog_s"] < 0.0:
            raise RequestError("bad_field", "frame_s must be > 0 s and watchdog_s >= 0 s (0: off)")
        taken = {
            "seed": values["seed"],
            "frame_s": values["frame_s"],
            "t_s": values["t_s"],
            "watchdog_s": values["watchdog_s"],
            "devices": list(devices),
            "specs": device_specs(spacecraft, list(values["specs"])),
        }
        reply = {**self._identity(), "config": taken}
        echo_bytes = len(msgpack.packb({"dev": "board", "msg": "configure.ok", "seq": _SEQ_MAX, **reply}))
        if echo_bytes > _BODY_BYTES_MAX:
            raise RequestError(
                "bad_field",
                f"specs: the echo would take {echo_bytes} bytes, more than a frame's {_BODY_BYTES_MAX}",
            )
        try:
            self._configure(
                spacecraft, values["seed"], values["frame_s"], values["t_s"], devices, values["watchdog_s"]
            )
        except ValueError as failure:
            raise RequestError("bad_field", f"specs: {failure}") from None
        return reply


def run(port: str, seed: int, watchdog_s: float = WATCHDOG_S, board_id: str | None = None) -> int:
    """`zorka board-server`: serve until SIGINT/SIGTERM with the power-on watchdog timeout `watchdog_s`
    (0: off) as the board `board_id`; 0 then, 1 if the port cannot be opened."""
    try:
        server = BoardServer(port=port, seed=seed, watchdog_s=watchdog_s, board_id=board_id)
    except (serial.SerialException, OSError, ValueError) as failure:
        print(f"board-server: cannot open {port}: {failure}", file=sys.stderr, flush=True)
        return 1

    def _stop(_signum: int, _frame: object) -> None:
        server.stop()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"board-server: serving {', '.join(DEVICES)} as {server.board_id} on {server.path}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
