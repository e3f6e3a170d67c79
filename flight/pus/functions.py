"""Service 8, function management: the mission functions of the ADCS as perform-function (8,1) TCs.

The functions are bound explicitly at wiring time to the flight APIs passed in, so this module
needs no attitude loop; a flight API that refuses (returns False) fails the TC with
NOT_ALLOWED_IN_MODE. Angles travel in radians (SI inside); the dictionary names the units. The
quaternion of an inertial hold must have unit norm (to 1e-6) to be accepted.
"""

import math
from collections.abc import Callable

from flight.adcs.modes import Mode
from flight.dictionary import Arg, Command, Dictionary, Failure
from flight.pus.verification import RefusalError

SERVICE = 8
SET_ADCS_MODE = 1
IMAGE_TARGET = 2
HOLD_INERTIAL = 3
SET_POINTING_GAINS = 4
QUATERNION_NORM_TOLERANCE = 1e-6


def _refused_unless(done: bool) -> None:
    if not done:
        raise RefusalError(Failure.NOT_ALLOWED_IN_MODE)


def _unit_quaternion(values: dict) -> None:
    if abs(math.sqrt(sum(v * v for v in values.values())) - 1.0) > QUATERNION_NORM_TOLERANCE:
        raise RefusalError(Failure.ARG_OUT_OF_RANGE, 0)


def declare_adcs_functions(
    dictionary: Dictionary,
    request_mode: Callable[[float, Mode], bool],
    image: Callable[[float, float, float, float], bool],
    hold_inertial: Callable[[float, list[float]], bool],
    set_pointing_gains: Callable[[float, float, float], bool],
) -> None:
    """Declare the four ADCS functions, each bound to the flight API that carries it out."""
    f64 = "float"
    quaternion = tuple(Arg(f"q_{c}", f64, 64, -1.0, 1.0) for c in "xyzw")
    functions = (
        (
            "set_adcs_mode",
            SET_ADCS_MODE,
            (Arg("mode", "enum", 8, values=tuple((m.name, int(m)) for m in Mode)),),
            lambda t, v: request_mode(t, Mode(v["mode"])),
        ),
        (
            "image_target",
            IMAGE_TARGET,
            (
                Arg("lat", f64, 64, -math.pi / 2, math.pi / 2, "rad"),
                Arg("lon", f64, 64, -math.pi, math.pi, "rad"),
                Arg("alt", "float", 32, -500.0, 9000.0, "m"),
            ),
            lambda t, v: image(t, v["lat"], v["lon"], v["alt"]),
        ),
        (
            "hold_inertial",
            HOLD_INERTIAL,
            quaternion,
            lambda t, v: hold_inertial(t, [v[a.name] for a in quaternion]),
        ),
        (
            "set_pointing_gains",
            SET_POINTING_GAINS,
            (Arg("bandwidth", f64, 64, 0.01, 1.0, "rad/s"), Arg("damping", f64, 64, 0.3, 2.0)),
            lambda t, v: set_pointing_gains(t, v["bandwidth"], v["damping"]),
        ),
    )
    for name, function_id, args, call in functions:
        dictionary.command(
            Command(
                name,
                SERVICE,
                1,
                args,
                handler=lambda t, v, progress, call=call: _refused_unless(call(t, v)),
                function_id=function_id,
                check=_unit_quaternion if function_id == HOLD_INERTIAL else None,
            )
        )
