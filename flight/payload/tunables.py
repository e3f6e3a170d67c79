"""The imaging payload's tunable parameters (service 20): the reserves a capture must leave.

Bound to the attributes the payload reads when it plans (the memory budget) and before each capture
starts (battery and memory); the defaults are the values it was built with.
"""

from dataclasses import replace

from flight.dictionary import Arg, Dictionary, Tunable
from flight.payload.imaging import ImagingPayload

FIRST_ID = 200
"""Tunable ids 200-299: the payload."""


DECLARED = (
    (
        Arg("battery_reserve_soc", "float", 64, 0.0, 1.0, "1"),
        "battery state of charge below which no capture starts",
        "reserve_soc",
    ),
    (
        Arg("capture_memory_reserve_bytes", "uint", 32, 0, 2**32 - 1, "B"),
        "free mass memory a capture needs to start (and the room the plan books per capture)",
        "product_bytes_max",
    ),
)
TUNABLES = tuple(
    Tunable(FIRST_ID + offset, arg, None, description=description)
    for offset, (arg, description, _field) in enumerate(DECLARED)
)
"""The declarations (flight/onboard_dictionary.py gathers them), bound by `bind_payload_tunables`."""


def bind_payload_tunables(dictionary: Dictionary, payload: ImagingPayload) -> None:
    """Bind the payload tunables to the attributes of `payload` they set."""
    for tunable, (_arg, _description, field) in zip(TUNABLES, DECLARED, strict=True):
        dictionary.tunable(
            replace(
                tunable,
                default=getattr(payload, field),
                getter=lambda field=field: getattr(payload, field),
                setter=lambda value, field=field: setattr(payload, field, value),
            )
        )
