"""The monitoring service's tunable parameters (service 20): the limits and the persistence of the
default limit checks, so the ground can retune them and the values survive a restart.

Each tunable acts on the default definition of one housekeeping parameter (PMON id = parameter id,
flight/pus/monitoring.py); service 12 can still change a definition, and the tunable reads what the
definition holds now. A definition the ground deleted keeps the tunable's value for nothing: the
getter gives the last value set, the setter only remembers it.
"""

import math
from collections.abc import Callable
from dataclasses import replace

from flight.dictionary import Arg, Dictionary, Tunable
from flight.pus.monitoring import Definition, Monitoring

FIRST_ID = 300
"""Tunable ids 300-399: the monitoring service."""

LIMITS = (
    (
        "eps_battery_soc",
        "low",
        Arg("battery_soc_low_limit", "float", 64, 0.0, 1.0, "1"),
        "battery state of charge below which service 12 raises limit_low_violated",
    ),
    (
        "eps_battery_soc",
        "repetition",
        Arg("battery_soc_check_repetition", "uint", 16, 1, 1000, "checks"),
        "consecutive 1 Hz checks a battery charge status must persist before it takes effect",
    ),
    (
        "overruns",
        "high",
        Arg("overruns_high_limit", "float", 64, 0.0, 1e9, "frames"),
        "overrun control frames above which service 12 raises limit_high_violated",
    ),
)


TUNABLES = tuple(
    Tunable(FIRST_ID + offset, arg, None, description=description)
    for offset, (_parameter, _field, arg, description) in enumerate(LIMITS)
)
"""The declarations (flight/onboard_dictionary.py gathers them), bound by `bind_monitoring_tunables`."""


def bind_monitoring_tunables(dictionary: Dictionary, monitoring: Monitoring) -> None:
    """Bind each tunable to the default check it tunes (the value it holds now is the default); a
    dictionary without the checked parameter (a bare one, in tests) binds none of them."""
    for tunable, (parameter, field, _arg, _description) in zip(TUNABLES, LIMITS, strict=True):
        known = dictionary.parameters.get(parameter)
        definition = None if known is None else monitoring.definitions.get(known.id)
        if definition is None or not math.isfinite(getattr(definition, field)):
            continue
        default = getattr(definition, field)
        getter, setter = _bound(monitoring, known.id, field, default)
        dictionary.tunable(replace(tunable, default=default, getter=getter, setter=setter))


def _bound(
    monitoring: Monitoring, pmon_id: int, field: str, default: float
) -> tuple[Callable[[], float], Callable[[float], None]]:
    """Getter and setter of `field` of definition `pmon_id`, remembering the value if it is deleted."""
    last = [default]

    def definition() -> Definition | None:
        return monitoring.definitions.get(pmon_id)

    def get() -> float:
        d = definition()
        return last[0] if d is None else getattr(d, field)

    def set_(value: float) -> None:
        last[0] = value
        d = definition()
        if d is not None:
            setattr(d, field, value)

    return get, set_
