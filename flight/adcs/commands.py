"""The ADCS functions as service-8 perform-function (8,1) telecommands, declared once.

`ADCS_COMMANDS` are declarations only; `bind_adcs_functions` binds each to the flight API that
carries it out, so this module needs no attitude loop. A flight API that refuses (returns False)
fails the TC with NOT_ALLOWED_IN_MODE. Angles travel in radians (SI inside); the dictionary names
the units. The quaternion of an inertial hold must have unit norm (to 1e-6) to be accepted. The
pointing-gain ranges are the ones the attitude loop itself enforces (`POINTING_BANDWIDTH`,
`POINTING_DAMPING`).
"""

import math
from collections.abc import Callable
from dataclasses import replace

from flight.adcs.modes import Mode
from flight.dictionary import Arg, Command, Dictionary, Failure
from flight.pus.verification import RefusalError

SERVICE = 8
SET_ADCS_MODE = 1
IMAGE_TARGET = 2
HOLD_INERTIAL = 3
SET_POINTING_GAINS = 4
QUATERNION_NORM_TOLERANCE = 1e-6
POINTING_BANDWIDTH = Arg(
    "bandwidth",
    "float",
    64,
    0.01,
    1.0,
    "rad/s",
    description="closed-loop bandwidth of the pointing controller",
)
POINTING_DAMPING = Arg(
    "damping",
    "float",
    64,
    0.3,
    2.0,
    description="damping ratio of the pointing controller (1: critically damped)",
)
QUATERNION = tuple(
    Arg(
        f"q_{c}",
        "float",
        64,
        -1.0,
        1.0,
        description=f"{c} component of the quaternion q_ib, body to inertial (scalar last)",
    )
    for c in "xyzw"
)


def _unit_quaternion(values: dict) -> None:
    if abs(math.sqrt(sum(v * v for v in values.values())) - 1.0) > QUATERNION_NORM_TOLERANCE:
        raise RefusalError(Failure.ARG_OUT_OF_RANGE, 0)


def _function(name: str, function_id: int, args: tuple[Arg, ...], description: str, **more) -> Command:
    return Command(name, SERVICE, 1, args, function_id=function_id, description=description, **more)


ADCS_COMMANDS = (
    _function(
        "set_adcs_mode",
        SET_ADCS_MODE,
        (
            Arg(
                "mode",
                "enum",
                8,
                values=tuple((m.name, int(m)) for m in Mode),
                description="the ADCS mode asked for",
            ),
        ),
        "ask the ADCS for a mode (refused if it cannot follow the current one)",
    ),
    _function(
        "image_target",
        IMAGE_TARGET,
        (
            Arg(
                "lat",
                "float",
                64,
                -math.pi / 2,
                math.pi / 2,
                "rad",
                description="geodetic latitude of the target (WGS-84)",
            ),
            Arg(
                "lon",
                "float",
                64,
                -math.pi,
                math.pi,
                "rad",
                description="longitude of the target, east positive",
            ),
            Arg(
                "alt",
                "float",
                32,
                -500.0,
                9000.0,
                "m",
                description="height of the target above the WGS-84 ellipsoid",
                default=0.0,
            ),
        ),
        "track a ground target (geodetic WGS-84), from a pointing mode",
    ),
    _function(
        "hold_inertial",
        HOLD_INERTIAL,
        QUATERNION,
        "slew to and hold an inertial attitude q_ib (unit norm), from a pointing mode",
        check=_unit_quaternion,
    ),
    _function(
        "set_pointing_gains",
        SET_POINTING_GAINS,
        (POINTING_BANDWIDTH, POINTING_DAMPING),
        "retune the pointing controller: closed-loop bandwidth and damping ratio",
    ),
)


def _refused_unless(done: bool) -> None:
    if not done:
        raise RefusalError(Failure.NOT_ALLOWED_IN_MODE)


def bind_adcs_functions(
    dictionary: Dictionary,
    request_mode: Callable[[float, Mode], bool],
    image: Callable[[float, float, float, float], bool],
    hold_inertial: Callable[[float, list[float]], bool],
    set_pointing_gains: Callable[[float, float, float], bool],
) -> None:
    """Bind the ADCS functions to the flight APIs that carry them out (declaring them if need be)."""
    calls = {
        SET_ADCS_MODE: lambda t, v: request_mode(t, Mode(v["mode"])),
        IMAGE_TARGET: lambda t, v: image(t, v["lat"], v["lon"], v["alt"]),
        HOLD_INERTIAL: lambda t, v: hold_inertial(t, [v[a.name] for a in QUATERNION]),
        SET_POINTING_GAINS: lambda t, v: set_pointing_gains(t, v["bandwidth"], v["damping"]),
    }
    for command in ADCS_COMMANDS:
        call = calls[command.function_id]
        handler = lambda t, v, progress, call=call: _refused_unless(call(t, v))  # noqa: E731
        dictionary.command(replace(command, handler=handler))
