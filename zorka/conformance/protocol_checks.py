"""The board-wide checks of hal/board_protocol.md: the handshake, malformed frames, refused requests,
retransmission, reset, the watchdog and the round-trip time. Each returns what it measured;
NonconformanceError says what the board did instead, NotApplicableError why the check does not apply."""

import random
import statistics
import time

import msgpack

from hal.board_frame import MAX_FRAME_BYTES, encode_frame
from zorka.conformance.board_wire import packed, raw_frame
from zorka.conformance.check_session import (
    HANDSHAKE_TIMEOUT_S,
    CheckSession,
    NonconformanceError,
    NotApplicableError,
)
from zorka.conformance.device_checks import DEVICE_CHECKS
from zorka.conformance.reply_schemas import BOARD_IDENTITY, BOARD_STATUS, MAP, kind_problem

PROTOCOL_VERSION = 2
BOARD_ID_LEN_MAX = 32
QUIET_S = 0.2
"""How long a board that must not answer is listened to."""
WATCHDOG_CHECK_S = 0.3
WATCHDOG_MARGIN_S = 0.1
"""The doc: a board trips within a few milliseconds of its timeout (the simulated one within 50 ms)."""
TIMING_REQUESTS = 200
TURNAROUND_S = 0.005
"""The doc: a board answers within a few milliseconds of the request's last byte."""
HOST_TIMEOUT_S = 0.05
"""The doc: a real-time host waits 50 ms for a reply; a later one is lost to it."""
BITS_PER_BYTE = 10  # 8N1
_READ_DEVICES = ("gyro", "star_tracker", "magnetometer", "sun_sensor", "gnss", "wheels", "eps", "imager")
_GARBAGE_SEED = 14
_GARBAGE_BYTES = 300


def check_ping(s: CheckSession, asked: list[str] | None) -> str:
    """board.ping: identity, board id, protocol 2, devices; the devices to check chosen from those."""
    reply = s.expect_ok("board", "ping", BOARD_IDENTITY, timeout_s=HANDSHAKE_TIMEOUT_S)
    _check_identity("board.ping", reply)
    claimed = reply["devices"]
    missing = sorted(set(asked or []) - set(claimed))
    if missing:
        raise NonconformanceError(
            f"the board does not serve {', '.join(missing)} (it claims {', '.join(claimed)})"
        )
    s.devices = [d for d in (asked or claimed) if d in DEVICE_CHECKS]
    s.board_id = reply["board_id"]
    unknown = sorted(set(claimed) - set(DEVICE_CHECKS))
    extra = f"; not in the doc, not checked: {', '.join(unknown)}" if unknown else ""
    return f"{reply['identity']} {reply['board_id']}, protocol 2, devices {', '.join(claimed)}{extra}"


def _check_identity(request: str, reply: dict) -> None:
    if reply["protocol"] != PROTOCOL_VERSION:
        raise NonconformanceError(f"{request}: protocol must be {PROTOCOL_VERSION}, got {reply['protocol']}")
    if not 0 < len(reply["board_id"]) <= BOARD_ID_LEN_MAX:
        raise NonconformanceError(
            f"{request}: board_id must be 1 to 32 characters, got {reply['board_id']!r}"
        )


def check_reset_reply(s: CheckSession) -> str:
    reply = s.expect_ok("board", "reset", BOARD_IDENTITY, timeout_s=HANDSHAKE_TIMEOUT_S)
    _check_identity("board.reset", reply)
    if reply["board_id"] != s.board_id:
        raise NonconformanceError(
            f"board.reset: board_id {reply['board_id']!r}, but ping said {s.board_id!r}"
        )
    return "identity as in ping"


def check_configure(s: CheckSession) -> str:
    """board.configure from the default spacecraft: the echo equals what was sent (msgpack round trip)."""
    sent = s.configuration(watchdog_s=0.0)
    reply = s.expect_ok(
        "board", "configure", {**BOARD_IDENTITY, "config": MAP}, timeout_s=HANDSHAKE_TIMEOUT_S, **sent
    )
    difference = _first_difference(packed(sent), reply["config"], "config")
    if difference is not None:
        raise NonconformanceError(f"board.configure echoed another configuration: {difference}")
    status = s.expect_ok("board", "status", BOARD_STATUS)
    if status["configured"] is not True:
        raise NonconformanceError("board.status: configured must be true after board.configure, got false")
    size_b = len(msgpack.packb(sent))
    devices = f"{len(s.devices)} device{'' if len(s.devices) == 1 else 's'}"
    return f"{devices}, {size_b} B of configuration echoed exactly; status configured"


def _first_difference(sent: object, echoed: object, path: str) -> str | None:
    """Where `echoed` first differs from `sent`, as `path: sent ... echoed ...`, or None."""
    if isinstance(sent, dict) and isinstance(echoed, dict):
        for key in sorted(set(sent) | set(echoed)):
            if key not in echoed:
                return f"{path}.{key} missing"
            if key not in sent:
                return f"{path}.{key} not sent"
            difference = _first_difference(sent[key], echoed[key], f"{path}.{key}")
            if difference is not None:
                return difference
        return None
    if isinstance(sent, list) and isinstance(echoed, list) and len(sent) == len(echoed):
        for i, (a, b) in enumerate(zip(sent, echoed, strict=True)):
            difference = _first_difference(a, b, f"{path}[{i}]")
            if difference is not None:
                return difference
        return None
    if sent == echoed and type(sent) is type(echoed):
        return None
    return f"{path}: sent {sent!r}, echoed {echoed!r}"


def check_sim_truth(s: CheckSession) -> str:
    """A board in the loop takes the truth: a nadir-pointing state at t = 0 (later checks read it)."""
    if not s.serves_read_backs():
        raise NotApplicableError("not a board in the loop (no sim.truth, no applied read-backs)")
    s.send_truth(0.0)
    return "nadir-pointing truth at t = 0 taken"


def malformed_check(kind: str):
    """The check that sends a `kind` of broken frame: no reply to it, then the next request answered."""

    def check(s: CheckSession) -> str:
        s.wire.send_bytes(_broken_frame(kind, s.wire.next_seq()))
        frames = s.wire.frames_within(QUIET_S)
        if frames:
            first = frames[0]
            raise NonconformanceError(
                f"the board answered the broken frame ({first.get('dev')}.{first.get('msg')}); "
                "it must drop it"
            )
        start_s = time.perf_counter()
        s.expect_ok("board", "ping", BOARD_IDENTITY)
        rtt_ms = 1e3 * (time.perf_counter() - start_s)
        return f"dropped (no reply in {QUIET_S:g} s); next ping answered in {rtt_ms:.2f} ms"

    return check


def _broken_frame(kind: str, seq: int) -> bytes:
    """A frame a receiver must drop; where it could be read, it holds a valid board.ping of `seq`."""
    ping = msgpack.packb({"dev": "board", "msg": "ping", "seq": seq})
    if kind == "bad_crc":
        return raw_frame(ping, crc_ok=False)
    if kind == "cobs":
        return b"\x00\x05\x01\x02\x00"  # the code byte promises 4 bytes; 2 follow
    if kind == "garbage":
        rng = random.Random(_GARBAGE_SEED)
        return bytes(rng.randrange(256) for _ in range(_GARBAGE_BYTES)) + b"\x00"
    if kind == "oversized":
        padded = {"dev": "board", "msg": "ping", "seq": seq, "pad": "x" * MAX_FRAME_BYTES}
        return raw_frame(msgpack.packb(padded))
    if kind == "not_a_map":
        return raw_frame(msgpack.packb(["board", "ping", seq]))
    raise ValueError(f"no broken frame {kind!r}")


MALFORMED = {
    "bad_crc": "a valid ping with its CRC flipped",
    "cobs": "a COBS-invalid frame",
    "garbage": f"{_GARBAGE_BYTES} random bytes",
    "oversized": f"a ping padded past {MAX_FRAME_BYTES} bytes",
    "not_a_map": "a msgpack array body",
}


def _command_probe(s: CheckSession) -> tuple[str, str, dict, str]:
    """A command of the board's with a required field: (dev, msg, valid fields, the field probed)."""
    if "wheels" in s.devices:
        return "wheels", "torque", {"torque_nm": [0.0] * s.n_wheels}, "torque_nm"
    if "magnetorquers" in s.devices:
        return "magnetorquers", "dipole", {"dipole_am2": [0.0, 0.0, 0.0]}, "dipole_am2"
    return "board", "configure", s.configuration(watchdog_s=0.0), "seed"


def _range_probe(s: CheckSession) -> tuple[str, str, dict, str]:
    """A request with a value out of the doc's range: (dev, msg, fields, the field out of range)."""
    if "wheels" in s.devices:
        too_fast = [2.0 * s.spacecraft.wheels.speed_max_rad_s] * s.n_wheels
        return "wheels", "speed", {"speed_rad_s": too_fast}, "speed_rad_s"
    if "imager" in s.devices:
        fields = {"request_id": "RANGE", "lat_rad": 0.9, "lon_rad": 0.5, "alt_m": 0.0}
        too_long_s = 10.0 * s.spacecraft.imager.capture_max_s
        return "imager", "start", {**fields, "duration_s": too_long_s}, "duration_s"
    return "board", "configure", {**s.configuration(watchdog_s=0.0), "frame_s": -0.1}, "frame_s"


def bad_request_check(kind: str):
    """The check of one refusal: the request of `kind` answered `error` with its code, naming what's wrong."""

    def check(s: CheckSession) -> str:
        dev, msg, fields, named, code = _bad_request(s, kind)
        seq = s.wire.next_seq()
        reply = s.wire.request(dev, msg, HANDSHAKE_TIMEOUT_S, seq=seq, **fields)
        request = f"{dev}.{msg}"
        if reply is None:
            raise NonconformanceError(f"{request} ({kind}): no reply")
        if reply.get("msg") != "error":
            raise NonconformanceError(f"{request} ({kind}): answered {reply.get('msg')}, not error {code}")
        for name, kind_of in (("code", "str"), ("text", "str")):
            problem = kind_problem(reply.get(name), kind_of)
            if problem is not None:
                raise NonconformanceError(f"{request}: error {name} {problem}")
        if reply["code"] != code or reply.get("seq") != seq or reply.get("dev") != dev:
            raise NonconformanceError(
                f"{request} ({kind}): expected error {code} for {dev} seq {seq}, got {reply['code']} "
                f"for {reply.get('dev')} seq {reply.get('seq')}"
            )
        if named not in reply["text"]:
            raise NonconformanceError(f"{request}: error text must name {named!r}, got {reply['text']!r}")
        return f"{request}: {code} naming {named}"

    return check


def _bad_request(s: CheckSession, kind: str) -> tuple[str, str, dict, str, str]:
    """(dev, msg, fields, what the error text must name, the code) of a bad request of `kind`."""
    first = s.devices[0] if s.devices else "board"
    if kind == "unknown_device":
        return "no_such_device", "read", {}, "no_such_device", "unknown_device"
    if kind == "unknown_message":
        return first, "no_such_message", {}, "no_such_message", "unknown_message"
    dev, msg, fields, name = _command_probe(s)
    if kind == "missing_field":
        return dev, msg, {k: v for k, v in fields.items() if k != name}, name, "missing_field"
    if kind == "unknown_field":
        return dev, msg, {**fields, "no_such_field": 1}, "no_such_field", "unknown_field"
    if kind == "wrong_type":
        return dev, msg, {**fields, name: "fast"}, name, "bad_field"
    if kind == "out_of_range":
        dev, msg, fields, name = _range_probe(s)
        return dev, msg, fields, name, "bad_field"
    raise ValueError(f"no bad request {kind!r}")


BAD_REQUESTS = (
    "unknown_device",
    "unknown_message",
    "missing_field",
    "unknown_field",
    "wrong_type",
    "out_of_range",
)


def check_retransmission(s: CheckSession) -> str:
    """A request sent again (same seq, dev, msg) gets the same reply and is not acted on again: a reading
    keeps its noise, and a refused configuration is counted once in `config_mismatches`."""
    measured = []
    reader = next((d for d in _READ_DEVICES if d in s.devices), None)
    if reader is not None:
        seq = s.wire.next_seq()
        first, again = (s.wire.request(reader, "read", HANDSHAKE_TIMEOUT_S, seq=seq) for _ in range(2))
        if first is None or again is None:
            raise NonconformanceError(f"{reader}.read: no reply to the request or to its retransmission")
        if again != first:
            raise NonconformanceError(
                f"{reader}.read sent again: a different reply (a new reading: acted twice)"
            )
        measured.append(f"{reader}.read: same reply")
    before = s.expect_ok("board", "status", BOARD_STATUS)["config_mismatches"]
    lacking = {**s.configuration(watchdog_s=0.0), "devices": [*s.devices, "no_such_device"]}
    seq = s.wire.next_seq()
    replies = [
        s.wire.request("board", "configure", HANDSHAKE_TIMEOUT_S, seq=seq, **lacking) for _ in range(2)
    ]
    if any(r is None or r.get("code") != "config_mismatch" for r in replies):
        raise NonconformanceError(
            "board.configure of a device the board lacks must be refused config_mismatch, got "
            f"{[None if r is None else r.get('code') for r in replies]}"
        )
    if replies[1] != replies[0]:
        raise NonconformanceError("board.configure sent again: a different error reply")
    after = s.expect_ok("board", "status", BOARD_STATUS)["config_mismatches"]
    if after - before != 1:
        raise NonconformanceError(
            f"a refused configuration sent twice counted {after - before} config_mismatches, not 1"
        )
    measured.append("refused configure twice: same reply, config_mismatches +1")
    return "; ".join(measured)


def _actuators_on(s: CheckSession) -> list[str]:
    """Command the wheels and torquers the board serves to non-zero values; the requests sent."""
    sent = []
    if "wheels" in s.devices:
        s.expect_ok("wheels", "torque", {}, torque_nm=[0.002] * s.n_wheels)
        sent.append("wheels")
    if "magnetorquers" in s.devices:
        s.expect_ok("magnetorquers", "dipole", {}, dipole_am2=[1.0, -1.0, 0.5])
        sent.append("magnetorquers")
    return sent


_APPLIED = {"wheels": "torque_nm", "magnetorquers": "dipole_am2"}


def _first_nonzero_applied(s: CheckSession, actuators: list[str]) -> tuple[str, list[float]] | None:
    """The first of `actuators` whose read-back is not all zero, with its values (None if all are)."""
    for device in actuators:
        values = _applied(s, device)
        if any(v != 0.0 for v in values):
            return device, values
    return None


def _applied(s: CheckSession, device: str) -> list[float]:
    reply = s.ask(device, "applied")
    values = None if reply is None else reply.get(_APPLIED[device])
    if not isinstance(values, list):
        raise NonconformanceError(f"{device}.applied: no {_APPLIED[device]} in its reply ({reply})")
    return values


def check_reset(s: CheckSession) -> str:
    """board.reset returns the board to power-on: not configured, watchdog clear, actuators zero."""
    actuators = _actuators_on(s)
    s.expect_ok("board", "reset", BOARD_IDENTITY, timeout_s=HANDSHAKE_TIMEOUT_S)
    status = s.expect_ok("board", "status", BOARD_STATUS)
    if status["configured"] or status["watchdog_tripped"] or status["watchdog_trips"]:
        raise NonconformanceError(
            f"after board.reset: configured {status['configured']}, watchdog_tripped "
            f"{status['watchdog_tripped']}, watchdog_trips {status['watchdog_trips']}; power-on is "
            "false, false, 0"
        )
    measured = ["status configured false, watchdog clear"]
    if actuators and s.serves_read_backs():
        if (nonzero := _first_nonzero_applied(s, actuators)) is not None:
            device, values = nonzero
            raise NonconformanceError(
                f"after board.reset: {device}.applied {_APPLIED[device]} {values}, not zero"
            )
        measured.append(f"{' and '.join(actuators)} applied zero")
    s.configure(watchdog_s=0.0)
    return "; ".join(measured)


def check_watchdog(s: CheckSession) -> str:
    """Configured with a short watchdog, an actuator commanded, then silence: tripped, actuators zero."""
    if not any(d in s.devices for d in _APPLIED):
        raise NotApplicableError("no wheels or magnetorquers to make safe")
    s.configure(watchdog_s=WATCHDOG_CHECK_S)
    commanded_s = time.monotonic()
    actuators = _actuators_on(s)
    read_backs = s.serves_read_backs()
    if read_backs and all(v == 0.0 for v in _applied(s, actuators[0])):
        raise NonconformanceError(f"{actuators[0]}.applied is zero right after a non-zero command")
    early = s.expect_ok("board", "status", BOARD_STATUS)
    if early["watchdog_tripped"]:
        raise NonconformanceError("board.status: watchdog_tripped before its timeout")
    time.sleep(max(0.0, commanded_s + WATCHDOG_CHECK_S + WATCHDOG_MARGIN_S - time.monotonic()))
    silent_s = time.monotonic() - commanded_s
    status = s.expect_ok("board", "status", BOARD_STATUS)
    if not status["watchdog_tripped"] or status["watchdog_trips"] != 1:
        raise NonconformanceError(
            f"after {silent_s:.2f} s silent (watchdog_s {WATCHDOG_CHECK_S:g}): watchdog_tripped "
            f"{status['watchdog_tripped']}, watchdog_trips {status['watchdog_trips']}; expected true, 1"
        )
    measured = [f"tripped once within {silent_s:.2f} s of silence (watchdog_s {WATCHDOG_CHECK_S:g})"]
    if read_backs:
        if (nonzero := _first_nonzero_applied(s, actuators)) is not None:
            device, values = nonzero
            raise NonconformanceError(f"watchdog tripped but {device}.applied {_APPLIED[device]} is {values}")
        measured.append(f"{' and '.join(actuators)} applied zero")
    else:
        measured.append("actuators not read back (no applied: not a board in the loop)")
    s.configure(watchdog_s=0.0)
    return "; ".join(measured)


def check_timing(s: CheckSession) -> str:
    """Round trips of a device read against the doc's allowance at the stated baud rate."""
    dev = next((d for d in _READ_DEVICES if d in s.devices), None)
    dev, msg = ("board", "status") if dev is None else (dev, "read")
    rtts_s = []
    reply = None
    for _ in range(TIMING_REQUESTS):
        reply, rtt_s = s.wire.timed_request(dev, msg, HANDSHAKE_TIMEOUT_S)
        if reply is None or reply.get("msg") != f"{msg}.ok":
            raise NonconformanceError(f"{dev}.{msg}: {'no reply' if reply is None else reply.get('msg')}")
        rtts_s.append(rtt_s)
    request_b = len(encode_frame({"dev": dev, "msg": msg, "seq": reply["seq"]}))
    wire_s = (request_b + len(encode_frame(reply))) * BITS_PER_BYTE / s.baud_rate
    allowance_s = wire_s + TURNAROUND_S
    p50_s = statistics.median(rtts_s)
    p99_s = statistics.quantiles(rtts_s, n=100)[98]
    max_s = max(rtts_s)
    measured = (
        f"{dev}.{msg} x{TIMING_REQUESTS}: p50 {1e3 * p50_s:.2f} ms, p99 {1e3 * p99_s:.2f} ms, max "
        f"{1e3 * max_s:.2f} ms; allowance {1e3 * allowance_s:.2f} ms at {s.baud_rate} baud "
        f"({1e3 * wire_s:.2f} ms on the line + {1e3 * TURNAROUND_S:g} ms turnaround), host timeout "
        f"{1e3 * HOST_TIMEOUT_S:g} ms"
    )
    if p99_s > allowance_s or max_s > HOST_TIMEOUT_S:
        raise NonconformanceError(measured)
    return measured
