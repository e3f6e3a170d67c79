"""The imaging payload's tunable parameters (service 20): the reserves a capture must leave.

Bound to the attributes the payload reads when it plans (the memory budget) and before each capture
starts (battery and memory); the defaults are the values it was built with.
"""

from flight.dictionary import Arg, Dictionary, Tunable
from flight.payload.imaging import ImagingPayload

FIRST_ID = 200
"""Tunable ids 200-299: the payload."""


def declare_payload_tunables(dictionary: Dictionary, payload: ImagingPayload) -> None:
    """Declare the payload tunables bound to `payload`."""
    declared = (
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
    for offset, (arg, description, field) in enumerate(declared):
        dictionary.tunable(
            Tunable(
                FIRST_ID + offset,
                arg,
                getattr(payload, field),
                lambda field=field: getattr(payload, field),
                lambda value, field=field: setattr(payload, field, value),
                description=description,
            )
        )
