"""The housekeeping parameters of the electrical power system, with their units: the readings of
hal's `PowerSystem` in its order (each `eps_<reading>`), then its status flags."""

from flight.dictionary import Arg
from hal.devices import PowerSystem

READING_UNITS = {
    "battery_soc": ("", "battery state of charge, 0..1"),
    "bus_voltage_v": ("V", "main bus voltage"),
    "solar_power_w": ("W", "power the solar arrays produce"),
    "load_power_w": ("W", "power delivered to the loads"),
    "battery_power_w": ("W", "battery terminal power, + charging, - discharging"),
}
"""Unit and description of each reading; a reading hal adds must be declared here (a test checks)."""
BATTERY_SOC_LOW_LIMIT = 0.3
"""Default monitoring limit (service 12 checks it from start-up): a battery below 30 % charge."""


def power_parameters() -> tuple[tuple[Arg, str], ...]:
    """The EPS columns of the housekeeping row: (wire type with unit, description) in row order."""
    readings = tuple(
        (Arg(f"eps_{name}", "float", 32, unit=READING_UNITS[name][0]), READING_UNITS[name][1])
        for name in PowerSystem.READINGS
    )
    return (*readings, (Arg("eps_flags", "uint", 16), "EPS flags: 1 brownout (loads cut), 2 shunt active"))
