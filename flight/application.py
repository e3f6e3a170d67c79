"""The onboard application life cycle (cFS habit): init from configuration, work in rate groups, commands
dispatched with a length check, housekeeping with command and error counters.

An `Application` is the record the executive and the dispatcher know an application by: its name, its
work (a callable per rate group it runs in) and its counters. The application object itself is built
from its configuration beforehand; the flight software lists the records in a table (flight/software.py)
and the executive runs their work group by group in table order, so nothing is wired by hand.
The dispatcher counts each telecommand in the counters of the application that declared it: accepted
and run, `commands`; refused at acceptance (wrong length, argument out of range, refused check) or
failed while running, `errors`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from flight.dictionary import Arg, Dictionary, Parameter

Task = Callable[[float], None]
T = TypeVar("T")


@dataclass
class CommandCounters:
    """Telecommands an application accepted and ran (`commands`) and refused or failed (`errors`)."""

    commands: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Work:
    """A callable of an application, run with the onboard time in each frame of rate group `group`."""

    group: str
    task: Task


@dataclass
class Application:
    """An onboard application as the executive and the dispatcher see it.

    `commands`: the names of the telecommands it declared (its counters count them)."""

    name: str
    work: tuple[Work, ...] = ()
    commands: frozenset[str] = frozenset()
    counters: CommandCounters = field(default_factory=CommandCounters)


def declaring(dictionary: Dictionary, make: Callable[[], T]) -> tuple[T, frozenset[str]]:
    """Run `make` (an application's construction, which declares into `dictionary`); what it made and
    the names of the commands it declared."""
    before = set(dictionary.commands)
    made = make()
    return made, frozenset(dictionary.commands) - before


def counters_by_command(applications: Iterable[Application]) -> dict[str, CommandCounters]:
    """For the dispatcher: each command's name to the counters of the application that declared it."""
    table: dict[str, CommandCounters] = {}
    for application in applications:
        for name in application.commands:
            if name in table:
                raise ValueError(f"command {name!r} claimed by two applications")
            table[name] = application.counters
    return table


def declare_counter_parameters(
    dictionary: Dictionary, applications: Iterable[Application], first_id: int
) -> list[str]:
    """Declare `<app>_commands` and `<app>_errors` (uint32) per application from id `first_id`; their names
    in declaration order, for a housekeeping structure."""
    names = []
    next_id = first_id
    for application in applications:
        counters = application.counters
        for what in ("commands", "errors"):
            name = f"{application.name}_{what}"
            dictionary.parameter(Parameter(next_id, name, Arg(name, "uint", 32), _getter(counters, what)))
            names.append(name)
            next_id += 1
    return names


def _getter(counters: CommandCounters, what: str) -> Callable[[], int]:
    return lambda: getattr(counters, what)
