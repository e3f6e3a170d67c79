"""Command sequence files: scripted bench tests, one step a line, checked whole before any is run.

The format::

    # a comment (a line starting with #; text after " #" is a comment too)
    set_adcs_mode mode=SUN_SAFE     a command as on the console: sent, then its completion awaited;
                                    a failure report (or none within the command timeout) stops the run
    wait 2.5                        receive telemetry for 2.5 s
    expect adcs_mode == SUN_SAFE within 20
                                    poll housekeeping until the parameter compares true, else stop;
                                    only reports received after the line started count; the operator
                                    is one of == != < <= > >=, the value a number (or an enum name the
                                    dictionary gives); `within S` defaults to 10 s

`load_sequence` parses and checks every line against the dictionary (command names, arguments and
ranges, parameter names, numbers) and raises `SequenceError` naming the file and line of the first
problem, so a sequence never stops half-way on a typing mistake. `run_sequence` runs the steps over a
`Session` and says how it went, one line a step, through a callback.
"""

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ground.commands import CommandBook, CommandError
from ground.session import Session, describe_verification
from ground.telemetry import ParameterSpec, TelemetryDecoder

DEFAULT_EXPECT_S = 10.0
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class SequenceError(ValueError):
    """A sequence file that cannot be run: `file:line: problem`, one line."""


@dataclass(frozen=True)
class CommandStep:
    line: int
    name: str
    words: tuple[str, ...]

    def run(self, session: Session, command_timeout_s: float) -> str | None:
        """None once the command completed, else why it did not."""
        request = session.send(self.name, list(self.words))
        outcome = session.wait_for_outcome(request, command_timeout_s)
        if outcome is None:
            return f"{self.name}: no completion within {command_timeout_s:g} s"
        return None if outcome.success else describe_verification(request, outcome)


@dataclass(frozen=True)
class WaitStep:
    line: int
    seconds: float

    def run(self, session: Session, command_timeout_s: float) -> str | None:
        session.wait_until(lambda: False, self.seconds)
        return None


@dataclass(frozen=True)
class ExpectStep:
    line: int
    parameter: ParameterSpec
    op: str
    value: float
    within_s: float

    def run(self, session: Session, command_timeout_s: float) -> str | None:
        """None once a housekeeping report newer than the step satisfies the comparison."""
        seen = session.housekeeping_reports
        compare = OPERATORS[self.op]
        name = self.parameter.name

        def holds() -> bool:
            latest = session.housekeeping.get(name)
            return session.housekeeping_reports > seen and latest is not None and compare(latest, self.value)

        if session.wait_until(holds, self.within_s):
            return None
        if session.housekeeping_reports == seen:
            return f"expect {name}: no housekeeping within {self.within_s:g} s"
        latest = self.parameter.display(session.housekeeping.get(name))
        wanted = self.parameter.display(self.value)
        return f"expect {name} {self.op} {wanted}: still {latest} after {self.within_s:g} s"


Step = CommandStep | WaitStep | ExpectStep


def parse_sequence(text: str, dictionary: dict[str, Any], source: str = "<sequence>") -> list[Step]:
    """The steps of sequence `text`; SequenceError naming `source` and the line of the first problem."""
    book = CommandBook(dictionary)
    parameters = TelemetryDecoder(dictionary).parameters
    steps: list[Step] = []
    for number, full_line in enumerate(text.splitlines(), start=1):
        words = full_line.split(" #")[0].split()
        if not words or words[0].startswith("#"):
            continue
        try:
            steps.append(_step(number, words, book, parameters))
        except (CommandError, ValueError) as problem:
            raise SequenceError(f"{source}:{number}: {problem}") from None
    return steps


def load_sequence(path: Path, dictionary: dict[str, Any]) -> list[Step]:
    """The steps of the sequence file `path` (SequenceError if it cannot be read or checked)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise SequenceError(f"{path}: cannot read ({problem})") from None
    return parse_sequence(text, dictionary, str(path))


def run_sequence(
    session: Session, steps: list[Step], say: Callable[[str], None], command_timeout_s: float = 10.0
) -> bool:
    """Run `steps` in order, stopping at the first that fails; True if all passed."""
    for step in steps:
        say(f"line {step.line}: {_text(step)}")
        problem = step.run(session, command_timeout_s)
        if problem is not None:
            say(f"sequence failed at line {step.line}: {problem}")
            return False
    say(f"sequence passed: {len(steps)} steps")
    return True


def _step(number: int, words: list[str], book: CommandBook, parameters: dict[str, ParameterSpec]) -> Step:
    keyword, rest = words[0], words[1:]
    if keyword == "wait":
        if len(rest) != 1:
            raise ValueError("use: wait SECONDS")
        return WaitStep(number, _seconds(rest[0]))
    if keyword == "expect":
        return _expect(number, rest, parameters)
    book.spec(keyword).app_data(rest)
    return CommandStep(number, keyword, tuple(rest))


def _expect(number: int, rest: list[str], parameters: dict[str, ParameterSpec]) -> ExpectStep:
    usage = "use: expect PARAMETER OP VALUE [within SECONDS], OP one of " + " ".join(OPERATORS)
    if len(rest) not in (3, 5) or rest[1] not in OPERATORS or (len(rest) == 5 and rest[3] != "within"):
        raise ValueError(usage)
    name, op, text = rest[:3]
    if name not in parameters:
        raise ValueError(f"unknown housekeeping parameter {name!r}; parameters: {', '.join(parameters)}")
    parameter = parameters[name]
    within_s = _seconds(rest[4]) if len(rest) == 5 else DEFAULT_EXPECT_S
    if text in parameter.values:
        return ExpectStep(number, parameter, op, parameter.values[text], within_s)
    try:
        value = float(text)
    except ValueError:
        names = f" or one of {', '.join(parameter.values)}" if parameter.values else ""
        raise ValueError(f"expect {name}: {text!r} is not a number{names}") from None
    if not math.isfinite(value):
        raise ValueError(f"expect {name}: {text!r} is not a finite number")
    return ExpectStep(number, parameter, op, value, within_s)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 86400.0:
        raise ValueError(f"{text!r} is not a number of seconds from 0 to 86400")
    return value


def _text(step: Step) -> str:
    if isinstance(step, CommandStep):
        return " ".join([step.name, *step.words])
    if isinstance(step, WaitStep):
        return f"wait {step.seconds:g}"
    value = step.parameter.display(step.value)
    return f"expect {step.parameter.name} {step.op} {value} within {step.within_s:g}"
