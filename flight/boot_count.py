"""The boot counter: how many times the flight software has started on these onboard stores, kept in
`boot_count.json` beside them (a checked store, so a reset mid-write leaves the old count or the new one).
A store that fails its CRC or its check (a whole count of at least 1), or that the ledger knew and is
gone, is reported as the other stores are (flight/stores.py: an event and a log line naming the file)
and the count starts over at 1; a first run has none and reports nothing. Never a crash.

Declared here: the housekeeping parameter `boot_count` and the report structure BOOT_SID (onboard time
and the count every BOOT_REPORT_INTERVAL_S), which the flight software enables at boot after a restart
(an uninterrupted first boot sends nothing more than it always did; the ground can enable it with
hk_enable)."""

from pathlib import Path

from flight.checked_file import read_checked, write_checked
from flight.dictionary import Arg, Parameter
from flight.events import EventLog
from flight.stores import check, note_written, present, refuse, report_failed, report_missing, why_unreadable

FILE_NAME = "boot_count.json"
KEPT = "counting this start as boot 1"
BOOT_SID = 5
BOOT_REPORT_INTERVAL_S = 10
BOOT_COUNT = Parameter(
    1400, "boot_count", Arg("boot_count", "uint", 32), description="starts of the flight software (1: first)"
)
BOOT_REPORT = ("t_s", BOOT_COUNT.name)
"""The parameters of structure BOOT_SID."""


def count_boot(storage: Path, events: EventLog) -> int:
    """This boot's number (1 for the first start on `storage`), persisted before the software runs."""
    path = storage / FILE_NAME
    previous = 0
    if not present(path):
        report_missing(events, 0.0, path, KEPT)
    else:
        try:
            previous = read_checked(path).get("boots")
            check(
                isinstance(previous, int) and not isinstance(previous, bool) and previous >= 1,
                "boots",
                previous,
                "a whole number >= 1",
            )
        except (OSError, ValueError, AttributeError) as problem:
            refuse(events, 0.0, path, why_unreadable(problem), KEPT)
            previous = 0
    boots = previous + 1
    try:
        write_checked(path, {"boots": boots})
        note_written(path)
    except OSError as problem:
        report_failed(events, 0.0, path, problem)
    return boots
