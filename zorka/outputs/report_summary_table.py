"""The report's summary: summary.json's figures grouped by topic, each with its unit and rounded to what
it means (four significant figures, whole numbers above a thousand), its key in summary.json beside it.

Units come from the key's suffix (`_s`, `_deg`, `_m`, `_rpm`...), read from the leaf up, as DESIGN.md
names them; fractions (`_fraction`, `soc`) are shown in percent. Text figures (what a figure measures)
are shown as notes under their group.
"""

import html
import json
import re
from typing import Any

TOPICS = (
    (
        "run",
        "Run",
        ("seed", "sim_s", "wall_s", "real_time_factor", "telemetry", "commanding", "control", "realtime"),
    ),
    ("attitude", "Attitude", ("attitude", "pointing")),
    ("wheels", "Wheels", ("wheels",)),
    ("power", "Power", ("power",)),
    ("imaging", "Imaging", ("imaging",)),
    ("geolocation", "Geolocation", ("geolocation",)),
    ("link", "Ground contact and link", ("ground", "link")),
    ("faults", "Faults and restarts", ("faults", "restarts")),
)
"""(id, title, top-level keys of summary.json) per group; keys not named go to 'Other figures'."""
LEFT_OUT = ("serial",)
"""Shown in a section of their own."""
SUFFIX_UNITS = (
    ("_deg_s", "°/s"),
    ("_rad_s", "rad/s"),
    ("_deg", "°"),
    ("_rpm", "rpm"),
    ("_ms", "ms"),
    ("_s", "s"),
    ("_m", "m"),
    ("_bytes", "B"),
    ("bytes", "B"),
    ("_nms", "N·m·s"),
    ("_w", "W"),
    ("_fraction", "%"),
    ("soc", "%"),
)
COUNT_LEAVES = ("rows", "products", "count", "frames", "packets")
"""Leaves that count things even under a key with a unit (`nadir_error_deg.rows`)."""
LABELS = {"sim_s": "simulated time", "wall_s": "wall-clock time", "real_time_factor": "real-time factor"}
KEY_NAMES = {
    ("attitude", "error_deg"): "pointing error",
    ("attitude", "rate_error_deg_s"): "rate error",
    ("attitude", "stats_from_s"): "statistics from",
    ("attitude", "settle_threshold_deg"): "settle threshold",
    ("power", "min_soc"): "lowest battery charge",
}
"""Names for keys whose own name is too terse out of context (path prefix -> name)."""


def unit_of(path: tuple[str, ...]) -> str:
    """The unit of the figure at `path` (keys from the top), from the nearest key with a known suffix."""
    if path[-1] in COUNT_LEAVES or path[-1].endswith(("_count", "frames", "packets")):
        return ""
    for key in reversed(path):
        for suffix, unit in SUFFIX_UNITS:
            if key.endswith(suffix):
                return unit
    return ""


def formatted(value: Any, unit: str) -> str:
    """A figure as a person reads it: None as a dash, fractions in percent, four significant figures,
    thousands separated."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if unit == "%":
            value *= 100.0
        if abs(value) >= 1000.0:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    return json.dumps(value)


def label_of(path: tuple[str, ...], own: bool = True) -> str:
    """A readable name: the keys (the top one left out when it names the group, `own`), their unit
    suffixes dropped, underscores as spaces (p99_7 as p99.7)."""
    if len(path) == 1 and path[0] in LABELS:
        return LABELS[path[0]]
    words = []
    if path[:2] in KEY_NAMES:
        words.append(KEY_NAMES[path[:2]])
        path = (path[0], *path[2:])
    for key in path[1:] if own and len(path) > 1 else path:
        for suffix, _ in SUFFIX_UNITS:
            if key.endswith(suffix) and key != suffix.strip("_"):
                key = key.removesuffix(suffix)
                break
        words.append(re.sub(r"^p(\d+)_(\d)$", r"p\1.\2", key).replace("_", " "))
    return " · ".join(words)


def _leaves(tree: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in _leaves(value, (*path, str(key)))]
    return [(path, tree)]


def summary_table(
    summary: dict, extra_rows: dict[str, list[tuple[str, str, str, str]]], shown: frozenset[str] = frozenset()
) -> str:
    """The summary as one table per topic; `extra_rows`: group id -> (label, value, unit, what it is)
    rows the report derives (shown first in their group); `shown`: dotted keys those rows already show."""
    named = {key for _, _, keys in TOPICS for key in keys}
    groups = [
        *TOPICS,
        ("other", "Other figures", tuple(k for k in summary if k not in named and k not in LEFT_OUT)),
    ]
    parts = []
    for group, title, keys in groups:
        rows, notes = [], []
        for label, value, unit, what in extra_rows.get(group, []):
            rows.append(
                f'<tr><th>{html.escape(label)}</th><td class="value">{html.escape(value)}</td>'
                f'<td class="unit">{html.escape(unit)}</td><td class="key">{html.escape(what)}</td></tr>'
            )
        for key in keys:
            if key not in summary:
                continue
            for path, value in _leaves(summary[key], (key,)):
                if ".".join(path) in shown:
                    continue
                if isinstance(value, str):
                    notes.append(
                        f"<li><strong>{html.escape(label_of(path, key == keys[0]))}</strong>: "
                        f"{html.escape(value)}</li>"
                    )
                    continue
                unit = unit_of(path)
                rows.append(
                    f"<tr><th>{html.escape(label_of(path, key == keys[0]))}</th>"
                    f'<td class="value">{html.escape(formatted(value, unit))}'
                    f'</td><td class="unit">{html.escape(unit)}</td>'
                    f'<td class="key"><code>{html.escape(".".join(path))}</code></td></tr>'
                )
        if not rows and not notes:
            continue
        table = (
            f'<table class="summary" id="summary-{group}">\n<caption>{html.escape(title)}</caption>\n'
            '<tr><th scope="col">figure</th><th scope="col">value</th><th scope="col">unit</th>'
            '<th scope="col">summary.json key</th></tr>\n' + "\n".join(rows) + "\n</table>"
        )
        parts.append(
            f'<div class="group">{table}'
            + (f"<ul class='notes'>{''.join(notes)}</ul>" if notes else "")
            + "</div>"
        )
    return "\n".join(parts)
