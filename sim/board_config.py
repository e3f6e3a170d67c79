"""The configuration a host sends a board at connect (`board.configure`, hal/board_protocol.md): the device
specs of the spacecraft description and the seed, as msgpack-able maps, and back.

A spec crosses the wire as the map of its dataclass fields (floats as float64, tuples and arrays as
lists, nested specs as maps), so the board builds exactly the models the simulator would.
"""

import dataclasses
import types
import typing

import numpy as np

from sim.spacecraft import Spacecraft

DEVICE_SPECS = {
    "gyro": "gyro",
    "star_tracker": "star_tracker",
    "magnetometer": "magnetometer",
    "sun_sensor": "sun_sensor",
    "gnss": "gnss",
    "wheels": "wheels",
    "magnetorquers": "magnetorquers",
    "eps": "power",
    "imager": "imager",
}
"""Board device name -> the field of `Spacecraft` that describes it."""


def spec_to_map(spec: object) -> object:
    """A spec (a dataclass, possibly nested) as plain maps, lists and numbers."""
    if dataclasses.is_dataclass(spec):
        return {f.name: spec_to_map(getattr(spec, f.name)) for f in dataclasses.fields(spec)}
    if isinstance(spec, np.ndarray):
        return spec.tolist()
    if isinstance(spec, tuple | list):
        return [spec_to_map(x) for x in spec]
    if isinstance(spec, np.generic):
        return spec.item()
    return spec


def spec_from_map(cls: type, value: object) -> object:
    """The `cls` spec a map from `spec_to_map` describes. ValueError (naming the field) if it does not fit."""
    if not isinstance(value, dict):
        raise ValueError(f"{cls.__name__} must be a map, got {type(value).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - names)
    if unknown:
        raise ValueError(f"{cls.__name__} has no field {unknown[0]!r}")
    kwargs = {}
    for name, item in value.items():
        try:
            kwargs[name] = _typed(hints[name], item)
        except (TypeError, ValueError) as failure:
            raise ValueError(f"{cls.__name__}.{name}: {failure}") from None
    return cls(**kwargs)


def _typed(hint: object, value: object) -> object:
    if dataclasses.is_dataclass(hint):
        return spec_from_map(hint, value)
    if hint is np.ndarray:
        return np.asarray(value, dtype=float)
    origin = typing.get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"must be a list, got {type(value).__name__}")
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], x) for x in value)
        if len(args) != len(value):
            raise ValueError(f"must hold {len(args)} values, got {len(value)}")
        return tuple(_typed(a, x) for a, x in zip(args, value, strict=True))
    if origin in (types.UnionType, typing.Union):
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, got {type(value).__name__}")
        return float(value)
    if hint in (int, bool, str) and not isinstance(value, hint):
        raise ValueError(f"must be {hint.__name__}, got {type(value).__name__}")
    return value


def device_specs(spacecraft: Spacecraft, devices: list[str]) -> dict:
    """The specs of `devices` (board names, e.g. "eps") as maps."""
    return {d: spec_to_map(getattr(spacecraft, DEVICE_SPECS[d])) for d in devices}


def spacecraft_from_specs(base: Spacecraft, specs: dict) -> Spacecraft:
    """`base` with the device specs of `specs` (board names -> maps) put in; ValueError if one does not
    fit."""
    changes = {}
    for device, value in specs.items():
        if device not in DEVICE_SPECS:
            raise ValueError(f"no device {device!r} to configure")
        field = DEVICE_SPECS[device]
        changes[field] = spec_from_map(type(getattr(base, field)), value)
    return dataclasses.replace(base, **changes)
