"""Onboard events: what the flight software reports happened, with a severity, kept in a bounded log.

Events are rare (a mode change, a fault detected), so they are Python objects; the log keeps the
last `capacity` and counts every event ever raised, so a reader can tell what it missed.
"""

from collections import deque
from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4


@dataclass(frozen=True)
class Event:
    t_s: float
    severity: Severity
    name: str
    text: str


class EventLog:
    def __init__(self, capacity: int = 1000):
        self._events: deque[Event] = deque(maxlen=capacity)
        self.raised = 0

    def raise_event(self, t_s: float, severity: Severity, name: str, text: str) -> Event:
        event = Event(t_s, severity, name, text)
        self._events.append(event)
        self.raised += 1
        return event

    def __iter__(self):
        return iter(tuple(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def named(self, name: str) -> list[Event]:
        return [e for e in self._events if e.name == name]
