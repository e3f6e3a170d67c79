"""The boot counter: how many times the flight software has started on these onboard stores, kept in
`boot_count.json` beside them (a checked store, so a reset mid-write leaves the old count or the new one).
A store that is missing starts the count; one that is corrupt is counted over from what the ground can
still tell (the count restarts at 1 and the housekeeping shows it)."""

from pathlib import Path

from flight.checked_file import CorruptStoreError, read_checked, write_checked

FILE_NAME = "boot_count.json"


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
