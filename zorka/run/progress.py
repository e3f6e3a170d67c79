"""What a person sees of a run: a progress bar while it runs, a summary table after; the same for a
campaign of runs."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from zorka.run.mission import Mission


def run_with_progress(mission: Mission, quiet: bool = False) -> dict:
    if quiet:
        return mission.run()
    columns = (
        TextColumn("[bold]zorka run[/]"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} / {task.total:,.0f} s simulated"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("run", total=mission.duration_s)
        return mission.run(on_progress=lambda sim_s: progress.update(task, completed=sim_s))


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def summary_table(summary: dict, path: Path) -> Table:
    att = summary["attitude"]
    report = path.with_name("report.html")
    caption = f"written to {path}" + (f"; plots in {report}" if report.exists() else "")
    table = Table(title=f"Zorka run — seed {summary['seed']}", caption=caption)
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    rows = [
        ("simulated time", _fmt(summary["sim_s"], 6), "s"),
        ("wall time", _fmt(summary["wall_s"]), "s"),
        ("real-time factor", _fmt(summary["real_time_factor"], 6), "×"),
        (f"settled (error < {att['settle_threshold_deg']}°)", _fmt(att["settle_s"]), "s"),
        (f"pointing error mean, after {att['stats_from_s']:g} s", _fmt(att["error_deg"]["mean"]), "deg"),
        ("pointing error p99", _fmt(att["error_deg"]["p99"]), "deg"),
        ("pointing error max", _fmt(att["error_deg"]["max"]), "deg"),
        ("rate error p99", _fmt(att["rate_error_deg_s"]["p99"]), "deg/s"),
        ("rate error max", _fmt(att["rate_error_deg_s"]["max"]), "deg/s"),
        ("peak wheel speed", _fmt(summary["wheels"]["peak_speed_rpm"]), "rpm"),
        ("peak wheel momentum", _fmt(summary["wheels"]["peak_momentum_fraction"]), "of capacity"),
        ("control overruns", _fmt(summary["control"]["overruns"]), "frames"),
        ("lowest battery charge", _fmt(summary["power"]["min_soc"]), "of capacity"),
    ]
    link = summary.get("link")
    if link is not None and "commands" in link:
        down, up, commands = link["downlink"], link["uplink"], link["commands"]
        rows += [
            ("TM frames received / lost", f"{down['frames_received']:,} / {down['frames_lost']:,}", "frames"),
            ("TM packets on the ground", f"{down['packets_on_ground']:,}", "packets"),
            ("TC frames sent / lost", f"{up['frames_sent']:,} / {up['frames_lost']:,}", "frames"),
            ("commands completed / sent", f"{commands['completed']} / {commands['sent']}", ""),
        ]
    imaging = summary.get("imaging")
    if imaging is not None:
        requests = imaging["requests"]
        rows += [
            ("captures good / started", f"{imaging['captures_good']} / {imaging['captures_started']}", ""),
            ("captures failed / missed", f"{imaging['captures_failed']} / {imaging['captures_missed']}", ""),
            (
                "requests captured / open",
                f"{requests['captured']} / {requests['waiting'] + requests['planned']}",
                "",
            ),
        ]
    geolocation = summary.get("geolocation")
    if geolocation is not None and geolocation["products"]:
        budget = geolocation["budget_rms_m"]
        near = geolocation["products_off_nadir_le_30deg"]
        rows += [
            (
                f"geolocation CE90, {near} ≤ 30° off nadir",
                _fmt(geolocation["ce90_m_off_nadir_le_30deg"]),
                "m",
            ),
            (f"geolocation CE90, all {geolocation['products']}", _fmt(geolocation["ce90_m"]), "m"),
            (
                "  budget RMS: orbit / attitude / timing",
                " / ".join(_fmt(budget[t]) for t in ("orbit_knowledge", "attitude_knowledge", "timing")),
                "m",
            ),
            ("targeting error p95", _fmt(geolocation["targeting_error_m"]["p95"]), "m"),
        ]
    capture = summary.get("pointing", {}).get("capture_error_deg")
    if capture is not None and capture["rows"]:
        rows.append(("true boresight to target p99.7", _fmt(capture["p99_7"]), "deg"))
    files = (link or {}).get("files")
    if files is not None:
        rows.append(
            (
                "products delivered / on board",
                f"{files['products_received']} / {files['products_left_on_board']}",
                "",
            )
        )
    for row in rows:
        table.add_row(*row)
    return table


@contextmanager
def seeds_progress(total: int, quiet: bool = False) -> Iterator[Callable[[object], None]]:
    """A bar of the seeds of a campaign done (none if `quiet`); yields what to call as each seed ends."""
    if quiet:
        yield lambda _outcome: None
        return
    columns = (
        TextColumn("[bold]zorka run[/]"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} / {task.total:,.0f} seeds"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("seeds", total=total)
        yield lambda _outcome: progress.advance(task)


def campaign_tables(document: dict, path: Path) -> list[Table]:
    """The spread of each figure across the seeds of a campaign (campaign.json as `document`; n: seeds
    with a value, and how many had none), and the seeds that failed with their errors, if any."""
    seeds, failed = document["seeds"], document["failed"]
    title = f"Zorka campaign — {len(seeds)} seeds" + (f", {len(failed)} failed" if failed else "")
    table = Table(title=title, caption=f"written to {path}", show_edge=False)
    table.add_column("figure", no_wrap=True)
    for heading in ("n", "min", "median", "p95", "max"):
        table.add_column(heading, justify="right")
    for figure, stats in document["figures"].items():
        counted = f"{stats['values']}" + (f" (+{stats['none']} none)" if stats["none"] else "")
        table.add_row(figure, counted, *(_fmt(stats[k]) for k in ("min", "median", "p95", "max")))
    tables = [table]
    if failed:
        failures = Table(title="Failed seeds")
        failures.add_column("seed", justify="right")
        failures.add_column("error")
        for run in document["runs"]:
            if run["error"] is not None:
                failures.add_row(str(run["seed"]), run["error"])
        tables.append(failures)
    return tables
