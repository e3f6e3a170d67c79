"""The report's contact table: each station pass inside the run, with what came down in it.

AOS, LOS and the maximum elevation are the pass prediction the simulated radio opened on (the truth
orbit against each station's minimum elevation, `sim.ground_station`); the bytes are those of the TM
frames the ground received (lost frames excluded) while that pass was the first one open, counted by
whole second of arrival; products are those the ground received complete and verified in it.
"""

import html
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.ground_station import Pass


@dataclass(frozen=True)
class Contact:
    station: str
    aos_s: float
    los_s: float
    max_elevation_deg: float
    aos_cut: bool
    los_cut: bool
    lost: bool
    """Lost whole to an outage (the scenario's pass loss)."""
    bytes_down: int | None
    """None without a radio."""
    products: tuple[str, ...]


def contacts(
    passes: list[Pass],
    end_s: float,
    received_bytes_by_s: dict[int, int] | None,
    deliveries: list[tuple[float, str]],
    outages_s: list[tuple[float, float]],
    delay_s: float = 0.0,
) -> list[Contact]:
    """The passes that start before `end_s` (cut there), each with the bytes and products received from
    its AOS to its LOS plus the one-way `delay_s`; a second inside two passes counts for the first."""
    inside = sorted((p for p in passes if p.aos_s < end_s), key=lambda p: p.aos_s)
    lost = set(outages_s)
    seconds = np.array(sorted(received_bytes_by_s or {}), dtype=float)
    counted = np.zeros(len(seconds), dtype=bool)
    found = []
    for p in inside:
        los_s = min(p.los_s, end_s)
        bytes_down = None
        if received_bytes_by_s is not None:
            mine = (seconds >= np.floor(p.aos_s)) & (seconds <= los_s + delay_s) & ~counted
            counted |= mine
            bytes_down = int(sum(received_bytes_by_s[int(s)] for s in seconds[mine]))
        products = tuple(pid for t_s, pid in deliveries if p.aos_s <= t_s <= los_s + delay_s + 1.0)
        found.append(
            Contact(p.station, p.aos_s, los_s, float(np.degrees(p.max_elevation_rad)), p.aos_cut,
                    p.los_cut or p.los_s > end_s, (p.aos_s, p.los_s) in lost, bytes_down, products)
        )  # fmt: skip
    return found


def contact_table(rows: list[Contact], utc: Callable[[float], str], has_radio: bool) -> str:
    """The contacts as an HTML table (times in UTC), with a totals row."""
    if not rows:
        return ""
    head = "<caption>Station passes during the run</caption>\n<tr>" + "".join(
        f'<th scope="col">{name}</th>'
        for name in ("#", "station", "AOS (UTC)", "LOS (UTC)", "duration", "max elevation", "bytes down",
                     "products delivered")
    ) + "</tr>"  # fmt: skip
    body = []
    for i, c in enumerate(rows, 1):
        aos = utc(c.aos_s) + (" (run start)" if c.aos_cut else "")
        los = utc(c.los_s) + (" (run end)" if c.los_cut else "")
        if not has_radio:
            down = "no radio"
        elif c.lost:
            down = "pass lost (outage)"
        else:
            down = f"{c.bytes_down:,}"
        body.append(
            f'<tr><td class="value">{i}</td><td>{html.escape(c.station)}</td><td>{aos}</td><td>{los}</td>'
            f'<td class="value">{c.los_s - c.aos_s:.0f} s</td>'
            f'<td class="value">{c.max_elevation_deg:.1f}°</td><td class="value">{down}</td>'
            f"<td>{html.escape(', '.join(c.products)) or '–'}</td></tr>"
        )
    total_bytes = sum(c.bytes_down or 0 for c in rows)
    total_s = sum(c.los_s - c.aos_s for c in rows)
    body.append(
        f'<tr class="total"><th colspan="4">{len(rows)} pass(es)</th><td class="value">{total_s:.0f} s</td>'
        f'<td></td><td class="value">{f"{total_bytes:,}" if has_radio else "–"}</td>'
        f"<td>{sum(len(c.products) for c in rows)}</td></tr>"
    )
    note = (
        "<p>A pass cut by the run's end shows the whole predicted pass's maximum elevation.</p>"
        if any(c.los_cut for c in rows)
        else ""
    )
    return f'<table class="contacts">\n{head}\n' + "\n".join(body) + "\n</table>" + note
