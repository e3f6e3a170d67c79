"""The world's state as bytes and back: the C world struct and the C structs of the simulated devices
(their random generators, fault records and filters live inside them), so a mission process that dies can
be rebuilt from its scenario and carry on from the saved instant. Pointer fields are never taken from the
saved bytes: a rebuilt world keeps its own (they point into this process's memory)."""

from hal.devices import DeviceSet
from native import ffi
from sim.world import World

DEVICE_STRUCTS = ("gyro", "star_tracker", "magnetometer", "sun_sensor", "gnss", "power")
"""Devices whose state is a C struct of their own; the wheels' and the magnetorquers' are the world's."""


def _pointer_fields(ctype, base: int = 0) -> list[tuple[int, int]]:
    """(offset, size) of every pointer inside a C struct type, nested structs and arrays included."""
    found = []
    for _, field in ctype.fields or ():
        kind = field.type
        offset = base + field.offset
        if kind.kind == "pointer":
            found.append((offset, ffi.sizeof(kind)))
        elif kind.kind == "struct":
            found += _pointer_fields(kind, offset)
        elif kind.kind == "array" and kind.item.kind == "struct":
            step = ffi.sizeof(kind.item)
            for i in range(kind.length):
                found += _pointer_fields(kind.item, offset + i * step)
    return found


def struct_bytes(c) -> bytes:
    """The bytes of the struct a cdata pointer points to."""
    return bytes(ffi.buffer(c))


def restore_struct(c, saved: bytes) -> None:
    """Overwrite the struct `c` points to with `saved`, keeping its own pointer fields; ValueError if
    `saved` is not the size of that struct (a checkpoint of another build)."""
    buffer = ffi.buffer(c)
    if len(saved) != len(buffer):
        raise ValueError(f"saved {ffi.typeof(c).item.cname} is {len(saved)} bytes, not {len(buffer)}")
    kept = [(offset, buffer[offset : offset + size]) for offset, size in _pointer_fields(ffi.typeof(c).item)]
    buffer[:] = saved
    for offset, value in kept:
        buffer[offset : offset + len(value)] = value


def world_state(world: World, devices: DeviceSet) -> dict[str, bytes]:
    """The world's and its simulated devices' state, by name."""
    state = {"world": struct_bytes(world.c)}
    for name in DEVICE_STRUCTS:
        device = getattr(devices, name)
        if hasattr(device, "_c"):
            state[name] = struct_bytes(device._c)
    return state


def restore_world(world: World, devices: DeviceSet, state: dict[str, bytes]) -> None:
    """Put a world rebuilt from the same scenario (and its devices) back in a saved state; ValueError if
    the state does not match this world's make-up."""
    missing = {"world", *(n for n in DEVICE_STRUCTS if hasattr(getattr(devices, n), "_c"))} - set(state)
    if missing:
        raise ValueError(f"the checkpoint has no state for {', '.join(sorted(missing))}")
    restore_struct(world.c, state["world"])
    for name in DEVICE_STRUCTS:
        device = getattr(devices, name)
        if hasattr(device, "_c"):
            restore_struct(device._c, state[name])
