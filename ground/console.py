"""The bench operator's console: a line REPL that sends telecommands by name and shows telemetry.

Lines: `help [NAME]` (the lines, or a command's description and every argument's meaning, range, unit
and default), `commands`, `NAME k=v ...` (send; its verification reports print as they arrive),
`at 2026-06-21T10:00:00Z NAME k=v ...` and `in 10m NAME k=v ...` (the command scheduled onboard by a
service-11 insert, TC(11,4), released at that UTC time or that long after the onboard time of the latest
telemetry; its own reports print when the spacecraft releases it), `hk` (latest housekeeping with units
and limits, the applications' counters asked for once first), `events`, `wait S`, `run FILE` (a sequence
file, see ground/sequence.py), `quit`. Telemetry prints as it comes: verification of this console's
commands, events by severity, every other report decoded into named values by the dictionary, and what
to do when the spacecraft's link refuses a frame (wrong key, anti-replay out of step).

On a terminal the prompt is prompt_toolkit's: line editing, a history kept in a file across sessions
(`default_history_path`), Tab completion of command names, argument names and enum values, and the
prompt stays at the bottom while telemetry scrolls above it (a pump thread receives while the operator
types; commands run under the same lock). Without a terminal (a pipe), lines are read as they come.
Output goes to a `rich` console, so tests drive `execute` with a recording console and a fake transport.
"""

import os
import queue
import re
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ground.commands import CommandBook, CommandError
from ground.sequence import SequenceError, load_sequence, run_sequence
from ground.session import Session
from ground.telemetry import EventReport, Record, VerificationReport

PUMP_S = 0.1
APPLICATIONS_SID = 2
"""The flight software's housekeeping structure of the applications' command and error counters, sent on
request only (flight/software.py)."""
SEVERITY_STYLES = {"INFO": "", "LOW": "cyan", "MEDIUM": "yellow", "HIGH": "bold red"}
KEYWORDS = ("help", "commands", "hk", "events", "wait", "run", "at", "in", "quit")
HELP = """\
help [NAME]          this text, or a command's description and each argument's meaning, range and default
commands             the commands of the dictionary, with their arguments
NAME k=v ...         send a command, e.g. set_adcs_mode mode=SUN_SAFE or image_target lat=48.1deg ...
                     a repeated command takes comma-separated lists: hk_set_interval sid=1,2 interval=5,10
at UTC NAME k=v ...  schedule a command onboard (TC 11,4) at a UTC time, e.g.
                     at 2026-06-21T10:00:00Z set_adcs_mode mode=SUN_SAFE
in DELAY NAME k=v .. schedule it DELAY after the onboard time of the latest TM: in 90s, in 10m, in 1h30m
hk                   the latest housekeeping values, units and limits (asks for the applications' counters)
events               the recent events
wait S               receive telemetry for S seconds
run FILE             run a command sequence file
quit                 leave the console (or Ctrl-D)
Keys: Up/Down history, Tab completes command names, argument names and enum values, Ctrl-R searches."""
DELAY_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
DELAY_UNITS_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
MAX_DELAY_S = 366 * 86400.0
HISTORY_NAME = "console_history"


def default_history_path() -> Path:
    """Where the console keeps its history: $XDG_STATE_HOME/zorka/console_history, or
    ~/.local/state/zorka/console_history."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "zorka" / HISTORY_NAME


def parse_delay_s(text: str) -> float:
    """`90s`, `10m`, `1h30m`, `2d` -> seconds; ValueError (what is allowed) otherwise."""
    parts = DELAY_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{text!r} is not a delay: write e.g. 90s, 10m, 1h30m, 2d")
    seconds = sum(float(n) * DELAY_UNITS_S[u] for n, u in parts)
    if not 0.0 < seconds <= MAX_DELAY_S:
        raise ValueError(f"{text!r}: a delay from 1 ms to 366 days")
    return seconds


def parse_utc(text: str) -> datetime:
    """An ISO 8601 UTC time (`2026-06-21T10:00:00Z`, or with +00:00); ValueError otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a UTC time: write e.g. 2026-06-21T10:00:00Z") from None
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        raise ValueError(f"{text!r}: give the time in UTC, ending in Z")
    return moment.astimezone(UTC)


def keyword_help(keyword: str) -> str:
    """The lines of HELP about the console word `keyword` (its line and those continuing it)."""
    lines = HELP.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[0] == keyword)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return "\n".join(lines[start:end])


class ConsoleCompleter(Completer):
    """Tab completion from the dictionary: console words and command names first, then (after a
    command, also after `at TIME` / `in DELAY` and `help`) its argument names, then enum and bool
    values after `name=` (each element of a list); a path after `run`."""

    def __init__(self, book: CommandBook):
        self.book = book
        self._paths = PathCompleter(expanduser=True)

    def _names(self, current: str, keywords: bool) -> Iterable[Completion]:
        """Command names (and the console's words) starting with `current`, each with what it does."""
        if keywords:
            for word in KEYWORDS:
                if word.startswith(current):
                    yield Completion(word, start_position=-len(current), display_meta="console")
        for name, spec in self.book.commands.items():
            if name.startswith(current):
                yield Completion(name, start_position=-len(current), display_meta=spec.description)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        words = text.split()
        current = "" if not words or text[-1].isspace() else words[-1]
        done = words if not current else words[:-1]
        if done and done[0] == "run":
            yield from self._paths.get_completions(Document(current), complete_event)
            return
        if done and done[0] in ("at", "in"):
            done = done[2:]
            if not done and len(words) - (1 if current else 0) < 2:
                return
        if not done:
            yield from self._names(current, keywords=len(words) <= 1)
            return
        if done[0] == "help":
            if len(done) == 1:
                yield from self._names(current, keywords=True)
            return
        spec = self.book.commands.get(done[0])
        if spec is None:
            return
        if "=" not in current:
            given = {w.partition("=")[0] for w in done[1:]}
            for arg in spec.args:
                if arg.name not in given and arg.name.startswith(current):
                    meta = arg.allowed() + ("" if arg.default is None else f", default {arg.shown_default()}")
                    yield Completion(f"{arg.name}=", start_position=-len(current), display_meta=meta)
            return
        key, _, value = current.partition("=")
        arg = next((a for a in spec.args if a.name == key), None)
        if arg is None:
            return
        last = value.rpartition(",")[2] if spec.repeated else value
        choices = list(arg.values) if arg.kind == "enum" else ["true", "false"] if arg.kind == "bool" else []
        for choice in choices:
            if choice.lower().startswith(last.lower()):
                yield Completion(choice, start_position=-len(last), display_meta=key)


class GroundConsole:
    """The REPL over one session; `execute` runs one line and says whether to go on."""

    def __init__(self, session: Session, console: Console, command_timeout_s: float = 10.0):
        self.session = session
        self.console = console
        self.command_timeout_s = command_timeout_s
        session.observer = self.show
        self._lock = threading.Lock()
        self._actions: dict[str, Callable[[list[str]], None]] = {
            "help": self._help,
            "commands": lambda _: self.console.print(self.commands_table()),
            "hk": self._housekeeping,
            "events": lambda _: self.console.print(self.events_table()),
            "wait": self._wait,
            "run": self._run,
            "at": self._at,
            "in": self._in,
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
        table = Table("command", "PUS", "arguments", "description", title="commands")
        for spec in self.session.commands.commands.values():
            pus = f"{spec.service},{spec.subtype}" + (f" fn {spec.function_id}" if spec.function_id else "")
            listed = "list of " if spec.repeated else ""
            args = "\n".join(
                f"{a.name}: {listed}{a.allowed()}"
                + (f" (default {a.shown_default()})" if a.default is not None else "")
                for a in spec.args
            )
            table.add_row(Text(spec.name), pus, Text(args or "-"), Text(spec.description))
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
        if rest[0] in KEYWORDS:
            self._say(keyword_help(rest[0]), style="")
            return
        try:
            spec = self.session.commands.spec(rest[0])
        except CommandError as problem:
            self.error(str(problem))
            return
        self._say(spec.help(), style="")

    def _at(self, rest: list[str]) -> None:
        if len(rest) < 2:
            self.error(
                "use: at UTC-TIME NAME k=v ..., e.g. at 2026-06-21T10:00:00Z set_adcs_mode mode=SUN_SAFE"
            )
            return
        try:
            release = parse_utc(rest[0])
        except ValueError as problem:
            self.error(str(problem))
            return
        self._schedule(release, rest[1], rest[2:])

    def _in(self, rest: list[str]) -> None:
        if len(rest) < 2:
            self.error("use: in DELAY NAME k=v ..., e.g. in 10m set_adcs_mode mode=SUN_SAFE")
            return
        try:
            delay_s = parse_delay_s(rest[0])
        except ValueError as problem:
            self.error(str(problem))
            return
        onboard = self.session.onboard_time
        if onboard is None:
            self.error("no telemetry yet, so the onboard time is unknown: `wait 2`, or use `at UTC-TIME`")
            return
        self._schedule(onboard + timedelta(seconds=delay_s), rest[1], rest[2:])

    def _schedule(self, release: datetime, name: str, words: list[str]) -> None:
        try:
            insert, inner = self.session.send_at(release.timestamp(), name, words)
        except CommandError as problem:
            self.error(str(problem))
            return
        onboard = self.session.onboard_time
        ahead = (
            "" if onboard is None else f", {(release - onboard).total_seconds():.1f} s after the latest TM"
        )
        self._say(
            f"{name} [{inner.request_id.hex()}] scheduled for {release:%Y-%m-%dT%H:%M:%S.%f}"[:-3]
            + f"Z{ahead} by schedule_insert [{insert.request_id.hex()}]",
            style="",
        )

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
            steps = load_sequence(Path(rest[0]).expanduser(), self.session.dictionary)
        except SequenceError as problem:
            self.error(str(problem))
            return
        run_sequence(self.session, steps, self._say, self.command_timeout_s)

    def _say(self, text: str, style: str = "bold") -> None:
        self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def interact(self, history: Path | None = None, prompt: str = "zorka> ") -> None:
        """Read and run lines until `quit`, end of input or a broken link: prompt_toolkit's prompt on a
        terminal (history in `history`, default `default_history_path()`), plain lines from a pipe."""
        self.console.print(f"{len(self.session.commands.commands)} commands; type help", markup=False)
        if sys.stdin.isatty() and sys.stdout.isatty():
            self._interact_terminal(history or default_history_path(), prompt)
        else:
            self._interact_lines(prompt)

    def _interact_terminal(self, history: Path, prompt: str) -> None:
        history.parent.mkdir(parents=True, exist_ok=True)
        reader = PromptSession(
            history=FileHistory(str(history)),
            completer=ConsoleCompleter(self.session.commands),
            complete_while_typing=False,
        )
        stop = threading.Event()
        broken: list[ConnectionError] = []

        def pump() -> None:
            while not stop.is_set():
                with self._lock:
                    try:
                        self.session.pump(PUMP_S)
                    except ConnectionError as failure:
                        broken.append(failure)
                        stop.set()
                        _leave(reader)
                stop.wait(0.01)

        pumper = threading.Thread(target=pump, name="console-pump", daemon=True)
        with patch_stdout(raw=True):
            pumper.start()
            try:
                while not stop.is_set():
                    try:
                        line = reader.prompt(prompt)
                    except KeyboardInterrupt:
                        continue
                    except EOFError:
                        break
                    try:
                        with self._lock:
                            if not self.execute(line):
                                break
                    except KeyboardInterrupt:
                        self.error("interrupted")
            finally:
                stop.set()
                pumper.join()
        if broken:
            raise broken[0]

    def _interact_lines(self, prompt: str) -> None:
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            while True:
                try:
                    lines.put(input())
                except (EOFError, KeyboardInterrupt):
                    lines.put(None)
                    return

        threading.Thread(target=read, daemon=True).start()
        self.console.print(prompt, end="", markup=False)
        while True:
            self.session.pump(PUMP_S)
            while not lines.empty():
                line = lines.get()
                if line is None or not self.execute(line):
                    return
                self.console.print(prompt, end="", markup=False)


def _leave(reader: PromptSession) -> None:
    """End the prompt `reader` shows (from another thread), as Ctrl-D would."""
    app = reader.app
    if app.is_running and app.loop is not None:
        app.loop.call_soon_threadsafe(lambda: app.exit(exception=EOFError()))


def _bound(limit: float | None) -> str:
    return "" if limit is None else f"{limit:g}"
