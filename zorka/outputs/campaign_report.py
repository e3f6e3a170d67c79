"""campaign.html of a campaign folder: one self-contained page of the spread across the seeds.

For each key figure its spread and the bound 95 % of seeds stay within at 95 % confidence (Wilks' order
statistic), a histogram with every seed as a tick under it (a strip), drawn as inline SVG (no file or
network beside the page), then the worst seeds by each figure with the values drawn for them
and links to their own report.html (the seeds the campaign completed into whole run folders). Then what
drives the figures: the Spearman rank correlation of each figure with each value drawn (each element of
an array on its own), and each figure against its strongest driver; last every seed in a table.
The plots are drawn by hand like the run report's (`svg_figure`, `svg_axes`).
"""

import html
import json
import math
from pathlib import Path

import numpy as np

from native.time_scales import parse_utc
from zorka.outputs.report import REPORT_NAME
from zorka.outputs.svg_axes import Axes, data_range, ticks_for
from zorka.outputs.svg_figure import FONT_PX, TAB, Figure, text_width_px

CAMPAIGN_REPORT_NAME = "campaign.html"
WORST_SEEDS = 5
COMPLETED_SEEDS = 6
"""How many of the worst seeds a campaign completes into whole run folders with report.html: each costs its
run again plus a report (~2 CPU-s, four seeds' worth), so 200 seeds with every figure's worst 5 linked spent
a fifth of the campaign on them."""
KEY_FIGURES = (
    ("attitude.error_deg.p99", "pointing error p99 [deg]", "high"),
    ("attitude.rate_error_deg_s.p99", "rate error p99 [deg/s]", "high"),
    ("attitude.settle_s", "settle time [s]", "high"),
    ("wheels.peak_momentum_fraction", "peak wheel momentum [of capacity]", "high"),
    ("power.min_soc", "lowest battery charge [of capacity]", "low"),
    ("imaging.captured_ok", "good captures", "low"),
)
"""(dotted summary key, label, which end is worse) of the figures the page shows."""
STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; }
td.value { text-align: right; font-family: monospace; }
td:first-child { white-space: nowrap; }
nav a { margin-right: 1em; }
svg.plot { max-width: 100%; height: auto; display: block; }
"""
PLOT_WIDTH_PX = 900.0
HISTOGRAM_HEIGHT_PX = 270.0
SCATTER_HEIGHT_PX = 252.0
"""One row of the drivers' scatter plots."""


def _value(summary: dict, key: str) -> float | None:
    value: object = summary
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _distribution(name: str, values: np.ndarray, label: str) -> str:
    """A histogram of the seeds' values with a strip of one tick per seed under it, as inline SVG."""
    bins = min(30, max(5, len(values) // 4))
    counts, edges = np.histogram(values, bins=bins)
    x_range = data_range(edges)
    alt = (
        f"Histogram of {label} over {len(values)} seeds ({bins} bins from {edges[0]:.5g} to {edges[-1]:.5g}, "
        f"at most {counts.max()} seeds in a bin), every seed a tick in the strip below."
    )
    figure = Figure(PLOT_WIDTH_PX, HISTOGRAM_HEIGHT_PX, name, alt)
    top_h = (HISTOGRAM_HEIGHT_PX - 11.0 - 63.0 - 8.0) * 0.8
    hist = Axes(figure, (81.0, 11.0, PLOT_WIDTH_PX - 95.0, top_h), x_range, (0.0, 1.05 * counts.max()))
    strip = Axes(
        figure, (81.0, 11.0 + top_h + 8.0, PLOT_WIDTH_PX - 95.0, top_h / 4.0), x_range, (-0.5, 0.5)
    )  # fmt: skip
    hist.columns(edges, counts, TAB["blue"], 0.8)
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(values))  # fixed: the page is reproducible
    strip.markers("|", values, jitter, TAB["blue"], 9.0, opacity=0.6)
    x_ticks = ticks_for(*x_range)
    hist.frame([(v, "") for v, _ in x_ticks], ticks_for(*hist.y_range, most=6), y_label="seeds")
    strip.frame(x_ticks, [], x_label=label, grid="x")
    return figure.svg()


def _cell(value: object) -> str:
    if isinstance(value, float):
        value = f"{value:.5g}"
    elif isinstance(value, list):
        value = json.dumps(np.round(np.asarray(value, dtype=float), 6).tolist())
    return f'<td class="value">{html.escape(str(value))}</td>'


TOLERANCE_FRACTION = 0.95
TOLERANCE_CONFIDENCE = 0.95


def wilks_order(
    n: int, fraction: float = TOLERANCE_FRACTION, confidence: float = TOLERANCE_CONFIDENCE
) -> int:
    """The largest m such that the m-th worst of n seeds bounds `fraction` of all seeds with `confidence`
    (Wilks' one-sided tolerance limit: P(Binomial(n, fraction) <= n - m) >= confidence); 0 if even the
    worst does not (n < 59 for 95 %/95 %)."""
    k = np.arange(n + 1)
    log_pmf = (
        np.array([math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k])
        + k * math.log(fraction)
        + (n - k) * math.log1p(-fraction)
    )
    cdf = np.cumsum(np.exp(log_pmf))
    passing = [m for m in range(1, n + 1) if cdf[n - m] >= confidence]
    return max(passing, default=0)


def _tolerance_line(values: np.ndarray, worse: str) -> str:
    """`fraction` of seeds better than the Wilks bound, at `confidence`; or how many seeds that needs."""
    m = wilks_order(len(values))
    if m == 0:
        return (
            f"{len(values)} seeds are too few to bound {TOLERANCE_FRACTION:.0%} of seeds at "
            f"{TOLERANCE_CONFIDENCE:.0%} confidence (Wilks: 59 at least)"
        )
    ordered = np.sort(values)
    bound = ordered[-m] if worse == "high" else ordered[m - 1]
    side = "at most" if worse == "high" else "at least"
    return (
        f"{TOLERANCE_FRACTION:.0%} of seeds {side} {bound:.5g} at {TOLERANCE_CONFIDENCE:.0%} confidence "
        f"(Wilks: the {'' if m == 1 else f'{m}{_ordinal(m)} '}worst of {len(values)})"
    )


def _ordinal(m: int) -> str:
    return "th" if 10 <= m % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(m % 10, "th")


def _ranked(rows: list[tuple[int, dict]], key: str, worse: str) -> list[tuple[int, dict, float]]:
    """(seed, summary, value) of the seeds with a value of `key`, worst first (ties: lower seed first)."""
    ranked = [(seed, s, v) for seed, s in rows if (v := _value(s, key)) is not None]
    ranked.sort(key=lambda row: (-row[2] if worse == "high" else row[2], row[0]))
    return ranked


def worst_seeds(summaries: dict[int, dict], count: int = COMPLETED_SEEDS) -> list[int]:
    """The seeds whose run reports the page links to: the worst by each key figure, then the second worst
    by each, and so on (a seed counted once) until `count` seeds or every figure's worst WORST_SEEDS."""
    rows = sorted(summaries.items())
    rankings = [
        [seed for seed, _, _ in _ranked(rows, key, worse)[:WORST_SEEDS]] for key, _, worse in KEY_FIGURES
    ]
    picked: list[int] = []
    for rank in range(WORST_SEEDS):
        for ranking in rankings:
            if len(picked) < count and rank < len(ranking) and ranking[rank] not in picked:
                picked.append(ranking[rank])
    return sorted(picked)


def _worst(rows: list[tuple[int, dict]], key: str, label: str, worse: str, out_dir: Path) -> str:
    """The seeds worst by `key`, each linked to its report where it has one, with its figure and its drawn
    values."""
    ranked = _ranked(rows, key, worse)
    drawn_keys = sorted({k for _, s, _ in ranked for k in s.get("dispersion", {})})
    head = "".join(f"<th>{html.escape(k)}</th>" for k in drawn_keys)
    lines = [f"<tr><th>seed</th><th>{html.escape(label)}</th>{head}</tr>"]
    for seed, summary, value in ranked[:WORST_SEEDS]:
        drawn = summary.get("dispersion", {})
        has_report = (out_dir / f"seed-{seed}" / REPORT_NAME).exists()
        link = f'<a href="seed-{seed}/{REPORT_NAME}">seed {seed}</a>' if has_report else f"seed {seed}"
        lines.append(
            f"<tr><td>{link}</td>{_cell(value)}{''.join(_cell(drawn.get(k, '')) for k in drawn_keys)}</tr>"
        )
    return "<table>\n" + "\n".join(lines) + "\n</table>"


def drawn_columns(summaries: dict[int, dict]) -> dict[str, dict[int, float]]:
    """The values drawn per seed as scalar columns, by name: a number as its key, an array's elements as
    key[i] (a square matrix's upper triangle only: it is drawn symmetric), the epoch as epoch_utc [s]
    after the earliest drawn."""
    columns: dict[str, dict[int, float]] = {}
    epochs: dict[int, float] = {}
    for seed, summary in sorted(summaries.items()):
        for key, value in summary.get("dispersion", {}).items():
            if isinstance(value, str):
                try:
                    epochs[seed] = parse_utc(value).timestamp()
                except ValueError:
                    continue
                continue
            array = np.asarray(value, dtype=float)
            for index in np.ndindex(array.shape):
                if array.ndim == 2 and array.shape[0] == array.shape[1] and index[0] > index[1]:
                    continue
                name = key + "".join(f"[{i}]" for i in index)
                columns.setdefault(name, {})[seed] = float(array[index])
    if epochs:
        first = min(epochs.values())
        columns["epoch_utc [s]"] = {seed: t - first for seed, t in epochs.items()}
    return columns


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 0, ties given the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    _, tie, count = np.unique(values, return_inverse=True, return_counts=True)
    return (np.bincount(tie, weights=ranks) / count)[tie]


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rank correlation of paired samples (Pearson's of their ranks); None with fewer than 3
    pairs or if either is constant."""
    if len(x) < 3:
        return None
    rx, ry = _ranks(np.asarray(x, dtype=float)), _ranks(np.asarray(y, dtype=float))
    if np.ptp(rx) == 0.0 or np.ptp(ry) == 0.0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def sensitivities(summaries: dict[int, dict]) -> dict[str, dict[str, float | None]]:
    """Per key figure, per drawn column (`drawn_columns`): Spearman's rho over the seeds having both."""
    columns = drawn_columns(summaries)
    found: dict[str, dict[str, float | None]] = {}
    for key, _, _ in KEY_FIGURES:
        figure = {seed: v for seed, s in summaries.items() if (v := _value(s, key)) is not None}
        if not figure:
            continue
        found[key] = {}
        for name, column in columns.items():
            both = sorted(set(figure) & set(column))
            x = np.array([column[seed] for seed in both])
            found[key][name] = spearman(x, np.array([figure[seed] for seed in both]))
    return found


def _strong(rho: float | None, n: int) -> bool:
    """A correlation worth a look: |rho| at least 0.3 and past twice its standard error under none."""
    return rho is not None and abs(rho) >= max(0.3, 2.0 / np.sqrt(max(n - 1, 1)))


def _sensitivity(summaries: dict[int, dict], drivers: str) -> str:
    """The table of rank correlations (strong ones bold), then `drivers` (`_drivers`' plot)."""
    found = sensitivities(summaries)
    names = sorted({name for per_figure in found.values() for name in per_figure})
    if not found or not names:
        return _no_values("no values were drawn: the scenario has no [campaign] dispersions")
    labels = {key: label for key, label, _ in KEY_FIGURES}
    head = "".join(f"<th>{html.escape(labels[key])}</th>" for key in found)
    lines = [f"<tr><th>value drawn</th>{head}</tr>"]
    for name in names:
        cells = []
        for key in found:
            rho = found[key].get(name)
            text = "–" if rho is None else f"{rho:+.2f}"
            text = f"<strong>{text}</strong>" if _strong(rho, len(summaries)) else text
            cells.append(f'<td class="value">{text}</td>')
        lines.append(f"<tr><th>{html.escape(name)}</th>{''.join(cells)}</tr>")
    note = (
        "<p>Spearman's rank correlation of each figure with each value drawn, over the seeds; bold: "
        f"|rho| &ge; 0.3 and beyond twice its standard error with {len(summaries)} seeds.</p>"
    )
    return note + "<table>\n" + "\n".join(lines) + "\n</table>\n" + drivers


def _drivers(summaries: dict[int, dict], found: dict, labels: dict[str, str]) -> str:
    """One scatter per key figure against the value drawn that correlates most with it, as inline SVG."""
    columns = drawn_columns(summaries)
    pairs = []
    for key, per_figure in found.items():
        rated = [(abs(rho), name) for name, rho in per_figure.items() if rho is not None]
        if rated:
            pairs.append((key, max(rated)[1], per_figure[max(rated)[1]]))
    if not pairs:
        return ""
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    alt = "Each key figure against the value drawn that correlates most with it: " + "; ".join(
        f"{labels[key]} against {name} (rho {rho:+.2f})" for key, name, rho in pairs
    )
    figure = Figure(PLOT_WIDTH_PX, SCATTER_HEIGHT_PX * rows, DRIVERS, alt + ".")
    cell_w = PLOT_WIDTH_PX / cols
    for i, (key, name, rho) in enumerate(pairs):
        seeds = [seed for seed in sorted(columns[name]) if _value(summaries[seed], key) is not None]
        x = np.array([columns[name][s] for s in seeds])
        y = np.array([_value(summaries[s], key) for s in seeds])
        left, top = (i % cols) * cell_w + 72.0, (i // cols) * SCATTER_HEIGHT_PX + 24.0
        axes = Axes(
            figure, (left, top, cell_w - 84.0, SCATTER_HEIGHT_PX - 80.0), data_range(x), data_range(y)
        )
        axes.markers("o", x, y, TAB["blue"], 4.5, opacity=0.6)
        axes.frame(
            ticks_for(*axes.x_range, most=5), ticks_for(*axes.y_range, most=6), name, _fit(labels[key])
        )
        figure.text(left + (cell_w - 84.0) / 2, top - 8.0, f"rho {rho:+.2f}", anchor="middle")
    return figure.svg()


def _fit(label: str, height_px: float = SCATTER_HEIGHT_PX - 80.0) -> str:
    """`label` cut with an ellipsis to fit along an axis `height_px` long."""
    most = int(height_px / (text_width_px("x", FONT_PX)))
    return label if len(label) <= most else label[: most - 1] + "…"


def _no_values(why: str) -> str:
    return f"<p><em>{html.escape(why)}</em></p>"


def _every_seed(rows: list[tuple[int, dict]], out_dir: Path) -> str:
    """One row per seed: its key figures (those some seed has), linked to its report where it has one."""
    shown = [(k, label) for k, label, _ in KEY_FIGURES if any(_value(s, k) is not None for _, s in rows)]
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in shown)
    lines = [f"<tr><th>seed</th>{head}</tr>"]
    for seed, summary in rows:
        has_report = (out_dir / f"seed-{seed}" / REPORT_NAME).exists()
        link = f'<a href="seed-{seed}/{REPORT_NAME}">seed {seed}</a>' if has_report else f"seed {seed}"
        cells = "".join(_cell("–" if (v := _value(summary, k)) is None else v) for k, _ in shown)
        lines.append(f"<tr><td>{link}</td>{cells}</tr>")
    return "<table>\n" + "\n".join(lines) + "\n</table>"


DRIVERS = "drivers"
"""campaign_plots' name for the plot of each figure against its strongest driver."""


def campaign_plots(summaries: dict[int, dict]) -> dict[str, str]:
    """campaign.html's plots as inline <svg> elements: each key figure's distribution by its dotted key,
    and DRIVERS. Made apart from the page so that a campaign draws them while its workers complete the
    worst seeds (they cost a few hundredths of a CPU-second now: matplotlib drew them in ~3)."""
    rows = sorted(summaries.items())
    plots = {}
    for key, label, _ in KEY_FIGURES:
        values = np.array([v for _, s in rows if (v := _value(s, key)) is not None])
        if len(values) > 0:
            plots[key] = _distribution(key.replace(".", "-"), values, label)
    found = sensitivities(summaries)
    labels = {key: label for key, label, _ in KEY_FIGURES}
    plots[DRIVERS] = _drivers(summaries, found, labels) if found else ""
    return plots


def write_campaign_report(
    document: dict, summaries: dict[int, dict], out_dir: Path, plots: dict[str, str] | None = None
) -> Path:
    """Write campaign.html into `out_dir` from campaign.json's `document`, the seeds' summaries (by seed)
    and their `campaign_plots` (made here if not given); its path. The worst seeds link to the run
    reports in `out_dir` as they are now."""
    plots = campaign_plots(summaries) if plots is None else plots
    rows = sorted(summaries.items())
    sections = []
    for key, label, worse in KEY_FIGURES:
        values = np.array([v for _, s in rows if (v := _value(s, key)) is not None])
        if len(values) == 0:
            continue
        stats = document["figures"].get(key, {})
        line = ", ".join(
            f"{k} {stats[k]:.5g}" for k in ("min", "median", "p95", "max") if stats.get(k) is not None
        )
        tolerance = html.escape(_tolerance_line(values, worse))
        body = f"<p>{len(values)} seeds: {html.escape(line)}. {tolerance}.</p>\n"
        body += f"{plots[key]}\n"
        body += f"<h3>Worst {WORST_SEEDS} seeds</h3>\n{_worst(rows, key, label, worse, out_dir)}"
        sections.append((key.replace(".", "-"), label, body))
    if rows:
        sections.append(("sensitivity", "What drives the figures", _sensitivity(dict(rows), plots[DRIVERS])))
        sections.append(("seeds", "Every seed", _every_seed(rows, out_dir)))
    failed = [run for run in document["runs"] if run["error"] is not None]
    if failed:
        items = "".join(f"<li>seed {r['seed']}: {html.escape(r['error'])}</li>" for r in failed)
        sections.append(("failed", "Failed seeds", f"<ul>{items}</ul>"))
    nav = " ".join(f'<a href="#{key}">{html.escape(title)}</a>' for key, title, _ in sections)
    body = "\n".join(
        f'<section id="{key}">\n<h2>{html.escape(title)}</h2>\n{content}\n</section>'
        for key, title, content in sections
    )
    title = f"Zorka campaign, {len(document['seeds'])} seeds" + (f", {len(failed)} failed" if failed else "")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<nav>{nav}</nav>\n{body}\n</body>\n</html>\n"
    )
    path = out_dir / CAMPAIGN_REPORT_NAME
    path.write_text(page, encoding="utf-8")
    return path
