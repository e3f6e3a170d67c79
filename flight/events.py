"""Onboard events: what the flight software reports happened, declared once and kept in a bounded log.

An event is declared as an `EventDef` (id, name, severity, a description and the template of its text)
in the package of the application that raises it, and raised only through that declaration
(`MODE_CHANGE.raise_(log, t_s, previous=..., mode=..., reason=...)`): the name and severity cannot be
mistyped at a call site, the fields must be the template's (checked at the call, and before any run by
tests/flight/test_declarations.py), and an event that is not in the dictionary cannot be raised.
Events are rare (a mode change, a fault detected), so they are Python objects; the log keeps the
last `capacity` and counts every event ever raised, so a reader can tell what it missed.
"""

from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum
from string import Formatter


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
        """Log an event. Flight code raises through an `EventDef` (`raise_`), which calls this."""
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


@dataclass(frozen=True)
class EventDef:
    """A declared event: its id in service-5 reports, name, severity, a one-line description (`text`)
    and the template of the text each report carries (`str.format` fields, e.g. "wheel {wheel}")."""

    id: int
    name: str
    severity: Severity
    text: str
    template: str = "{detail}"
    fields: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        names = {name for _, name, _, _ in Formatter().parse(self.template) if name is not None}
        if any(not n.isidentifier() for n in names):
            raise ValueError(f"event {self.name}: template fields must be plain names: {self.template!r}")
        object.__setattr__(self, "fields", frozenset(names))

    def raise_(self, log: EventLog, t_s: float, severity: Severity | None = None, **fields) -> Event:
        """Raise this event in `log` at onboard time `t_s`, its text the template filled with `fields`
        (exactly the template's). `severity` overrides the declared one for this occurrence (a mode
        change forced by a fault is HIGH)."""
        if fields.keys() != self.fields:
            raise TypeError(f"event {self.name}: fields {sorted(fields)}, declared {sorted(self.fields)}")
        return log.raise_event(
            t_s, self.severity if severity is None else severity, self.name, self.template.format(**fields)
        )

    def raise_text(self, log: EventLog, t_s: float, text: str) -> Event:
        """Raise this event with a text of the raiser's own making, not the template's: for a service
        that raises whichever declared event the ground chose (service 12 on a limit crossing)."""
        return log.raise_event(t_s, self.severity, self.name, text)

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "severity": self.severity.name, "text": self.text}
