"""The onboard book of imaging requests: what the ground asked for and what became of each.

Requests arrive by telecommand (the payload-request mission service) or from the scenario; each has a
state — waiting to be planned or re-planned, planned, captured (a product is in mass memory), or
dropped (its window closed, or the ground deleted it). The book is persisted atomically on every change
(flight/checked_file.py), so a restart of the flight software keeps every request and its state; a
corrupt book is refused whole and reported, never half-loaded.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from flight.checked_file import CorruptStoreError, read_checked, write_checked
from flight.payload.requests import ImagingRequest


class RequestState(StrEnum):
    WAITING = "waiting"
    PLANNED = "planned"
    CAPTURED = "captured"
    DROPPED = "dropped"


@dataclass
class BookEntry:
    request: ImagingRequest
    state: RequestState = RequestState.WAITING
    attempts: int = 0


class RequestBook:
    """Requests by id, in arrival order; `capacity` bounds the book (a full book refuses new requests)."""

    def __init__(self, path: Path, capacity: int = 4096) -> None:
        self._path = path
        self.capacity = capacity
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
        rows = [
            {"request": asdict(e.request), "state": e.state.value, "attempts": e.attempts}
            for e in self.entries.values()
        ]
        write_checked(self._path, {"requests": rows})

    def _load(self) -> str:
        """'absent', 'loaded', or 'corrupt' (nothing loaded: the ground sees it and uplinks again)."""
        if not self._path.exists():
            return "absent"
        try:
            rows = read_checked(self._path)["requests"]
            entries = {}
            for row in rows:
                request = ImagingRequest(**row["request"])
                entries[request.id] = BookEntry(request, RequestState(row["state"]), int(row["attempts"]))
        except (OSError, CorruptStoreError, KeyError, TypeError, ValueError):
            return "corrupt"
        self.entries = entries
        return "loaded"
