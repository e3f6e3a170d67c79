"""The onboard book of imaging requests: what the ground asked for and what became of each.

Requests arrive by telecommand (the payload-request mission service) or from the scenario; each has a
state — waiting to be planned or re-planned, planned, captured (a product is in mass memory), or
dropped (its window closed, or the ground deleted it). The book is persisted atomically on every change
(flight/checked_file.py), so a restart of the flight software keeps every request and its state; a
book that fails its CRC or any field check (a finite latitude in ±90°, a priority in 1..1000, a known
state, ...) is refused whole and reported (flight/stores.py), never half-loaded.
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path

from flight.checked_file import read_checked, write_checked
from flight.events import EventLog
from flight.payload.requests import ImagingRequest
from flight.stores import check, note_written, present, refuse, report_failed, report_missing, why_unreadable

PRIORITY_RANGE = (1, 1000)
"""The priorities a request may carry (service 200's and the scenario's declared range)."""
KEPT = "starting with an empty book"
_BOUNDS_RAD = {
    "lat_rad": math.pi / 2,
    "lon_rad": math.pi,
    "end_lat_rad": math.pi / 2,
    "end_lon_rad": math.pi,
    "max_off_nadir_rad": math.pi / 2,
    "min_sun_elevation_rad": math.pi / 2,
}


class RequestState(StrEnum):
    WAITING = "waiting"
    PLANNED = "planned"
    CAPTURED = "captured"
    DROPPED = "dropped"


_REQUEST_FIELDS = tuple(f.name for f in fields(ImagingRequest))


@dataclass
class BookEntry:
    request: ImagingRequest
    state: RequestState = RequestState.WAITING
    attempts: int = 0


class RequestBook:
    """Requests by id, in arrival order; `capacity` bounds the book (a full book refuses new requests)."""

    def __init__(self, path: Path, capacity: int = 4096, events: EventLog | None = None) -> None:
        self._path = Path(path)
        self.capacity = capacity
        self._events = EventLog() if events is None else events
        self._save_failed = False
        self.entries: dict[str, BookEntry] = {}
        self.load_status = self._load()

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, request: ImagingRequest) -> bool:
        """Add or replace a request (waiting to be planned); False when the book is full."""
        if request.id not in self.entries and len(self.entries) >= self.capacity:
            return False
        self.entries[request.id] = BookEntry(request)
        self._save()
        return True

    def delete(self, request_id: str) -> bool:
        if self.entries.pop(request_id, None) is None:
            return False
        self._save()
        return True

    def set_state(self, request_id: str, state: RequestState, attempted: bool = False) -> None:
        entry = self.entries[request_id]
        entry.state = state
        entry.attempts += int(attempted)
        self._save()

    @contextmanager
    def one_write(self) -> Iterator[None]:
        """Changes made inside are written once, at the end (a burst of adds or a plan's state changes
        rewrote the whole book once per request)."""
        changed: list[bool] = []
        self._save = lambda: changed.append(True)  # shadows the method until the end
        try:
            yield
        finally:
            del self._save
            if changed:
                self._save()

    def open_requests(self) -> list[ImagingRequest]:
        """Requests still to be captured (waiting or planned), in arrival order."""
        done = (RequestState.CAPTURED, RequestState.DROPPED)
        return [e.request for e in self.entries.values() if e.state not in done]

    def counts(self) -> dict[str, int]:
        tally = {state.value: 0 for state in RequestState}
        for entry in self.entries.values():
            tally[entry.state.value] += 1
        return tally

    def _save(self) -> None:
        """Persist the book; a medium that fails is reported once per streak, the book goes on in memory."""
        rows = [  # field by field: dataclasses.asdict's deep copy took 25 of 32 ms for 1,030 requests
            {"request": {n: getattr(e.request, n) for n in _REQUEST_FIELDS}, "state": e.state.value,
             "attempts": e.attempts}
            for e in self.entries.values()
        ]  # fmt: skip
        try:
            write_checked(self._path, {"requests": rows})
            note_written(self._path)
        except OSError as problem:
            if not self._save_failed:
                report_failed(self._events, 0.0, self._path, problem)
            self._save_failed = True
            return
        self._save_failed = False

    def _load(self) -> str:
        """'absent' (first run), 'missing' (written before, now gone), 'loaded', or 'corrupt' (refused
        whole, nothing loaded: the ground sees the event and uplinks again)."""
        if not present(self._path):
            return "missing" if report_missing(self._events, 0.0, self._path, KEPT) else "absent"
        try:
            entries = _entries(read_checked(self._path), self.capacity)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as problem:
            refuse(self._events, 0.0, self._path, why_unreadable(problem), KEPT)
            return "corrupt"
        self.entries = entries
        return "loaded"


def _entries(body: dict, capacity: int) -> dict[str, BookEntry]:
    """The entries of a stored body, every field checked; StoreRefusedError names the first bad one."""
    rows = body.get("requests")
    check(
        isinstance(rows, list) and len(rows) <= capacity,
        "requests",
        type(rows).__name__,
        f"a list of <= {capacity}",
    )
    entries = {}
    names = {f.name for f in fields(ImagingRequest)}
    for index, row in enumerate(rows):
        check(
            isinstance(row, dict) and isinstance(row.get("request"), dict),
            f"request {index}",
            row,
            "an object",
        )
        fields_ = row["request"]
        rid = fields_.get("id")
        check(isinstance(rid, str) and 0 < len(rid) <= 64, f"id of request {index}", rid, "a string of 1..64")
        check(set(fields_) <= names, f"fields of {rid}", sorted(set(fields_) - names), f"of {sorted(names)}")
        for name, value in fields_.items():
            if name == "id" or (value is None and name.startswith(("window", "end_"))):
                continue
            finite = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            check(finite, f"{name} of {rid}", value, "a finite number")
            if name in _BOUNDS_RAD:
                bound = _BOUNDS_RAD[name]
                check(abs(value) <= bound, f"{name} of {rid}", value, f"-{bound:.4f}..{bound:.4f}")
        low, high = PRIORITY_RANGE
        priority = fields_.get("priority")
        check(low <= (priority or 0) <= high, f"priority of {rid}", priority, f"{low}..{high}")
        check(
            0 < fields_.get("duration_s", 0) <= 3600,
            f"duration_s of {rid}",
            fields_.get("duration_s"),
            "0..3600",
        )
        start, end = fields_.get("window_start_s"), fields_.get("window_end_s")
        check(start is None or end is None or end >= start, f"window of {rid}", (start, end), "end >= start")
        states = [s.value for s in RequestState]
        check(row.get("state") in states, f"state of {rid}", row.get("state"), "|".join(states))
        attempts = row.get("attempts")
        check(type(attempts) is int and 0 <= attempts < 2**31, f"attempts of {rid}", attempts, "0..2^31")
        check(rid not in entries, f"id {rid}", "twice", "once")
        entries[rid] = BookEntry(ImagingRequest(**fields_), RequestState(row["state"]), attempts)
    return entries
