"""The board-check result: one row per check (pass, FAIL or skip, and what was measured or why), printed
as a table with rich."""

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

PASS, FAIL, SKIP = "pass", "FAIL", "skip"
_STYLES = {PASS: "green", FAIL: "bold red", SKIP: "yellow"}


@dataclass
class CheckRow:
    name: str
    outcome: str  # PASS, FAIL or SKIP
    detail: str


def print_table(title: str, rows: list[CheckRow], console: Console | None = None) -> None:
    """The rows as a table under `title`, then one line counting the outcomes."""
    console = Console(highlight=False) if console is None else console
    table = Table(title=title, title_justify="left", expand=False)
    table.add_column("check", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("measured / why", overflow="fold")
    for row in rows:
        table.add_row(row.name, f"[{_STYLES[row.outcome]}]{row.outcome}[/]", row.detail)
    console.print(table)
    counts = {outcome: sum(r.outcome == outcome for r in rows) for outcome in (PASS, FAIL, SKIP)}
    console.print(f"board-check: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[SKIP]} skipped")
