"""The report's quicklooks: each image product on the ground, in time order, shown with square ground
pixels, a scale bar and a north arrow, linked to its product file and metadata.

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


def display_image(path: Path, metadata: dict) -> tuple[bytes, int, int, float]:
    """The quicklook resampled to square ground pixels and to fit BOX_PX, with a scale bar and north
    arrow drawn on it; its PNG, width, height and metres per displayed pixel."""
    from PIL import Image, ImageDraw, ImageFont

    with Image.open(path) as opened:
        image = opened.convert("RGB")
    width, height = image.size
    cross_m = metadata.get("quicklook_pixel_cross_m") or 0.0
    along_m = metadata.get("quicklook_pixel_along_m") or cross_m
    if not cross_m:
        scale = min(BOX_PX[0] / width, BOX_PX[1] / height)
        shown = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.LANCZOS)
        return _png(shown), shown.width, shown.height, 0.0
    ground_w_m, ground_h_m = width * cross_m, height * along_m
    m_per_px = max(ground_w_m / BOX_PX[0], ground_h_m / BOX_PX[1])
    size = (max(1, round(ground_w_m / m_per_px)), max(1, round(ground_h_m / m_per_px)))
    shown = image.resize(size, Image.LANCZOS)
    draw = ImageDraw.Draw(shown)
    font = ImageFont.load_default(size=11)
    bar_m = nice_length_m(0.4 * ground_w_m)
    bar_px = bar_m / m_per_px
    x0, y0 = 8, size[1] - 12
    draw.rectangle((x0 - 3, y0 - 16, x0 + bar_px + 3, y0 + 5), fill=(255, 255, 255))
    draw.rectangle((x0, y0 - 2, x0 + bar_px, y0 + 2), fill=(0, 0, 0))
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    draw.text((x0, y0 - 15), label, fill=(0, 0, 0), font=font)
    corners = metadata.get("true_footprint", {}).get("corners")
    north = north_direction(corners) if corners and len(corners) == 4 else None
    if north is not None:
        r = max(6.0, min(12.0, size[0] / 6.0))  # the arrow's half length
        cx, cy = size[0] - r - 12, r + 12
        tip = (cx + north[0] * r, cy + north[1] * r)
        tail = (cx - north[0] * r, cy - north[1] * r)
        draw.ellipse((cx - r - 11, cy - r - 11, cx + r + 11, cy + r + 11), fill=(255, 255, 255, 255))
        draw.line((tail, tip), fill=(200, 0, 0), width=3)
        side = np.array([-north[1], north[0]]) * 0.4 * r
        back = np.array([cx + north[0] * 0.35 * r, cy + north[1] * 0.35 * r])
        draw.polygon([tip, tuple(back + side), tuple(back - side)], fill=(200, 0, 0))
        draw.text(
            (cx + north[0] * (r + 5) - 3, cy + north[1] * (r + 5) - 7), "N", fill=(200, 0, 0), font=font
        )
    return _png(shown), size[0], size[1], m_per_px


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
        data, width, height, m_per_px = display_image(path, metadata)
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
        f'<figure class="quicklook"><a href="products/{html.escape(path.name)}">'
        f'<img alt="{html.escape(alt)}" width="{width}" height="{height}" '
        f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}"></a>'
        f"<figcaption>{'<br>'.join(facts)}<br>{extent}<br>{links}</figcaption></figure>"
    )
