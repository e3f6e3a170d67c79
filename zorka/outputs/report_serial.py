"""The report's serial-links section: what crossed each board's link in a devices-in-the-loop run."""

import html

SERIAL_COLUMNS = (
    ("requests", "requests"),
    ("replies", "replies"),
    ("retries", "retries"),
    ("timeouts", "timeouts"),
    ("bad_frames", "bad frames"),
    ("reconnects", "reconnects"),
    ("rtt_p50_ms", "RTT p50 [ms]"),
    ("rtt_p99_ms", "RTT p99 [ms]"),
    ("rtt_max_ms", "RTT max [ms]"),
)
"""The serial-links table's columns: summary.json's `serial` figures, the same per port and per device."""


def serial_links(summary: dict) -> str:
    """One row per port, then one per device on it: what crossed the link and what went wrong; RTT is
    from a request's first transmission to its reply, retries included; a board declared failed is named."""
    head = "".join(f"<th>{html.escape(title)}</th>" for _, title in SERIAL_COLUMNS)
    rows = []
    for port, figures in summary["serial"].items():
        for name, row in (
            (port, figures),
            *((f"· {dev}", f) for dev, f in figures.get("devices", {}).items()),
        ):
            cells = "".join(
                f'<td class="value">{html.escape("–" if row.get(key) is None else str(row[key]))}</td>'
                for key, _ in SERIAL_COLUMNS
            )
            rows.append(f"<tr><th>{html.escape(name)}</th>{cells}</tr>")
    first = next(iter(summary["serial"].values()), {})
    note = (
        f"<p>{html.escape(str(first.get('mode', '')))}: a request waits up to "
        f"{first.get('request_timeout_s')} s. RTT: from a request's first transmission to its reply, "
        "retries included. Bad frames by reason, watchdog trips and reconfigurations are in the summary "
        "above.</p>"
    )
    for figures in summary["serial"].values():
        if figures.get("failure"):
            note += f"<p><strong>{html.escape(figures['failure'])}</strong></p>"
    return f"{note}<table>\n<tr><th>port / device</th>{head}</tr>\n" + "\n".join(rows) + "\n</table>"
