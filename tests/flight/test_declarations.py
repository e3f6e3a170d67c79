"""Every onboard application declares itself once: raising an undeclared event or sending an undeclared
housekeeping parameter fails here, before any run.

The event checks read the source (an AST scan of flight/) and import every flight module: each raise
goes through a module-level `EventDef` whose template takes exactly the fields the call passes, and
every `EventDef` any flight module holds is in the onboard dictionary.
"""

import ast
import importlib
import pkgutil
import struct
from pathlib import Path

import pytest

import flight
from flight import boot_count
from flight.events import EventDef, EventLog, Severity
from flight.link import port_counters
from flight.onboard_dictionary import (
    APPLICATIONS_SID,
    COUNTER_FIRST_ID,
    HOUSEKEEPING_SID,
    SpacecraftShape,
    housekeeping_structures,
    onboard_dictionary,
)
from flight.power.telemetry import READING_UNITS
from hal.devices import PowerSystem

FLIGHT = Path(flight.__file__).parent
EVERYTHING = SpacecraftShape(board_devices=("gyro", "wheels", "power"))
"""A shape that declares every application's declarations (an imager, devices on boards)."""
RAW_RAISES_ALLOWED = {"events.py"}
"""Where `EventLog.raise_event` may be called directly: the typed API itself, and service 20's parameter
store, whose owner moved it to flight/stores.py."""
FREE_TEXT_ALLOWED = {"pus/monitoring.py"}
"""Service 12 raises whichever declared event the ground chose, with its own text (`raise_text`)."""


def _flight_modules():
    for info in pkgutil.walk_packages([str(FLIGHT)], "flight."):
        yield importlib.import_module(info.name)


def _calls(method: str):
    """(relative path, module, call node) of every call `<something>.<method>(...)` in flight/."""
    for path in sorted(FLIGHT.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == method
            ):
                yield path.relative_to(FLIGHT).as_posix(), node


def _module(relative: str):
    return importlib.import_module("flight." + relative.removesuffix(".py").replace("/", "."))


def test_flight_code_raises_events_only_through_their_declarations():
    raw = [f"{path}:{node.lineno}" for path, node in _calls("raise_event") if path not in RAW_RAISES_ALLOWED]
    free = [f"{path}:{node.lineno}" for path, node in _calls("raise_text") if path not in FREE_TEXT_ALLOWED]
    assert raw == [] and free == []


def test_every_typed_raise_names_a_declared_event_with_its_template_fields():
    declared = onboard_dictionary(EVERYTHING).events
    seen = set()
    for path, node in _calls("raise_"):
        where = f"{path}:{node.lineno}"
        assert isinstance(node.func.value, ast.Name), f"{where}: raise a module-level EventDef by its name"
        event = getattr(_module(path), node.func.value.id)
        assert isinstance(event, EventDef) and declared.get(event.name) is event, where
        fields = {k.arg for k in node.keywords if k.arg != "severity"}
        assert None not in fields and fields == event.fields, (
            f"{where}: {sorted(fields)} for {event.template!r}"
        )
        seen.add(event.name)
    assert {"mode_change", "wheel_failed", "capture_failed", "store_refused"} <= seen


def test_every_event_a_flight_module_declares_is_in_the_onboard_dictionary():
    declared = onboard_dictionary(EVERYTHING).events
    held = {
        (module.__name__, name): value
        for module in _flight_modules()
        for name, value in vars(module).items()
        if isinstance(value, EventDef)
    }
    assert len(held) >= 17
    assert [where for where, event in held.items() if declared.get(event.name) is not event] == []


def test_an_event_is_raised_with_exactly_its_declared_fields():
    event = EventDef(9, "wheel_hot", Severity.MEDIUM, "a wheel is too hot", "wheel {wheel} at {t_c:.1f} C")
    log = EventLog()
    event.raise_(log, 2.0, wheel=3, t_c=71.25)
    event.raise_(log, 3.0, Severity.HIGH, wheel=3, t_c=90.0)
    assert [(e.severity, e.name, e.text) for e in log] == [
        (Severity.MEDIUM, "wheel_hot", "wheel 3 at 71.2 C"),
        (Severity.HIGH, "wheel_hot", "wheel 3 at 90.0 C"),
    ]
    with pytest.raises(TypeError, match="declared"):
        event.raise_(log, 4.0, wheel=3)
    with pytest.raises(TypeError, match="declared"):
        event.raise_(log, 4.0, wheel=3, t_c=1.0, why="extra")


def test_the_dictionary_follows_the_spacecraft_shape():
    full = onboard_dictionary(SpacecraftShape(wheels=4, imager=True))
    bare = onboard_dictionary(SpacecraftShape(wheels=3, imager=False))
    wheels = [n for n in full.parameters if n.startswith("wheel")]
    assert wheels == [f"wheel{i}_speed_rad_s" for i in range(4)]
    assert [n for n in bare.parameters if n.startswith("wheel")] == wheels[:3]
    assert {c.service for c in full.commands.values()} - {c.service for c in bare.commands.values()} == {200}
    assert set(full.events) - set(bare.events) == {"capture_done", "capture_failed"}
    structures = housekeeping_structures(SpacecraftShape(wheels=3, imager=False))
    row = tuple(n for n, p in bare.parameters.items() if p.id < COUNTER_FIRST_ID)
    counters = tuple(
        n
        for n, p in bare.parameters.items()
        if COUNTER_FIRST_ID <= p.id < port_counters.FIRST_ID and n != boot_count.BOOT_COUNT.name
    )
    ports = tuple(n for n, p in bare.parameters.items() if p.id >= port_counters.FIRST_ID)
    assert ports == tuple(f"{port}_{c}" for port in port_counters.PORTS for c, _ in port_counters.COUNTERS)
    assert full.unbound() and structures == {
        HOUSEKEEPING_SID: row,
        APPLICATIONS_SID: counters,
        port_counters.PORTS_SID: ports,
        boot_count.BOOT_SID: boot_count.BOOT_REPORT,
    }
    assert "payload_commands" in full.parameters and "payload_commands" not in bare.parameters


def test_every_housekeeping_parameter_declares_its_unit_and_meaning():
    parameters = onboard_dictionary(EVERYTHING).parameters.values()
    assert all(p.description for p in parameters)
    floats = {p.name: p.type.unit for p in parameters if p.type.kind == "float"}
    assert {n for n, unit in floats.items() if not unit} == {"eps_battery_soc"}  # a fraction, 0..1
    assert set(READING_UNITS) == set(PowerSystem.READINGS)


def test_declaring_again_binds_once_and_never_redefines():
    from dataclasses import replace

    from flight.pus.ping import PING

    d = onboard_dictionary(SpacecraftShape())
    bound = d.bind(PING, lambda t_s, values, progress: None)
    assert d.find_command(17, 1) is bound and d.commands["ping"].description == "are you alive"
    with pytest.raises(ValueError, match="declared twice"):
        d.bind(PING, lambda t_s, values, progress: None)
    with pytest.raises(ValueError, match="declared twice"):
        d.command(replace(d.commands["hk_enable"], subtype=99, handler=print))


def test_a_report_layout_packs_as_its_wire_format_says():
    from flight.pus.monitoring import DEFINITIONS
    from flight.pus.scheduling import DETAIL

    definition = (7, 3, True, 2, 1, -1.5, 3001, 2.5, 3002)
    expected = struct.pack(">HH", 0, 1) + struct.pack(">HHBHBdHdH", *definition)
    assert DEFINITIONS.pack(0, [definition]) == expected
    release, tc = bytes([0x40, 0, 1, 0, 0, 0, 2]), b"\x18\x00tc"
    assert DETAIL.pack([(release, tc)] * 2) == b"\x00\x02" + (release + tc) * 2
    with pytest.raises(ValueError):
        DEFINITIONS.pack([definition])
    with pytest.raises(ValueError):
        DETAIL.pack([(release,)])
