"""What the onboard stores do when one cannot be taken up at start: refuse it whole, say so once.

Every onboard store (parameters, schedule, imaging requests, mass-memory index) is a checked file
(flight/checked_file.py) validated field by field on load. A store that is refused — it does not
parse, fails its CRC, holds a value out of its declared range, is a folder, or cannot be read —
raises STORE_REFUSED and logs one line naming the file, why, and what the software kept instead.

A store that is missing is a loss only if it once existed. The rule: every store notes its name,
the first time it is written, in the ledger `stores.ledger` beside it (itself a checked file). A
missing store the ledger names raises STORE_MISSING; one it does not name is a first run (no event).
A ledger that is unreadable counts as naming nothing, so a loss may then go unreported, never a
first run reported as a loss.
"""

import logging
import os
from pathlib import Path

from flight.checked_file import CorruptStoreError, read_checked, write_checked
from flight.events import EventDef, EventLog, Severity

LEDGER_NAME = "stores.ledger"
LOG = logging.getLogger("zorka.stores")
STORE_REFUSED = EventDef(
    7001,
    "store_refused",
    Severity.MEDIUM,
    "an onboard store was refused on load (damaged, out of range or not a file)",
    "{file}: {why}: file refused, {kept}",
)
STORE_MISSING = EventDef(
    7002,
    "store_missing",
    Severity.MEDIUM,
    "an onboard store written before is missing",
    "{file}: missing (written before): {kept}",
)
STORE_FAILED = EventDef(
    7003,
    "store_not_persisted",
    Severity.MEDIUM,
    "an onboard store could not be written; the software goes on with what it holds",
    "{file}: not persisted: {why}",
)
EVENTS = (STORE_REFUSED, STORE_MISSING, STORE_FAILED)
_noted: set[Path] = set()


class StoreRefusedError(ValueError):
    """A store that fails a field check: the message names the field, its value and what is allowed."""


def present(path: Path) -> bool:
    """Whether anything is at `path` (a dangling symlink or a symlink loop counts: it is damage)."""
    return os.path.lexists(path)


def _ledger(folder: Path) -> list[str]:
    try:
        names = read_checked(folder / LEDGER_NAME)["stores"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def note_written(path: Path) -> None:
    """Record in the ledger that the store at `path` exists (once per process and store)."""
    path = Path(path)
    if path in _noted and (path.parent / LEDGER_NAME).is_file():
        return
    names = _ledger(path.parent)
    if path.name not in names:
        write_checked(path.parent / LEDGER_NAME, {"stores": sorted([*names, path.name])})
    _noted.add(path)


def was_written(path: Path) -> bool:
    """Whether the ledger says the store at `path` was written before."""
    return Path(path).name in _ledger(Path(path).parent)


def why_unreadable(problem: Exception) -> str:
    """A short reason for a store that could not be taken up."""
    if isinstance(problem, StoreRefusedError):
        return str(problem)
    if isinstance(problem, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(problem, OSError):
        return f"unreadable ({problem.strerror or type(problem).__name__})"
    if isinstance(problem, CorruptStoreError):
        return str(problem).split(": ", 1)[-1]
    if isinstance(problem, ValueError):
        return str(problem)
    return f"malformed ({type(problem).__name__}: {problem})"


def refuse(events: EventLog, t_s: float, path: Path, why: str, kept: str) -> None:
    """Report a refused store: an event and one log line naming the file, why, and what was kept."""
    event = STORE_REFUSED.raise_(events, t_s, file=Path(path).name, why=why, kept=kept)
    LOG.warning(event.text)


def report_missing(events: EventLog, t_s: float, path: Path, kept: str) -> bool:
    """Report a store the ledger knows that is gone; False (nothing reported) on a first run."""
    if not was_written(path):
        return False
    event = STORE_MISSING.raise_(events, t_s, file=Path(path).name, kept=kept)
    LOG.warning(event.text)
    return True


def report_failed(events: EventLog, t_s: float, path: Path, problem: OSError) -> None:
    """Report a store that could not be written."""
    event = STORE_FAILED.raise_(events, t_s, file=Path(path).name, why=why_unreadable(problem))
    LOG.warning(event.text)


def check(ok: bool, field: str, value: object, allowed: str) -> None:
    """StoreRefusedError naming `field`, its `value` and what is `allowed`, unless `ok`."""
    if not ok:
        raise StoreRefusedError(f"{field} is {value!r} (allowed {allowed})")
