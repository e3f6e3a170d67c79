"""campaign.html of a campaign folder: one self-contained page of the spread across the seeds.

For each key figure a histogram with every seed as a tick under it (a strip), inlined as base64 PNG
(no file or network beside the page), then the worst seeds by each figure with the values drawn for them
and links to their own report.html. matplotlib is imported here only, as in `zorka.outputs.report`.
"""

import base64
import html
import io
import json
from pathlib import Path

import numpy as np

from zorka.outputs.report import REPORT_NAME

CAMPAIGN_REPORT_NAME = "campaign.html"
WORST_SEEDS = 5
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
nav a { margin-right: 1em; }
"""


def _value(summary: dict, key: str) -> float | None:
    value: object = summary
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _distribution(values: np.ndarray, label: str) -> str:
    """A histogram of the seeds' values with a strip of one tick per seed under it."""
    from matplotlib.figure import Figure  # the Agg canvas, without pyplot's global state

    figure = Figure(figsize=(10, 3.0), layout="constrained")
    hist, strip = figure.subplots(2, 1, sharex=True, height_ratios=(4, 1))
    hist.hist(values, bins=min(30, max(5, len(values) // 4)), color="tab:blue", alpha=0.8)
    hist.set_ylabel("seeds")
    hist.grid(alpha=0.3)
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(values))  # fixed: the page is reproducible
    strip.plot(values, jitter, "|", color="tab:blue", alpha=0.6)
    strip.set(yticks=[], ylim=(-0.5, 0.5), xlabel=label)
    return _png(figure)


def _cell(value: object) -> str:
    if isinstance(value, float):
        value = f"{value:.5g}"
    elif isinstance(value, list):
        value = json.dumps(np.round(np.asarray(value, dtype=float), 6).tolist())
    return f'<td class="value">{html.escape(str(value))}</td>'


def _ranked(rows: list[tuple[int, dict]], key: str, worse: str) -> list[tuple[int, dict, float]]:
    """(seed, summary, value) of the seeds with a value of `key`, worst first (ties: lower seed first)."""
    ranked = [(seed, s, v) for seed, s in rows if (v := _value(s, key)) is not None]
    ranked.sort(key=lambda row: (-row[2] if worse == "high" else row[2], row[0]))
    return ranked


def worst_seeds(summaries: dict[int, dict]) -> list[int]:
    """The seeds the page lists as worst by some key figure: those whose run reports it links to."""
    rows = sorted(summaries.items())
    picked = {seed for key, _, worse in KEY_FIGURES for seed, _, _ in _ranked(rows, key, worse)[:WORST_SEEDS]}
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


def write_campaign_report(document: dict, summaries: dict[int, dict], out_dir: Path) -> Path:
    """Write campaign.html into `out_dir` from campaign.json's `document` and the seeds' summaries
    (by seed); its path."""
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
        body = f"<p>{len(values)} seeds: {html.escape(line)}</p>\n{_distribution(values, label)}\n"
        body += f"<h3>Worst {WORST_SEEDS} seeds</h3>\n{_worst(rows, key, label, worse, out_dir)}"
        sections.append((key.replace(".", "-"), label, body))
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
