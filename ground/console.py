"""The bench operator's console: a line REPL that sends telecommands by name and shows telemetry.

Lines: `help`, `commands` (each command with its arguments and what they allow), `NAME k=v ...`
(send; its verification reports print as they arrive), `hk` (latest housekeeping with units and
limits, the applications' command and error counters asked for once first), `events` (recent
events), `wait S` (receive for S seconds), `run FILE` (a sequence file, see ground/sequence.py),
`quit`. Telemetry prints as it comes: verification of this console's commands,
events by severity, and any other report but housekeeping. Output goes to a `rich` console, so tests
drive `execute` with a recording console and a fake transport.
"""

import queue
import threading
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ground.commands import CommandError
from ground.sequence import SequenceError, load_sequence, run_sequence
from ground.session import Session
from ground.telemetry import EventReport, Record, VerificationReport

PUMP_S = 0.1
APPLICATIONS_SID = 2
"""The flight software's housekeeping structure of the applications' command and error counters, sent on
request only (flight/software.py)."""
SEVERITY_STYLES = {"INFO": "", "LOW": "cyan", "MEDIUM": "yellow", "HIGH": "bold red"}
HELP = """\
help [NAME]          this text, or a command's arguments and what they allow
commands             the commands of the dictionary, with their arguments
NAME k=v ...         send a command, e.g. set_adcs_mode mode=SUN_SAFE or image_target lat=48.1deg ...
hk                   the latest housekeeping values, units and limits (asks for the applications' counters)
events               the recent events
wait S               receive telemetry for S seconds
run FILE             run a command sequence file
quit                 leave the console"""


class GroundConsole:
    """The REPL over one session; `execute` runs one line and says whether to go on."""

    def __init__(self, session: Session, console: Console, command_timeout_s: float = 10.0):
        self.session = session
        self.console = console
        self.command_timeout_s = command_timeout_s
        session.observer = self.show
        self._actions: dict[str, Callable[[list[str]], None]] = {
            "help": self._help,
            "commands": lambda _: self.console.print(self.commands_table()),
            "hk": self._housekeeping,
            "events": lambda _: self.console.print(self.events_table()),
            "wait": self._wait,
            "run": self._run,
        }

    def show(self, record: Record) -> None:
        """Print one telemetry record as it arrives (housekeeping silently updates `hk`)."""
        line = self.session.describe(record)
        if line is None:
            return
        style = ""
        if isinstance(record, VerificationReport):
            style = "green" if record.stage == "completed" else ("" if record.success else "bold red")
        elif isinstance(record, EventReport):
            style = SEVERITY_STYLES.get(record.severity, "")
        self.console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)

    def execute(self, line: str) -> bool:
        """Run one console line; False when the operator asked to quit."""
        words = line.split()
        if not words or words[0].startswith("#"):
            return True
        keyword, rest = words[0], words[1:]
        if keyword in ("quit", "exit"):
            return False
        if keyword in self._actions:
            self._actions[keyword](rest)
            return True
        try:
            self.session.send(keyword, rest)
        except CommandError as problem:
            self.error(str(problem))
        return True

    def error(self, text: str) -> None:
        self.console.print(f"error: {text}", style="red", markup=False, highlight=False, soft_wrap=True)

    def commands_table(self) -> Table:
        table = Table("command", "PUS", "arguments", title="commands")
        for spec in self.session.commands.commands.values():
            pus = f"{spec.service},{spec.subtype}" + (f" fn {spec.function_id}" if spec.function_id else "")
            listed = "list of " if spec.repeated else ""
            args = "\n".join(f"{a.name}: {listed}{a.allowed()}" for a in spec.args)
            table.add_row(Text(spec.name), pus, Text(args or "-"))
        return table

    def housekeeping_table(self) -> Table:
        """The latest value of each parameter; a value outside its limits in red."""
        table = Table("parameter", "value", "unit", "limits", title="housekeeping")
        for name, parameter in self.session.decoder.parameters.items():
            value = self.session.housekeeping.get(name)
            low, high = parameter.low_limit, parameter.high_limit
            limits = "" if low is None and high is None else f"{_bound(low)} .. {_bound(high)}"
            outside = value is not None and (
                (low is not None and value < low) or (high is not None and value > high)
            )
            shown = "-" if value is None else parameter.display(value)
            table.add_row(
                Text(name), Text(shown, style="red" if outside else ""), Text(parameter.unit), limits
            )
        return table

    def events_table(self) -> Table:
        table = Table("time (UTC)", "event", "severity", "text", title="events")
        for event in self.session.events:
            style = SEVERITY_STYLES.get(event.severity, "")
            table.add_row(
                f"{event.time:%H:%M:%S}", Text(event.name), event.severity, Text(event.text), style=style
            )
        return table

    def _housekeeping(self, rest: list[str]) -> None:
        """Ask for the applications' counters once (their report arrives before the TC completes), then
        show the latest values."""
        if str(APPLICATIONS_SID) in self.session.dictionary.get("housekeeping_structures", {}):
            request = self.session.send("hk_one_shot", [f"sid={APPLICATIONS_SID}"])
            self.session.wait_for_outcome(request, self.command_timeout_s)
        self.console.print(self.housekeeping_table())

    def _help(self, rest: list[str]) -> None:
        if not rest:
            self._say(HELP, style="")
            return
        try:
            spec = self.session.commands.spec(rest[0])
        except CommandError as problem:
            self.error(str(problem))
            return
        self._say(spec.usage() + (f"\n  {spec.description}" if spec.description else ""), style="")

    def _wait(self, rest: list[str]) -> None:
        try:
            seconds = float(rest[0]) if len(rest) == 1 else -1.0
        except ValueError:
            seconds = -1.0
        if not 0.0 <= seconds <= 3600.0:
            self.error("use: wait SECONDS (0 to 3600)")
            return
        self.session.wait_until(lambda: False, seconds)

    def _run(self, rest: list[str]) -> None:
        if len(rest) != 1:
            self.error("use: run FILE")
            return
        try:
            steps = load_sequence(Path(rest[0]), self.session.dictionary)
        except SequenceError as problem:
            self.error(str(problem))
            return
        run_sequence(self.session, steps, self._say, self.command_timeout_s)

    def _say(self, text: str, style: str = "bold") -> None:
        self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def interact(self, prompt: str = "zorka> ") -> None:
        """Read lines from stdin while telemetry keeps printing, until `quit` or end of input."""
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            while True:
                try:
                    lines.put(input())
                except (EOFError, KeyboardInterrupt):
                    lines.put(None)
                    return

        threading.Thread(target=read, daemon=True).start()
        self.console.print(f"{len(self.session.commands.commands)} commands; type help", markup=False)
        self.console.print(prompt, end="", markup=False)
        while True:
            self.session.pump(PUMP_S)
            while not lines.empty():
                line = lines.get()
                if line is None or not self.execute(line):
                    return
                self.console.print(prompt, end="", markup=False)


def _bound(limit: float | None) -> str:
    return "" if limit is None else f"{limit:g}"
