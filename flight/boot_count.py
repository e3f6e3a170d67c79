"""The boot counter: how many times the flight software has started on these onboard stores, kept in
`boot_count.json` beside them (a checked store, so a reset mid-write leaves the old count or the new one).
A store that is missing starts the count; one that is corrupt starts it over at 1 (never a crash).

Declared here: the housekeeping parameter `boot_count` and the report structure BOOT_SID (onboard time
and the count every BOOT_REPORT_INTERVAL_S), which the flight software enables at boot after a restart
(an uninterrupted first boot sends nothing more than it always did; the ground can enable it with
hk_enable)."""

from pathlib import Path

from flight.checked_file import CorruptStoreError, read_checked, write_checked
from flight.dictionary import Arg, Parameter

FILE_NAME = "boot_count.json"
BOOT_SID = 5
BOOT_REPORT_INTERVAL_S = 10
BOOT_COUNT = Parameter(
    1400, "boot_count", Arg("boot_count", "uint", 32), description="starts of the flight software (1: first)"
)
BOOT_REPORT = ("t_s", BOOT_COUNT.name)
"""The parameters of structure BOOT_SID."""


def count_boot(storage: Path) -> int:
    """This boot's number (1 for the first start on `storage`), persisted before the software runs."""
    path = storage / FILE_NAME
    try:
        previous = int(read_checked(path).get("boots", 0))
    except (FileNotFoundError, CorruptStoreError, ValueError, TypeError):
        previous = 0
    boots = previous + 1
    write_checked(path, {"boots": boots})
    return boots
