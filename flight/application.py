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
from dataclasses import dataclass, field, replace

from flight.dictionary import Arg, Dictionary, Parameter

Task = Callable[[float], None]


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


def counters_by_command(applications: Iterable[Application]) -> dict[str, CommandCounters]:
    """For the dispatcher: each command's name to the counters of the application that declared it."""
    table: dict[str, CommandCounters] = {}
    for application in applications:
        for name in application.commands:
            if name in table:
                raise ValueError(f"command {name!r} claimed by two applications")
            table[name] = application.counters
    return table


def counter_parameters(names: Iterable[str], first_id: int) -> tuple[Parameter, ...]:
    """`<app>_commands` and `<app>_errors` (uint32) of each application name, ids from `first_id`, to
    be bound to the counters by `bind_counter_parameters`."""
    declared = []
    for name in names:
        for what, meaning in (("commands", "accepted and ran"), ("errors", "refused or failed")):
            counter = f"{name}_{what}"
            declared.append(
                Parameter(
                    first_id + len(declared),
                    counter,
                    Arg(counter, "uint", 32),
                    description=f"telecommands the {name} application {meaning}",
                )
            )
    return tuple(declared)


def bind_counter_parameters(dictionary: Dictionary, applications: Iterable[Application]) -> list[str]:
    """Bind each application's declared counter parameters to its counters; their names in order."""
    names = []
    for application in applications:
        for what in ("commands", "errors"):
            name = f"{application.name}_{what}"
            dictionary.parameter(
                replace(dictionary.parameters[name], getter=_getter(application.counters, what))
            )
            names.append(name)
    return names


def _getter(counters: CommandCounters, what: str) -> Callable[[], int]:
    return lambda: getattr(counters, what)
