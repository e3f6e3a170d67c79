"""The report's quicklooks: each image product on the ground, in time order, shown with square ground
pixels (a PNG resampled by Pillow) under a scale bar and a north arrow (an SVG over it), linked to its
product file and metadata.

A quicklook's rows are its lines in time order (the first at the capture's start) and its columns the
detector from its -Y_B end to its +Y_B end; its pixels are `quicklook_pixel_cross_m` across and
`quicklook_pixel_along_m` along track, rarely equal, so it is resampled for display to square pixels.
The north arrow comes from the product's true footprint corners (start -Y_B, start +Y_B, end +Y_B,
end -Y_B: image corners top-left, top-right, bottom-right, bottom-left), in a local east-north plane.
"""

import base64
import html
import io
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from zorka.outputs.report_figure import no_data
from zorka.outputs.svg_figure import escape, num

MAX_QUICKLOOKS = 48
BOX_PX = (240, 320)
"""Largest displayed width and height; both axes are scaled alike so pixels stay square."""


NUMBERS = (
    "t_start_s", "quicklook_pixel_cross_m", "quicklook_pixel_along_m", "off_nadir_deg", "gsd_cross_m",
    "gsd_along_m", "geolocation_error_m", "swath_m", "strip_m",
)  # fmt: skip
"""The metadata's figures the report shows: kept only when they are finite numbers (sizes positive)."""


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _points(value: object) -> list | None:
    """A footprint's point or list of points as [[lat, lon, ...]...], each finite; else None."""
    if isinstance(value, list) and value and all(isinstance(p, list) and len(p) >= 2 for p in value):
        return value if all(_finite(v) for p in value for v in p[:2]) else None
    return None


def product_metadata(path: Path) -> dict:
    """What the report reads of a product's metadata JSON (`<id>.json` beside `<id>.png`): its numbers,
    quality, request and true footprint, each only when well formed; {} for a missing or unreadable file."""
    try:
        document = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    metadata = document.get("metadata") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        return {}
    kept: dict = {key: float(metadata[key]) for key in NUMBERS if _finite(metadata.get(key))}
    for key in ("quicklook_pixel_cross_m", "quicklook_pixel_along_m", "swath_m", "strip_m"):
        if kept.get(key, 1.0) <= 0.0:
            kept.pop(key)
    if isinstance(metadata.get("quality_ok"), bool):
        kept["quality_ok"] = metadata["quality_ok"]
    if isinstance(metadata.get("request_id"), str):
        kept["request_id"] = metadata["request_id"]
    footprint = metadata.get("true_footprint")
    if isinstance(footprint, dict):
        corners = _points(footprint.get("corners"))
        centre = _points([footprint.get("centre")])
        kept["true_footprint"] = {
            **({"corners": corners} if corners and len(corners) == 4 else {}),
            **({"centre": centre[0]} if centre else {}),
        }
    return kept


def quicklooks(products: Path, utc: Callable[[float], str]) -> str:
    """The figures of the PNG products under `products`, in capture time order, or why there are none."""
    images = sorted(products.glob("*.png")) if products.is_dir() else []
    if not images:
        return no_data("no image product reached the ground")
    known = [(path, product_metadata(path)) for path in images]
    known.sort(key=lambda pm: (pm[1].get("t_start_s") is None, pm[1].get("t_start_s") or 0.0, pm[0].name))
    figures = [_figure(path, metadata, utc) for path, metadata in known[:MAX_QUICKLOOKS]]
    more = len(known) - MAX_QUICKLOOKS
    if more > 0:
        figures.append(no_data(f"and {more} more in products/"))
    return '<div class="quicklooks">\n' + "\n".join(figures) + "\n</div>"


def nice_length_m(longest_m: float) -> float:
    """The largest 1, 2 or 5 × 10^k metres not over `longest_m`."""
    power = 10.0 ** math.floor(math.log10(longest_m))
    return max(step * power for step in (1.0, 2.0, 5.0) if step * power <= longest_m)


def north_direction(corners_deg: list) -> tuple[float, float] | None:
    """Unit direction of north in the quicklook's pixels (x right, y down), or None if the footprint's
    detector line is degenerate. Columns run along the detector (+Y_B: the corners' start -Y_B → start
    +Y_B, and end -Y_B → end +Y_B, on the ground) and rows along +X_B projected on the ground, which
    for a boresight (+Z_B) looking down is up × (+Y_B): the detector's ground direction turned 90° to
    the left seen from above. (Tracking a target, the start and end lines nearly coincide, so the rows'
    direction is not taken from them.)"""
    lat_rad = math.radians(corners_deg[0][0])

    def east_north(a: list, b: list) -> np.ndarray:
        d_lon = (b[1] - a[1] + 180.0) % 360.0 - 180.0
        return np.array([math.radians(d_lon) * math.cos(lat_rad), math.radians(b[0] - a[0])])

    cross = east_north(corners_deg[0], corners_deg[1]) + east_north(corners_deg[3], corners_deg[2])
    length = float(np.linalg.norm(cross))
    if length == 0.0 or not math.isfinite(length):
        return None
    east, north = cross / length
    return float(north), float(east)


def display_image(path: Path, metadata: dict) -> tuple[bytes, int, int, float, str]:
    """The quicklook resampled to square ground pixels and to fit BOX_PX: its PNG, width, height, metres
    per displayed pixel, and the SVG drawn over it (a scale bar and a north arrow, vector so they stay
    sharp; '' without the pixel sizes)."""
    from PIL import Image

    with Image.open(path) as opened:
        image = opened.convert("RGB")
    width, height = image.size
    cross_m = metadata.get("quicklook_pixel_cross_m") or 0.0
    along_m = metadata.get("quicklook_pixel_along_m") or cross_m
    if not cross_m:
        scale = min(BOX_PX[0] / width, BOX_PX[1] / height)
        shown = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.LANCZOS)
        return _png(shown), shown.width, shown.height, 0.0, ""
    ground_w_m, ground_h_m = width * cross_m, height * along_m
    m_per_px = max(ground_w_m / BOX_PX[0], ground_h_m / BOX_PX[1])
    size = (max(1, round(ground_w_m / m_per_px)), max(1, round(ground_h_m / m_per_px)))
    shown = image.resize(size, Image.LANCZOS)
    corners = metadata.get("true_footprint", {}).get("corners")
    north = north_direction(corners) if corners and len(corners) == 4 else None
    return _png(shown), size[0], size[1], m_per_px, _overlay(size, ground_w_m, m_per_px, north)


def _overlay(
    size: tuple[int, int], ground_w_m: float, m_per_px: float, north: tuple[float, float] | None
) -> str:
    """The scale bar (bottom left: the nicest length under 40 % of the swath) and the north arrow (top
    right, `north` the unit direction in pixels, x right, y down) as an SVG over a quicklook `size`."""
    w, h = size
    bar_m = nice_length_m(0.4 * ground_w_m)
    bar_px = bar_m / m_per_px
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    x0, y0 = 8.0, h - 12.0
    parts = [
        f'<rect x="{num(x0 - 3)}" y="{num(y0 - 16)}" width="{num(bar_px + 6)}" height="21" fill="#fff"/>',
        f'<rect x="{num(x0)}" y="{num(y0 - 2)}" width="{num(bar_px)}" height="4" fill="#000"/>',
        f'<text x="{num(x0)}" y="{num(y0 - 5)}">{escape(label)}</text>',
    ]
    if north is not None:
        r = max(6.0, min(12.0, w / 6.0))  # the arrow's half length
        cx, cy = w - r - 12.0, r + 12.0
        nx, ny = north
        tip, tail = (cx + nx * r, cy + ny * r), (cx - nx * r, cy - ny * r)
        back = (cx + nx * 0.35 * r, cy + ny * 0.35 * r)
        side = (-ny * 0.4 * r, nx * 0.4 * r)
        head = [tip, (back[0] + side[0], back[1] + side[1]), (back[0] - side[0], back[1] - side[1])]
        parts += [
            f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(r + 11)}" fill="#fff"/>',
            f'<path d="M{num(tail[0])},{num(tail[1])}L{num(tip[0])},{num(tip[1])}" stroke="#c80000" '
            'stroke-width="3"/>',
            '<path d="M' + " ".join(f"{num(x)},{num(y)}" for x, y in head) + 'Z" fill="#c80000"/>',
            f'<text x="{num(cx + nx * (r + 6))}" y="{num(cy + ny * (r + 6))}" text-anchor="middle" '
            f'dominant-baseline="middle" fill="#c80000" font-weight="bold">N</text>',
        ]
    return (
        f'<svg class="overlay" viewBox="0 0 {w} {h}" aria-hidden="true" font-size="11" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">{"".join(parts)}</svg>'
    )


PNG_COMPRESS_LEVEL = 3
"""zlib level of the displayed quicklooks: on the built-in mission's five, level 3 takes a third of the
CPU of Pillow's default 6 and comes out smaller (188 against 231 kB in all, measured)."""


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def _figure(path: Path, metadata: dict, utc: Callable[[float], str]) -> str:
    from PIL import Image

    name = html.escape(path.stem)
    try:
        data, width, height, m_per_px, overlay = display_image(path, metadata)
    except (OSError, ValueError, MemoryError, Image.DecompressionBombError) as problem:
        return (
            f'<figure class="quicklook"><figcaption><strong>{name}</strong><br>not shown: '
            f"{html.escape(type(problem).__name__)} reading the PNG<br>"
            f'<a href="products/{html.escape(path.name)}">image</a></figcaption></figure>'
        )
    t_start = metadata.get("t_start_s")
    when = utc(t_start) if t_start is not None else "time unknown"
    quality = metadata.get("quality_ok")
    facts = [f"<strong>{name}</strong>", when]
    centre = metadata.get("true_footprint", {}).get("centre")
    if centre:
        lat, lon = centre[0], (centre[1] + 180.0) % 360.0 - 180.0
        facts.append(
            f"centre {abs(lat):.3f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.3f}° {'E' if lon >= 0 else 'W'}"
        )
    if metadata.get("off_nadir_deg") is not None:
        facts.append(f"off-nadir {metadata['off_nadir_deg']:.1f}°")
    if metadata.get("gsd_cross_m") is not None:
        along = f" × {metadata['gsd_along_m']:.2f}" if "gsd_along_m" in metadata else ""
        facts.append(f"GSD {metadata['gsd_cross_m']:.2f}{along} m")
    if metadata.get("geolocation_error_m") is not None:
        facts.append(f"geolocation error {metadata['geolocation_error_m']:.0f} m")
    if quality is not None:
        facts.append("quality ok" if quality else "<strong>quality NOT ok</strong>")
    swath = metadata.get("swath_m")
    strip = metadata.get("strip_m")
    extent = f"{swath / 1000:.1f} km × {strip / 1000:.1f} km" if swath and strip else "extent unknown"
    alt = (
        f"Quicklook {path.stem} of request {metadata.get('request_id', '?')}, captured {when}, "
        f"{extent} on the ground shown with square pixels of {m_per_px:.0f} m, north arrow and scale bar"
        + ("" if quality is None else (", quality ok" if quality else ", quality not ok"))
    )
    link_json = path.with_suffix(".json")
    links = f'<a href="products/{html.escape(path.name)}">image</a>' + (
        f' · <a href="products/{html.escape(link_json.name)}">metadata</a>' if link_json.exists() else ""
    )
    return (
        f'<figure class="quicklook"><a class="frame" href="products/{html.escape(path.name)}">'
        f'<img alt="{html.escape(alt)}" width="{width}" height="{height}" '
        f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">{overlay}</a>'
        f"<figcaption>{'<br>'.join(facts)}<br>{extent}<br>{links}</figcaption></figure>"
    )
