"""report.html of the built-in mission (`make run`'s: 25 min, five captures, a Matera pass, products
downlinked) opened in headless Debian chromium: no console error, nothing loaded from outside the page,
every section present and not empty, a screenshot of each in the test's temp folder; and the figures a
user reads re-derived independently: the contact table from truth.oem with skyfield's Earth rotation and
the WGS-84 station, the bytes down from the ground's own frame file, the eclipses with skyfield's
DE421 sun, the quicklooks' pixels square on the ground and in time order."""

import json
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import skyfield_data
from skyfield.api import Loader, wgs84
from skyfield.framelib import itrs
from skyfield.sgp4lib import TEME

from tests.headless_chromium import chromium_browser, open_page  # noqa: F401  (chromium_browser: a fixture)
from tests.zorka.test_report_geometry import skyfield_shadow
from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO

SECTIONS = (
    "summary", "map", "requests", "contacts", "timeline",
    "attitude", "wheels", "power", "adcs-mode", "quicklooks",
)  # fmt: skip
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # skyfield-data's finals2000A.all "has expired": harmless here
    LOAD = Loader(skyfield_data.get_skyfield_data_path(), expire=False)
    TS = LOAD.timescale()


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("default-run")
    mission = Mission(DEFAULT_SCENARIO, out_dir=out)
    summary = mission.run()
    mission.close()
    write_run_folder(mission, summary, out)
    return out


@pytest.fixture(scope="module")
def page(run, chromium_browser):  # noqa: F811
    loaded = open_page(chromium_browser, (run / "report.html").as_uri(), width_px=1280, height_px=900)
    requests: list[str] = []
    loaded.page.on("request", lambda request: requests.append(request.url))
    loaded.page.reload(wait_until="load")
    loaded.requests = requests
    return loaded


def table(page, selector: str) -> list[list[str]]:
    return page.page.eval_on_selector_all(
        f"{selector} tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )


def test_every_section_renders_clean_in_chromium(page, run, tmp_path):
    """No console error or uncaught exception, nothing fetched but the page and its inline images, each
    section with its heading and non-empty images (inline SVG plots, PNG quicklooks) or tables, every
    image laid out with a size and described; a screenshot of each section in tmp_path."""
    assert page.console_errors == []
    outside = [url for url in page.requests if not url.startswith(("file://", "data:"))]
    assert outside == []
    ids = page.page.eval_on_selector_all("main > section", "sections => sections.map(s => s.id)")
    assert tuple(ids) == SECTIONS
    for section in SECTIONS:
        content = page.page.eval_on_selector(
            f"#{section}",
            """s => ({heading: s.querySelector('h2').textContent,
                     images: Array.from(s.querySelectorAll('img, svg[role=img]')).map(i =>
                       i.tagName === 'svg'
                         ? [i.getBoundingClientRect().width, i.getBoundingClientRect().height,
                            i.getAttribute('aria-label')]
                         : [i.naturalWidth, i.naturalHeight, i.alt]),
                     cells: s.querySelectorAll('td').length,
                     noData: s.querySelectorAll('.no-data').length})""",
        )
        assert content["heading"] and content["noData"] == 0, (section, content)
        assert content["images"] or content["cells"], section
        for width, height, alt in content["images"]:
            assert width > 0 and height > 0 and len(alt) > 30 and alt != "plot", (section, alt)
        shot = page.screenshot(tmp_path / f"{section}.png", f"#{section}")
        assert shot.stat().st_size > 5000, section
    assert len(page.page.query_selector_all("#map svg[role=img]")) == 2  # the world and the region of the run


def test_the_contact_table_matches_the_truth_orbit_and_the_ground_files(page, run):
    """AOS and LOS within 1.5 s (the table gives whole seconds) and the maximum elevation within 0.1° of
    the elevation of truth.oem's positions seen from Matera (TEME → ITRS by skyfield, WGS-84 station);
    the bytes down are those in the ground's tm_frames.bin; the products delivered are those in
    products/."""
    t_s, r_teme_m = read_oem(run / "truth.oem")
    station = DEFAULT_SCENARIO.ground_stations[0]
    elevation_deg = elevations_deg(t_s, r_teme_m, station)
    up = elevation_deg >= station.min_elevation_deg
    rises = t_s[1:][np.diff(up.astype(int)) == 1]
    sets = t_s[1:][np.diff(up.astype(int)) == -1]
    assert len(rises) == len(sets) == 1
    rows = table(page, "table.contacts")
    head, (_, name, aos, los, _, max_el, down, products), total = rows[0], rows[1], rows[-1]
    assert len(rows) == 3 and head[2] == "AOS (UTC)" and name == station.name
    assert abs(seconds_of(aos) - rises[0]) <= 1.5 and abs(seconds_of(los) - sets[0]) <= 1.5
    assert float(max_el.rstrip("°")) == pytest.approx(elevation_deg.max(), abs=0.1)
    assert int(down.replace(",", "")) == (run / "tm_frames.bin").stat().st_size > 0
    assert sorted(products.split(", ")) == sorted(p.stem for p in (run / "products").glob("*.png"))
    assert total[-1] == "5"


def test_the_eclipses_on_the_page_match_skyfield(page, run):
    """The page's eclipses are those skyfield's DE421 sun and a spherical Earth give over truth.oem
    (the built-in mission flies in daylight: none)."""
    t_s, r_teme_m = read_oem(run / "truth.oem")
    rows = np.zeros((len(t_s), 4))
    rows[:, 0], rows[:, 1:4] = t_s, r_teme_m
    partial, _ = skyfield_shadow(rows, start_of(run / "truth.oem"))
    assert not partial.any()
    text = page.page.text_content("#eclipses")
    assert text.startswith("No eclipse during the run")
    assert "0 eclipse(s), 0.0 min in shadow" in page.page.text_content(".verdict")


def test_quicklooks_have_square_pixels_links_and_time_order(page, run):
    """Displayed width / height equals the ground swath / strip of each product (square ground pixels);
    the scale bar drawn over it is as long against the image as its label against the swath; each links
    to its product file; they come in capture time order."""
    figures = page.page.eval_on_selector_all(
        "figure.quicklook",
        "fs => fs.map(f => [f.querySelector('a').getAttribute('href'), f.querySelector('img').width,"
        " f.querySelector('img').height,"
        " f.querySelector('svg.overlay rect:nth-of-type(2)').getBBox().width,"
        " f.querySelector('svg.overlay text').textContent,"
        " f.querySelector('svg.overlay').viewBox.baseVal.width])",
    )
    assert len(figures) == 5
    starts = []
    for href, width, height, bar_px, bar_label, overlay_px in figures:
        product = run / href
        assert product.is_file() and product.suffix == ".png"
        metadata = json.loads(product.with_suffix(".json").read_text())["metadata"]
        ground_w = metadata["quicklook_width"] * metadata["quicklook_pixel_cross_m"]
        ground_h = metadata["quicklook_height"] * metadata["quicklook_pixel_along_m"]
        assert width / height == pytest.approx(ground_w / ground_h, rel=0.02)
        bar_m = float(bar_label.split()[0]) * (1000.0 if bar_label.endswith(" km") else 1.0)
        assert overlay_px == width and bar_px / width == pytest.approx(bar_m / ground_w, rel=0.02)
        starts.append(metadata["t_start_s"])
    assert starts == sorted(starts)


def test_the_summary_is_grouped_with_units_and_explains_settling(page):
    groups = page.page.eval_on_selector_all("table.summary caption", "cs => cs.map(c => c.textContent)")
    assert groups[:5] == ["Run", "Attitude", "Wheels", "Power", "Imaging"]
    attitude = {row[0]: row[1:] for row in table(page, "#summary-attitude")}
    assert attitude["pointing error · p99"][1] == "°" and re.fullmatch(
        r"0\.\d{1,4}", attitude["pointing error · p99"][0]
    )
    first = next(v for k, v in attitude.items() if k.startswith("initial acquisition"))
    last = next(v for k, v in attitude.items() if k.startswith("last return under"))
    assert float(first[0].replace(",", "")) < float(last[0].replace(",", ""))
    wheels = {row[0]: row[1:] for row in table(page, "#summary-wheels")}
    assert wheels["peak speed"][1] == "rpm"


def read_oem(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since the first epoch and TEME positions (m) of an OEM's data lines."""
    lines = [line.split() for line in path.read_text().splitlines() if re.match(r"\d{4}-\d\d-\d\dT", line)]
    times = [datetime.fromisoformat(line[0]).replace(tzinfo=UTC) for line in lines]
    t_s = np.array([(t - times[0]).total_seconds() for t in times])
    return t_s, np.array([[float(v) * 1000.0 for v in line[1:4]] for line in lines])


def start_of(path: Path) -> tuple:
    first = next(line for line in path.read_text().splitlines() if re.match(r"\d{4}-\d\d-\d\dT", line))
    t = datetime.fromisoformat(first.split()[0])
    return t.year, t.month, t.day, t.hour, t.minute


def elevations_deg(t_s: np.ndarray, r_teme_m: np.ndarray, station) -> np.ndarray:
    """Elevation of each position above the station's WGS-84 horizon (the ellipsoid normal)."""
    t = TS.utc(*start_of_default(), t_s)
    r_gcrs = np.einsum("jin,nj->ni", TEME.rotation_at(t), r_teme_m)
    r_itrs = np.einsum("ijn,nj->ni", itrs.rotation_at(t), r_gcrs)
    site = wgs84.latlon(station.lat_deg, station.lon_deg, station.alt_m)
    lat, lon = np.radians(station.lat_deg), np.radians(station.lon_deg)
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    los = r_itrs - site.itrs_xyz.m
    return np.degrees(np.arcsin(los @ up / np.linalg.norm(los, axis=1)))


def start_of_default() -> tuple:
    t = datetime.fromisoformat(DEFAULT_SCENARIO.epoch_utc.replace("Z", "+00:00"))
    return t.year, t.month, t.day, t.hour, t.minute


def seconds_of(text: str) -> float:
    """Seconds since the built-in mission's epoch of a table's 'YYYY-MM-DD HH:MM:SS' UTC."""
    t = datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    epoch = datetime.fromisoformat(DEFAULT_SCENARIO.epoch_utc.replace("Z", "+00:00"))
    return (t - epoch).total_seconds()
