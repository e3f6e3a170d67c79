"""The board-links application's declarations: its events and its housekeeping parameters (one set per
device served by a board), and the report structure that carries them. A spacecraft whose devices are
all simulated has none of them, so its dictionary and telemetry are those of a spacecraft without boards."""

from flight.dictionary import Arg, Parameter
from flight.events import EventDef, Severity

BOARD_LOST = EventDef(
    4001,
    "board_lost",
    Severity.MEDIUM,
    "a device board stopped answering (its port lost, or requests unanswered in a row)",
    "board {board} on {port}: {why}",
)
BOARD_BACK = EventDef(
    4002, "board_back", Severity.INFO, "a lost device board answers again", "board {board} on {port}: {how}"
)
WATCHDOG_TRIPPED = EventDef(
    4003,
    "board_watchdog_tripped",
    Severity.HIGH,
    "a device board's watchdog put its actuators in their safe state (commands stopped for too long)",
    "board {board} on {port}: watchdog trips {trips}",
)
CONFIGURATION_LOST = EventDef(
    4004,
    "board_configuration_lost",
    Severity.HIGH,
    "a device board that was configured says it is not (it restarted: power-on state)",
    "board {board} on {port}: configured no more",
)
CONFIGURATION_MISMATCH = EventDef(
    4005,
    "board_configuration_mismatch",
    Severity.HIGH,
    "a device board refused a configuration beyond its hardware (e.g. another wheel count)",
    "board {board} on {port}: configurations refused {mismatches}",
)
EVENTS = (BOARD_LOST, BOARD_BACK, WATCHDOG_TRIPPED, CONFIGURATION_LOST, CONFIGURATION_MISMATCH)

FIRST_ID = 1500
"""The housekeeping parameter ids of the board-links counters."""
BOARD_LINKS_SID = 3
"""The report structure of every board-served device's link counters (defined when the spacecraft has
boards, disabled at boot like the applications' counters: sent when the ground enables it or asks once)."""
BOARD_LINKS_INTERVAL_S = 10
COUNTERS = (
    ("requests", "requests sent to the device's board"),
    ("replies", "replies received (ok or error)"),
    ("retries", "requests sent again for want of a reply (same seq)"),
    ("timeouts", "requests without a reply by their deadline"),
    ("bad_frames", "frames rejected (COBS, CRC, size, msgpack) while awaiting the device's replies"),
    ("reconnects", "reopenings of the board's port during the device's requests"),
)
"""Each counter of `hal.link_health.ExchangeCounters` reported, and what it counts."""


def board_link_parameters(devices: tuple[str, ...]) -> tuple[Parameter, ...]:
    """Per device served by a board (`DeviceSet` names): `<device>_board_<counter>` (uint32) and
    `<device>_board_rtt_p99_ms` (float32, ms, 0 before any reply); ids from FIRST_ID in that order."""
    declared: list[Parameter] = []
    for device in devices:
        for counter, meaning in COUNTERS:
            name = f"{device}_board_{counter}"
            declared.append(
                Parameter(
                    FIRST_ID + len(declared), name, Arg(name, "uint", 32), description=f"{device}: {meaning}"
                )
            )
        name = f"{device}_board_rtt_p99_ms"
        declared.append(
            Parameter(
                FIRST_ID + len(declared),
                name,
                Arg(name, "float", 32, unit="ms"),
                description=f"{device}: 99th percentile of the round trip of its requests since start",
            )
        )
    return tuple(declared)
