"""Scenario files: TOML that overrides any part of the field defaults (`FILE_BASE`, one orbit of nadir
pointing; the built-in mission `DEFAULT_SCENARIO` adds a station, radio and requests to it).

Every value is checked against the default it replaces (its type, its shape) and against the
field's allowed range; unknown keys are refused. A problem is reported as one line that names the
field, the value and what is allowed: `ScenarioError`. `default_scenario_text()` renders the built-in
mission as a commented file to start from, which reads back to it exactly.
"""

import math
import re
import textwrap
import tomllib
import types
import typing
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

import numpy as np

from ccsds.time_code import CDS_EPOCH
from native import lib
from native.earth_model import R_EARTH_M
from native.time_scales import SECONDS_PER_DAY, parse_utc
from sim.faults import Fault
from sim.orbit import sun_synchronous_inclination
from sim.tle import TleError, parse_tle
from zorka.scenario.device_routes import parse_route
from zorka.scenario.limits import (
    EPOCH_RANGE,
    LAST_EPOCH,
    MAX_ARRAY_ITEMS,
    MAX_NESTING,
    MAX_RUN_DURATION_S,
    MAX_TEXT_BYTES,
    duration_cap_message,
    nesting_depth,
    physical_range,
)
from zorka.scenario.model import DEFAULT_SCENARIO, Scenario

FILE_BASE = Scenario()
"""What a file's missing keys take (a TOML file cannot unset a table, so the base has none to unset)."""

DURATION_UNITS_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": SECONDS_PER_DAY}
# Scalars without range metadata (the spacecraft's) may not be negative, unless named so; limits,
# masses and capacities must be positive.
SIGNED_NAME_PARTS = ("bias", "offset", "tilt")
POSITIVE_NAME_PARTS = ("_max", "mass", "capacity")
DEG = math.pi / 180.0
# Inside, SI and radians; in files, the units people use. (name prefix, internal suffix, file suffix,
# internal value of one file unit); the first rule whose prefix and suffix match a field applies.
FILE_UNITS = (
    ("", "_rad_sqrt_s", "_deg_sqrt_h", DEG / 60.0),
    ("", "_rad_s_sqrt_s", "_deg_h_sqrt_h", DEG / 3600.0 / 60.0),
    ("bias", "_rad_s", "_deg_h", DEG / 3600.0),
    ("", "_rad_s2", "_deg_s2", DEG),
    ("speed", "_rad_s", "_rpm", 2.0 * math.pi / 60.0),
    ("", "_rad_s", "_deg_s", DEG),
    ("noise", "_rad", "_arcsec", DEG / 3600.0),
    ("", "_rad", "_deg", DEG),
    ("", "_t", "_nt", 1e-9),
    ("", "_j", "_wh", 3600.0),
    ("", "_bps", "_kbps", 1e3),
)


def file_unit(name: str) -> tuple[str, float]:
    """The key of field `name` in a file, and the field's value of one unit of it."""
    for prefix, inside, outside, scale in FILE_UNITS:
        if name.startswith(prefix) and name.endswith(inside):
            return name[: -len(inside)] + outside, scale
    return name, 1.0


PROPAGATORS = ("numerical", "sgp4")
MIN_PERIGEE_KM = 120.0  # below, the atmosphere ends an orbit within a revolution
TOO_LARGE = f"a scenario is at most {MAX_TEXT_BYTES} bytes"
HIDDEN_FIELDS = {"duration_s"}  # of the top level: in files as `duration`, in the file's own words


class ScenarioError(ValueError):
    """A scenario problem, as one line: `[source: ]path = value: what is allowed`."""

    def __init__(self, path: str, value: object, allowed: str, source: str = ""):
        self.path, self.value, self.allowed = path, value, allowed
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{path} = {_show(value)}: {allowed}" if path else f"{where}{allowed}")

    def in_file(self, source: str) -> "ScenarioError":
        return ScenarioError(self.path, self.value, self.allowed, source)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_duration_s(text: str, max_s: float = MAX_RUN_DURATION_S) -> float:
    """'90m', '5400', '5400s', '1.5h', '1d' -> seconds, at most `max_s`; ValueError otherwise."""
    stripped = text.strip()
    unit = stripped[-1:] if stripped[-1:] in DURATION_UNITS_S else ""
    number = stripped[: len(stripped) - len(unit)].strip()
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0.0 or number.lower().startswith(("+", "inf", "nan")):
        raise ValueError(f"{text!r} is not a positive duration such as 90m, 5400s, 1.5h or 1d")
    value_s = value * DURATION_UNITS_S[unit or "s"]
    if value_s > max_s:
        raise ValueError(f"{text!r}: {duration_cap_message(value_s, max_s)}")
    return value_s


def _number(value: object, path: str, meta: dict, name: str, integer: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not isinstance(value, int))
    ):
        raise ScenarioError(
            path, value, f"must be {'a whole number' if integer else 'a number'}{_unit(meta)}"
        )
    if not math.isfinite(value):
        raise ScenarioError(path, value, "must be a finite number")
    lo, hi = meta.get("lo"), meta.get("hi")
    bounds = physical_range(path)
    if bounds is not None:
        (lo, hi), meta = bounds, {**meta, "lo_open": False}
    elif lo is None and not meta and name and not any(part in name for part in SIGNED_NAME_PARTS):
        lo = 0.0
        meta = {"lo_open": any(part in name for part in POSITIVE_NAME_PARTS)}
    if (lo is not None and (value < lo or (meta.get("lo_open") and value == lo))) or (
        hi is not None and value > hi
    ):
        raise ScenarioError(path, value, f"must be in {_range(meta, lo, hi)}{_unit(meta)}")
    return value if integer else float(value)


def _unit(meta: dict) -> str:
    return f" ({meta['unit']})" if meta.get("unit") else ""


def _range(meta: dict, lo: float | None, hi: float | None) -> str:
    left = "(" if meta.get("lo_open") else "["
    return f"{left}{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"


def _array(value: object, default: np.ndarray, path: str, meta: dict, name: str) -> np.ndarray:
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        array = None
    if (
        array is None
        or isinstance(value, str)
        or array.ndim != default.ndim
        or (default.ndim > 1 and array.shape[1:] != default.shape[1:])
        or (default.ndim == 1 and array.shape != default.shape)
    ):
        shape = " x ".join(["n", *map(str, default.shape[1:])]) if default.ndim > 1 else str(len(default))
        raise ScenarioError(path, value, f"must be an array of {shape} numbers")
    for index, x in np.ndenumerate(array):
        _number(float(x), f"{path}[{']['.join(map(str, index))}]", meta, "")
    return array


def _value(value: object, annotation: object, default: object, path: str, meta: dict, name: str) -> object:
    """`value` from the file, checked and converted to the type of the field it replaces."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        inner = next(a for a in args if a is not type(None))
        return _value(value, inner, default, path, meta, name)
    if is_dataclass(annotation) or is_dataclass(default):
        base = default if default is not None else annotation()
        return override(base, value, path)
    if annotation is bool:
        if not isinstance(value, bool):
            raise ScenarioError(path, value, "must be true or false")
        return value
    if annotation is int:
        return _number(value, path, meta, name, integer=True)
    if annotation is float:
        return _number(value, path, meta, name)
    if annotation is str:
        if not isinstance(value, str):
            raise ScenarioError(path, value, "must be a string")
        return value
    if typing.get_origin(annotation) is dict:
        return _arguments(value, path)
    if annotation is np.ndarray or isinstance(default, np.ndarray):
        return _array(value, np.asarray(default), path, meta, name)
    if typing.get_origin(annotation) is tuple:
        if args[-1] is Ellipsis and not is_dataclass(args[0]):
            if not isinstance(value, list) or not value:
                raise ScenarioError(path, value, f"must be an array of {_kind(args[0])}")
            return tuple(_value(v, args[0], None, f"{path}[{i}]", meta, "") for i, v in enumerate(value))
        if args[-1] is Ellipsis:
            if not isinstance(value, list):
                raise ScenarioError(path, value, "must be an array of tables")
            return tuple(
                override(_item_template(args[0], default, i), item, f"{path}[{i}]")
                for i, item in enumerate(value)
            )
        if not isinstance(value, list) or len(value) != len(args):
            raise ScenarioError(path, value, f"must be an array of {len(args)} {_kind(args[0])}")
        return tuple(
            _value(v, a, None, f"{path}[{i}]", meta, "")
            for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    raise ScenarioError(path, value, f"cannot be set from a scenario file ({annotation})")


def _arguments(value: object, path: str) -> dict:
    """A table of named scalars (command arguments): numbers finite, no arrays or tables."""
    if not isinstance(value, dict):
        raise ScenarioError(path, value, "must be a table of name = value")
    for key, item in value.items():
        if not isinstance(item, bool | int | float | str):
            raise ScenarioError(f"{path}.{key}", item, "must be a number, true or false, or a string")
        if isinstance(item, float) and not math.isfinite(item):
            raise ScenarioError(f"{path}.{key}", item, "must be a finite number")
    return dict(value)


def _kind(annotation: object) -> str:
    return {float: "numbers", int: "whole numbers", str: "strings", bool: "booleans"}.get(
        annotation, "values"
    )


def override(base, table: object, path: str):
    """A copy of dataclass `base` with the keys of `table` replaced; unknown keys refused."""
    if not isinstance(table, dict):
        raise ScenarioError(path, table, "must be a table")
    hints = typing.get_type_hints(type(base))
    hidden = HIDDEN_FIELDS if isinstance(base, Scenario) else set()
    known = {file_unit(f.name)[0]: f for f in fields(base) if f.init and f.name not in hidden}
    changes = {}
    for key, value in table.items():
        where = f"{path}.{key}" if path else key
        if key not in known:
            raise ScenarioError(
                where, value, f"unknown key; {path or 'the top level'} has {', '.join(known)}"
            )
        f = known[key]
        scale = file_unit(f.name)[1]
        default = _scaled(getattr(base, f.name), 1.0 / scale)
        checked = _value(value, hints[f.name], default, where, dict(f.metadata), f.name)
        changes[f.name] = _scaled(checked, scale)
    try:
        return replace(base, **changes)
    except (ValueError, TypeError) as problem:
        raise ScenarioError(path or "scenario", table, str(problem).splitlines()[0]) from None


def _item_template(item_type: type, defaults: tuple, index: int):
    """What item `index` of an array of tables starts from: the default item at that place (or the
    last one), or the item type's own defaults."""
    if defaults:
        return defaults[min(index, len(defaults) - 1)]
    return item_type()


def _scaled(value: object, scale: float) -> object:
    """A number, an array or a tuple of numbers times `scale`; anything else as it is."""
    if scale == 1.0 or value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | np.ndarray):
        return value * scale
    if isinstance(value, tuple) and all(isinstance(v, int | float) for v in value):
        return tuple(v * scale for v in value)
    return value


def _check_spacecraft(scenario: Scenario) -> None:
    """Physical checks that no single field can make: a positive-definite symmetric inertia."""
    inertia = np.asarray(scenario.spacecraft.inertia_kg_m2)
    if not np.allclose(inertia, inertia.T, atol=1e-9) or np.any(np.linalg.eigvalsh(inertia) <= 0.0):
        raise ScenarioError(
            "spacecraft.inertia_kg_m2", inertia.tolist(), "must be a symmetric positive-definite 3 x 3 matrix"
        )
    loaded = scenario.flight.inertia_kg_m2
    if loaded is not None:
        flight_inertia = np.array(loaded, dtype=float)
        if (
            flight_inertia.shape != (3, 3)
            or not np.allclose(flight_inertia, flight_inertia.T, atol=1e-9)
            or np.any(np.linalg.eigvalsh(flight_inertia) <= 0.0)
        ):
            raise ScenarioError(
                "flight.inertia_kg_m2", list(loaded), "must be a symmetric positive-definite 3 x 3 matrix"
            )
    axes = np.asarray(scenario.spacecraft.wheels.axis_b)
    if len(axes) > lib.ZK_MAX_WHEELS:
        raise ScenarioError(
            "spacecraft.wheels.axis_b", f"[{len(axes)} wheels]", f"at most {lib.ZK_MAX_WHEELS} wheels"
        )
    for name, vectors in (
        ("start.offset_axis_b", [scenario.start.offset_axis_b]),
        ("spacecraft.wheels.axis_b", axes),
        ("spacecraft.sun_sensor.head_normal_b", scenario.spacecraft.sun_sensor.head_normal_b),
    ):
        if np.any(np.linalg.norm(np.atleast_2d(vectors), axis=1) < 1e-6):
            raise ScenarioError(name, np.asarray(vectors).tolist(), "each direction must have a length > 0")
    if np.linalg.matrix_rank(axes, tol=1e-6) < 3:
        raise ScenarioError("spacecraft.wheels.axis_b", axes.tolist(), "must span three dimensions")


def parsed_toml(text: str, source: str) -> dict:
    """TOML text as tables, bounded: its size and nesting before parsing, each array's length after."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise ScenarioError("", "", f"is {size} bytes; {TOO_LARGE}", source)
    depth = nesting_depth(text)
    if depth > MAX_NESTING:
        raise ScenarioError("", "", f"nests arrays or tables {depth} deep; at most {MAX_NESTING}", source)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as failure:
        raise ScenarioError("", "", f"not valid TOML ({failure})", source) from None
    except RecursionError:  # the pre-scan counts brackets; this is the parser's own limit behind it
        raise ScenarioError("", "", f"nests too deep; at most {MAX_NESTING} levels", source) from None
    _check_sizes(table, "", source)
    return table


def _check_sizes(value: object, path: str, source: str) -> None:
    """No array longer than MAX_ARRAY_ITEMS, at any depth (the depth is already bounded)."""
    if isinstance(value, list):
        if len(value) > MAX_ARRAY_ITEMS:
            raise ScenarioError(
                path, f"[{len(value)} items]", f"at most {MAX_ARRAY_ITEMS} items in an array", source
            )
        for i, item in enumerate(value):
            _check_sizes(item, f"{path}[{i}]", source)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_sizes(item, f"{path}.{key}" if path else key, source)


def scenario_from_toml(text: str, source: str = "scenario") -> Scenario:
    """A scenario from TOML text; `ScenarioError` (one line, prefixed with `source`) on any problem."""
    table = parsed_toml(text, source)
    try:
        scenario = overridden(table)
        for check in SCENARIO_CHECKS:
            check(scenario)
    except ScenarioError as problem:
        raise problem.in_file(source) from None
    return scenario


def overridden(table: dict, orbit_checked: bool = True) -> Scenario:
    """`FILE_BASE` with the keys of a parsed file (`duration` in the file's words), its orbit checked
    (with a TLE and no epoch, starting at the TLE's) unless `orbit_checked` is False."""
    fields_table = {key: value for key, value in table.items() if key != "duration"}
    scenario = override(FILE_BASE, fields_table, "")
    if "duration" in table:
        scenario = replace(scenario, duration_s=_duration(table["duration"]))
    return check_orbit(scenario, "epoch_utc" in table) if orbit_checked else scenario


def _duration(value: object) -> float:
    allowed = "must be a duration such as 90m, 5400s, 1.5h or 1d, or a number of seconds > 0"
    if isinstance(value, str):
        try:
            value_s = parse_duration_s(value, math.inf)
        except ValueError:
            raise ScenarioError("duration", value, allowed) from None
    elif isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value < math.inf:
        raise ScenarioError("duration", value, allowed)
    else:
        value_s = float(value)
    if value_s > MAX_RUN_DURATION_S:
        raise ScenarioError("duration", value, duration_cap_message(value_s, MAX_RUN_DURATION_S))
    return value_s


def check_orbit(scenario: Scenario, epoch_given: bool) -> Scenario:
    """The propagator is known and has what it needs; a TLE parses. Without an epoch of its own, a
    scenario with a TLE starts at the TLE's epoch."""
    orbit = scenario.orbit
    if orbit.propagator not in PROPAGATORS:
        raise ScenarioError("orbit.propagator", orbit.propagator, f"must be one of {', '.join(PROPAGATORS)}")
    if orbit.tle is None:
        if orbit.propagator == "sgp4":
            raise ScenarioError("orbit.propagator", "sgp4", "needs orbit.tle (or use 'numerical')")
        a_m = R_EARTH_M + orbit.altitude_km * 1e3
        perigee_km = (a_m * (1.0 - orbit.eccentricity) - R_EARTH_M) / 1e3
        if perigee_km < MIN_PERIGEE_KM:
            raise ScenarioError(
                "orbit.eccentricity",
                orbit.eccentricity,
                f"puts the perigee at {perigee_km:.0f} km with altitude_km = {orbit.altitude_km:g}; "
                f"it must stay above {MIN_PERIGEE_KM:g} km",
            )
        with np.errstate(invalid="ignore"):
            sun_synchronous = sun_synchronous_inclination(a_m, orbit.eccentricity)
        if orbit.inclination_deg is None and not math.isfinite(sun_synchronous):
            raise ScenarioError(
                "orbit.altitude_km",
                orbit.altitude_km,
                "has no sun-synchronous inclination (J2 is too weak that high); set orbit.inclination_deg",
            )
        return scenario
    try:
        tle = parse_tle(*orbit.tle)
    except TleError as problem:
        raise ScenarioError("orbit.tle", list(orbit.tle), str(problem)) from None
    if epoch_given:
        return scenario
    return replace(scenario, epoch_utc=tle.epoch_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def faults(scenario: Scenario) -> list[Fault]:
    """The scenario's faults as the simulator takes them, in time order; ScenarioError naming the fault."""
    found = []
    for i, spec in enumerate(scenario.faults):
        try:
            found.append(Fault(**{f.name: getattr(spec, f.name) for f in fields(spec)}))
        except ValueError as problem:
            raise ScenarioError(f"faults[{i}]", spec.device, str(problem)) from None
    return sorted(found, key=lambda fault: fault.t_s)


def _check_within_run(scenario: Scenario) -> None:
    """With a duration in the file, what is timed (faults, commands, windows, statistics) falls inside it."""
    end_s = scenario.duration_s
    if end_s is None:
        return
    timed = [("report.stats_from_s", scenario.report.stats_from_s)]
    timed += [(f"faults[{i}].t_s", fault.t_s) for i, fault in enumerate(scenario.faults)]
    commands = scenario.link.commands if scenario.link is not None else ()
    timed += [(f"link.commands[{i}].t_s", command.t_s) for i, command in enumerate(commands)]
    timed += [(f"requests[{i}].window_start_s", r.window_start_s) for i, r in enumerate(scenario.requests)]
    for path, t_s in timed:
        if t_s is not None and t_s >= end_s:
            raise ScenarioError(path, t_s, f"must be before the end of the run (duration = {end_s:g} s)")


def _check_link(scenario: Scenario) -> None:
    """A radio link needs ground stations: it is open only during their passes."""
    if scenario.link is not None and not scenario.ground_stations:
        raise ScenarioError(
            "", "", "link: needs a [[ground_stations]] table: the radio is open in their passes"
        )


REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,48}")
MAX_NUMERIC_ID = 2**32 - 1


def _check_requests(scenario: Scenario) -> None:
    """Request ids name products in mass memory: a short word, each once; a window must be open."""
    seen = set()
    for i, request in enumerate(scenario.requests):
        where = f"requests[{i}]"
        if not REQUEST_ID.fullmatch(request.id):
            raise ScenarioError(f"{where}.id", request.id, "must be 1-48 letters, digits, _ or -")
        if request.id.isdigit() and int(request.id) > MAX_NUMERIC_ID:
            raise ScenarioError(
                f"{where}.id", request.id, f"a numeric id is at most {MAX_NUMERIC_ID} (32 bits in telemetry)"
            )
        if request.id in seen:
            raise ScenarioError(f"{where}.id", request.id, "is already the id of an earlier request")
        seen.add(request.id)
        if (request.end_lat_rad is None) != (request.end_lon_rad is None):
            raise ScenarioError(f"{where}.end_lat_deg", "", "a strip needs both end_lat_deg and end_lon_deg")
        start, end = request.window_start_s, request.window_end_s
        if start is not None and end is not None and end <= start + request.duration_s:
            raise ScenarioError(
                f"{where}.window_end_s",
                end,
                f"must leave room for the capture after window_start_s = {start:g}",
            )


def _check_hal(scenario: Scenario) -> None:
    """Every [hal] route is one a device can take."""
    for f in fields(scenario.hal):
        try:
            parse_route(f.name, getattr(scenario.hal, f.name))
        except ValueError as problem:
            raise ScenarioError(f"hal.{f.name}", getattr(scenario.hal, f.name), str(problem)) from None


def _check_epoch(scenario: Scenario) -> None:
    """An ISO-8601 instant from which any run (up to a year live) ends within onboard time's range."""
    try:
        epoch = parse_utc(scenario.epoch_utc)
    except (ValueError, OverflowError):
        epoch = None
    if epoch is None:
        raise ScenarioError(
            "epoch_utc", scenario.epoch_utc, "must be an ISO-8601 UTC time such as 2026-06-21T00:00:00Z"
        )
    if not CDS_EPOCH <= epoch <= LAST_EPOCH:
        raise ScenarioError("epoch_utc", scenario.epoch_utc, f"must be within {EPOCH_RANGE}")


SCENARIO_CHECKS = (
    faults,
    _check_within_run,
    _check_epoch,
    _check_spacecraft,
    _check_link,
    _check_requests,
    _check_hal,
)
"""What a scenario must pass beyond its fields, each independent of the others' outcome."""


def load_scenario(path: Path) -> Scenario:
    """A scenario from a TOML file; `ScenarioError` naming the file and the field on any problem."""
    return scenario_from_toml(scenario_text(path), str(path))


def scenario_text(path: Path) -> str:
    """The text of a scenario file; `ScenarioError` naming the file if it cannot be one."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_TEXT_BYTES + 1)  # no more than a scenario can be
        if len(data) > MAX_TEXT_BYTES:
            raise ScenarioError("", "", f"is larger; {TOO_LARGE}", str(path))
        text = data.decode("utf-8")
    except OSError as failure:
        raise ScenarioError("", "", f"cannot be read ({failure.strerror or failure})", str(path)) from None
    except UnicodeDecodeError as failure:
        raise ScenarioError("", "", f"is not UTF-8 text (byte {failure.start})", str(path)) from None
    return text


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(float(f"{value:.12g}"))
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, np.ndarray):
        return _toml_value(value.tolist())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r}")


# File key suffixes and their units, for fields whose metadata names none (the spacecraft's); longest first.
KEY_UNITS = (
    ("_w_per_am2_sq", "W/(A m^2)^2"),
    ("_t_per_am2", "T/(A m^2)"),
    ("_deg_h_sqrt_h", "deg/h/sqrt(h)"),
    ("_deg_sqrt_h", "deg/sqrt(h)"),
    ("_kg_m2", "kg m^2"),
    ("_nm_s", "N m s"),
    ("_nm_a", "N m/A"),
    ("_deg_h", "deg/h"),
    ("_b_m", "m, body frame"),
    ("_arcsec", "arcsec"),
    ("_m_s", "m/s"),
    ("_am2", "A m^2"),
    ("_rpm", "rpm"),
    ("_ohm", "ohm"),
    ("_deg", "deg"),
    ("_kg", "kg"),
    ("_m2", "m^2"),
    ("_nm", "N m"),
    ("_hz", "Hz"),
    ("_nt", "nT"),
    ("_wh", "Wh"),
    ("_px", "px"),
    ("_b", "body frame"),
    ("_a", "A"),
    ("_s", "s"),
    ("_m", "m"),
    ("_w", "W"),
    ("_v", "V"),
)


def _key_unit(key: str) -> str:
    return next((unit for suffix, unit in KEY_UNITS if key.endswith(suffix)), "")


_SAME = object()  # no base to compare with


def _file_value(inside: object, scale: float) -> str:
    """TOML of a field's value in file units, each number the shortest of 12, 15 or 17 digits that the
    reader (`x * scale`) turns back into the value exactly: the printed default runs the same mission."""
    if isinstance(inside, float):
        for digits in (12, 15, 17):
            number = float(f"{inside / scale:.{digits}g}")
            if (number * scale if scale != 1.0 else number) == inside:
                return repr(number)
        return repr(inside / scale)
    if isinstance(inside, np.ndarray):
        return _file_value(inside.tolist(), scale)
    if isinstance(inside, list | tuple) and not isinstance(inside, bool):
        return "[" + ", ".join(_file_value(v, scale) for v in inside) + "]"
    return _toml_value(inside)


def _comment(f, path: str, base: object = _SAME, value: object = None) -> str:
    """`  # help [unit; range]`, and what a file that leaves the key out gets where that differs."""
    meta = f.metadata
    key = path.rsplit(".", 1)[-1]
    unit = meta.get("unit") or _key_unit(key)
    bounds = physical_range(path)
    lo, hi = bounds if bounds is not None else (meta.get("lo"), meta.get("hi"))
    parts = [meta.get("doc", ""), f"[{unit}]" if unit else ""]
    if lo is not None or hi is not None:
        parts.append(f"in {_range(meta if bounds is None else {}, lo, hi)}")
    if base is not _SAME and not _equal(base, value):
        parts.append("(left out of a file: " + ("none" if base in (None, ()) else _toml_value(base)) + ")")
    text = " ".join(p for p in parts if p)
    return f"  # {text}" if text else ""


def _equal(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def _doc_lines(cls: type) -> list[str]:
    """A class docstring as comment lines, whole."""
    doc = " ".join((cls.__doc__ or "").split())
    return [f"# {line}" for line in textwrap.wrap(doc, 108)]


def _render(obj, path: str, lines: list[str], base: object = _SAME) -> None:
    """`obj` as TOML tables under `path`, each key commented; `base`: what a file leaving keys out gets."""
    if path:
        lines += ["", *_doc_lines(type(obj)), f"[{path}]"]
    nested, arrays, unset = [], [], []
    for f in fields(obj):
        key, scale = file_unit(f.name)
        where = f"{path}.{key}" if path else key
        value = _scaled(getattr(obj, f.name), 1.0 / scale)
        left_out = _SAME if base is _SAME else _scaled(getattr(base, f.name), 1.0 / scale)
        if f.name in HIDDEN_FIELDS and isinstance(obj, Scenario):
            continue
        item_type = _table_array_item(f, type(obj))
        if item_type is not None:
            arrays.append((where, item_type, value, left_out))
            continue
        optional_table = _optional_table(f, type(obj))
        if value is None and optional_table is not None:
            unset.append((where, optional_table))
        elif is_dataclass(value):
            nested.append((where, value, left_out))
        elif value is None:
            lines.append(f"# {key} = ...{_comment(f, where, left_out, value)}")
        else:
            text = _file_value(getattr(obj, f.name), scale)
            lines.append(f"{key} = {text}{_comment(f, where, left_out, value)}")
    for where, value, left_out in nested:
        if left_out is None:
            lines += ["", f"# Left out of a file: none ({where} off)."]
        _render(value, where, lines, _SAME if left_out is None else left_out)
    for where, item_type, items, left_out in arrays:
        _render_array(where, item_type, items, lines, left_out)
    for where, table_type in unset:
        example: list[str] = []
        _render(table_type(), where, example)
        lines += [line if not line or line.startswith("#") else f"# {line}" for line in example]


def _optional_table(f, owner: type) -> type | None:
    """The table class of a `SomeDataclass | None` field (a table that is off unless given), else None."""
    args = typing.get_args(typing.get_type_hints(owner)[f.name])
    tables = [a for a in args if is_dataclass(a)]
    return tables[0] if len(args) == 2 and type(None) in args and tables else None


def _table_array_item(f, owner: type) -> type | None:
    """The item class of a `tuple[SomeDataclass, ...]` field, else None."""
    args = typing.get_args(typing.get_type_hints(owner)[f.name])
    return args[0] if len(args) == 2 and args[1] is Ellipsis and is_dataclass(args[0]) else None


def _render_array(
    name: str, item_type: type, items: tuple, lines: list[str], left_out: object = _SAME
) -> None:
    """An array of tables; when empty, one commented example of an item."""
    lines += ["", *_doc_lines(item_type)]
    if items and left_out == ():
        lines.append(f"# Left out of a file: none ({name} = []).")
    for i, item in enumerate(items or (item_type(),)):
        body = [f"[[{name}]]"]
        for f in fields(item):
            key, scale = file_unit(f.name)
            value = _scaled(getattr(item, f.name), 1.0 / scale)
            comment = _comment(f, f"{name}[{i}].{key}")
            body.append(
                f"# {key} = ...{comment}"
                if value is None
                else f"{key} = {_file_value(getattr(item, f.name), scale)}{comment}"
            )
        lines += body if items else [f"# {line}" for line in body]


def default_scenario_text() -> str:
    """The built-in default scenario as a commented TOML file that loads back to it."""
    duration_s = DEFAULT_SCENARIO.duration_s
    duration = f'duration = "{duration_s:g}s"' if duration_s is not None else '# duration = "90m"'
    lines = [
        "# Zorka's built-in mission (`zorka run` without a file). Every key of a scenario file is optional:",
        "# one left out takes the value shown, or the one its comment gives as left out of a file.",
        "# Run it with `zorka run FILE`; check it with `zorka scenario --check FILE`.",
        f"{duration}  # simulated time, as 5400s, 90m, 1.5h or 1d (left out of a file: one orbit)",
    ]
    _render(DEFAULT_SCENARIO, "", lines, FILE_BASE)
    return "\n".join(line for i, line in enumerate(lines) if line or (i and lines[i - 1])) + "\n"
