"""One check per device the board claims: every message of the device's table in hal/board_protocol.md,
asked validly, answered `<msg>.ok` with the documented fields, types and ranges. Each returns what it
asked; NonconformanceError names the first message that did not conform."""

from collections.abc import Callable

from zorka.conformance.check_session import CONFIG_FRAME_S, CheckSession, NonconformanceError
from zorka.conformance.reply_schemas import BIN, BOOL, FLOAT, MAP, TEXT, UINT, floats, switches, unit_problem

IMAGER_CAPTURE_S = 0.5
IMAGER_CHUNK_BYTES = 64
_IMAGER_STATES = (0, 1, 2)  # idle, capturing, ready
_PRODUCT_TIMEOUT_S = 10.0  # imager.product with wait: true answers when the render is done (~0.2 s)


def _fail_if(problem: str | None) -> None:
    if problem is not None:
        raise NonconformanceError(problem)


def check_gyro(s: CheckSession) -> list[str]:
    s.expect_ok("gyro", "read", {"w_b": floats(3)})
    return ["read"]


def check_star_tracker(s: CheckSession) -> list[str]:
    reply = s.expect_ok("star_tracker", "read", {"q_ib": floats(4), "valid": BOOL, "blinded": BOOL})
    if reply["valid"]:
        _fail_if(unit_problem("star_tracker.read", "q_ib", reply["q_ib"]))
    return ["read"]


def check_magnetometer(s: CheckSession) -> list[str]:
    s.expect_ok("magnetometer", "read", {"b_b_t": floats(3), "valid": BOOL})
    return ["read"]


def check_sun_sensor(s: CheckSession) -> list[str]:
    reply = s.expect_ok("sun_sensor", "read", {"s_b": floats(3), "valid": BOOL})
    if reply["valid"]:
        _fail_if(unit_problem("sun_sensor.read", "s_b", reply["s_b"]))
    return ["read"]


def check_gnss(s: CheckSession) -> list[str]:
    s.expect_ok("gnss", "read", {"r_ecef_m": floats(3), "v_ecef_m_s": floats(3), "valid": BOOL})
    return ["read"]


def check_wheels(s: CheckSession) -> list[str]:
    n = s.n_wheels
    s.expect_ok("wheels", "read", {"speed_rad_s": floats(n), "current_a": floats(n)})
    s.expect_ok("wheels", "speed", {}, speed_rad_s=[10.0] * n)
    s.expect_ok("wheels", "torque", {}, torque_nm=[0.001 * (i + 1) for i in range(n)])
    asked = ["read", "speed", "torque"]
    if s.serves_read_backs():
        s.expect_ok("wheels", "applied", {"torque_nm": floats(n)})
        asked.append("applied")
    s.expect_ok("wheels", "torque", {}, torque_nm=[0.0] * n)
    return asked


def check_magnetorquers(s: CheckSession) -> list[str]:
    s.expect_ok("magnetorquers", "dipole", {}, dipole_am2=[0.5, -0.5, 0.25])
    asked = ["dipole"]
    if s.serves_read_backs():
        s.expect_ok("magnetorquers", "applied", {"dipole_am2": floats(3)})
        asked.append("applied")
    s.expect_ok("magnetorquers", "dipole", {}, dipole_am2=[0.0, 0.0, 0.0])
    return asked


def check_eps(s: CheckSession) -> list[str]:
    k = len(s.load_names)
    reply = s.expect_ok(
        "eps", "read", {"readings": floats(5), "flags": UINT, "load_on": switches(k), "valid": BOOL}
    )
    state_of_charge = reply["readings"][0]
    if not 0.0 <= state_of_charge <= 1.0:
        raise NonconformanceError(
            f"eps.read: readings[0] (state of charge) must be 0..1, got {state_of_charge:g}"
        )
    load, on = s.load_names[0], bool(reply["load_on"][0])
    s.expect_ok("eps", "switch", {}, load=load, on=on)
    asked = ["read", f"switch {load} {'on' if on else 'off'} (as it was)"]
    if s.serves_read_backs():
        s.expect_ok("eps", "applied", {"load_on": switches(k)})
        asked.append("applied")
    return asked


def check_imager(s: CheckSession) -> list[str]:
    """A short capture taken through its whole life: start, read, stop, product, chunk, release."""
    status = {"state": UINT, "elapsed_s": FLOAT, "frames": UINT}
    _imager_state(s, status, 0)
    s.expect_ok(
        "imager",
        "start",
        {},
        request_id="BOARD-CHECK",
        duration_s=IMAGER_CAPTURE_S,
        lat_rad=0.94,
        lon_rad=0.48,
        alt_m=220.0,
    )
    _imager_state(s, status, 1)
    s.send_truth(CONFIG_FRAME_S)
    s.expect_ok("imager", "stop", {})
    product = s.expect_ok(
        "imager",
        "product",
        {"ready": BOOL, "request_id": TEXT, "size": UINT, "crc32": UINT, "metadata": MAP},
        timeout_s=_PRODUCT_TIMEOUT_S,
        wait=True,
    )
    if product["request_id"] != "BOARD-CHECK" or product["size"] == 0:
        raise NonconformanceError(
            f"imager.product: expected request_id 'BOARD-CHECK' and a size > 0, got "
            f"{product['request_id']!r} and {product['size']}"
        )
    length = min(IMAGER_CHUNK_BYTES, product["size"])
    chunk = s.expect_ok("imager", "chunk", {"offset": UINT, "data": BIN}, offset=0, length=length)
    if chunk["offset"] != 0 or len(chunk["data"]) != length:
        raise NonconformanceError(
            f"imager.chunk: asked {length} bytes at 0, got {len(chunk['data'])} at {chunk['offset']}"
        )
    s.expect_ok("imager", "release", {}, request_id="BOARD-CHECK")
    _imager_state(s, status, 0)
    return ["read", "start", "stop", "product", "chunk", "release"]


def _imager_state(s: CheckSession, status: dict[str, object], expected: int) -> None:
    state = s.expect_ok("imager", "read", status)["state"]
    if state not in _IMAGER_STATES or state != expected:
        raise NonconformanceError(f"imager.read: state must be {expected} here, got {state}")


DEVICE_CHECKS: dict[str, Callable[[CheckSession], list[str]]] = {
    "gyro": check_gyro,
    "star_tracker": check_star_tracker,
    "magnetometer": check_magnetometer,
    "sun_sensor": check_sun_sensor,
    "gnss": check_gnss,
    "wheels": check_wheels,
    "magnetorquers": check_magnetorquers,
    "eps": check_eps,
    "imager": check_imager,
}
"""The doc's devices, each with the check of its messages."""
