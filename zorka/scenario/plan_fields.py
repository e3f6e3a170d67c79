"""Field checks of a `zorka plan` input: each failure one line naming the field, its value and what is
allowed, e.g. `targets[3].lat_deg: 95 is outside -90..90`."""

import json
import math
from typing import Any


class PlanFileError(ValueError):
    """A bad plan input: one line naming the field, the value and what is allowed."""


def checked_number(value: Any, field: str, low: float, high: float, *, low_open: bool = False) -> float:
    """`value` as a float within low..high (above low when `low_open`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanFileError(f"{field}: {json.dumps(value)} is not a number")
    try:
        value = float(value)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise PlanFileError(f"{field}: {value} is not a finite number")
    if value < low or value > high or (low_open and value == low):
        interval = f"({low:g}..{high:g}]" if low_open else f"{low:g}..{high:g}"
        raise PlanFileError(f"{field}: {value:g} is outside {interval}")
    return float(value)


def checked_object(value: Any, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """`value` as an object with every `required` key and no key beyond them and `optional`."""
    if not isinstance(value, dict):
        raise PlanFileError(f"{field}: expected an object with {', '.join(required)}")
    where = f"{field}." if field else ""
    for key in required:
        if key not in value:
            raise PlanFileError(f"{where}{key}: missing")
    for key in value:
        if key not in required + optional:
            raise PlanFileError(f"{where}{key}: unknown key; allowed: {', '.join(required + optional)}")
    return value
