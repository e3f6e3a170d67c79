"""report.html and telemetry.msgpack in run folders: a short default run, a run without telemetry, and an
imaging run whose products reach the ground. The page parses, loads nothing from outside itself (its
links go to the run folder's product files), and has every section (or says why a plot has no data).
The page in a real browser, and its figures re-derived: tests/zorka/test_report_page.py."""

import dataclasses
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from ground.archive import read_archive
from tests.ground.test_archive import split_packets
from tests.zorka.test_imaging_chain import SVALBARD, barents_targets, imaging_scenario
from tests.zorka.test_report_geometry import intervals, skyfield_shadow
from tests.zorka.test_report_page import read_oem, start_of
from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO, FaultSpec, Scenario

SECTIONS = (
    "summary", "map", "requests", "contacts", "timeline",
    "attitude", "wheels", "power", "adcs-mode", "quicklooks",
)  # fmt: skip
HOUSEKEEPING_PLOTS = ("wheels", "power", "adcs-mode")
IMAGING_RUN_S = 2400.0  # the first orbit's captures (~1,570–1,780 s) inside a Svalbard pass


class Page(HTMLParser):
    """What a test asks of the page: the sections and the images in each (plots are inline <svg
    role="img"> described by aria-label, quicklooks <img> described by alt), every src and href."""

    def __init__(self, text: str):
        super().__init__()
        self.images: dict[str, int] = {}
        self.sources: list[str] = []
        self.links: list[str] = []
        self.alts: list[str] = []
        self.figures = 0
        self.plots = 0
        self._section = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "section":
            self._section = named["id"]
            self.images[self._section] = 0
        if tag == "img" or (tag == "svg" and named.get("role") == "img"):
            self.images[self._section] += 1
            self.alts.append(named.get("alt" if tag == "img" else "aria-label") or "")
        if tag == "svg":
            self.plots += 1
        if tag == "figure":
            self.figures += 1
        self.sources += [value or "" for key, value in attrs if key == "src"]
        self.links += [value or "" for key, value in attrs if key == "href"]


def run_folder(mission: Mission, out: Path) -> Page:
    summary = mission.run()
    mission.close()
    write_run_folder(mission, summary, out)
    return Page((out / "report.html").read_text(encoding="utf-8"))


def assert_self_contained(page: Page, out: Path) -> None:
    """Every plot an inline SVG, well-formed XML too (a stricter reader than the browser's), and every
    image (the quicklooks) an inline PNG; every link within the page or to a file of the run folder;
    every image described."""
    assert page.plots and all(src.startswith("data:image/png;base64,") for src in page.sources)
    svgs = re.findall(r"<svg\b.*?</svg>", (out / "report.html").read_text(encoding="utf-8"), re.S)
    assert len(svgs) == page.plots and all(ElementTree.fromstring(svg) is not None for svg in svgs)
    outside = [link for link in page.links if not (link.startswith("#") or (out / link).is_file())]
    assert outside == []
    assert all(len(alt) > 30 for alt in page.alts), page.alts


def test_a_default_run_has_the_archive_and_a_report_with_every_plot(tmp_path):
    page = run_folder(Mission(Scenario(seed=7), 300.0, out_dir=tmp_path), tmp_path)
    assert tuple(page.images) == SECTIONS
    assert page.images["map"] == 1  # no station, no target: the world only
    assert all(page.images[plot] == 1 for plot in ("attitude", *HOUSEKEEPING_PLOTS)), page.images
    assert page.images["timeline"] == page.images["quicklooks"] == 0
    assert_self_contained(page, tmp_path)
    text = (tmp_path / "report.html").read_text()
    assert "attitude.error_deg.p99" in text and "the run had no imaging requests" in text
    assert "the run had no ground station" in text
    records = list(read_archive(tmp_path / "telemetry.msgpack"))
    assert len(records) == len(split_packets((tmp_path / "tm.bin").read_bytes()))


def test_a_run_without_telemetry_still_gets_a_report(tmp_path):
    """A mission without a folder of its own writes no tm.bin: no archive, and the housekeeping plots
    say there is none."""
    page = run_folder(Mission(Scenario(seed=7), 2.0), tmp_path)
    assert not (tmp_path / "telemetry.msgpack").exists()
    assert tuple(page.images) == SECTIONS
    assert page.images["map"] == page.images["attitude"] == 1
    assert all(page.images[plot] == 0 for plot in HOUSEKEEPING_PLOTS)
    assert "no wheel speeds in the downlinked housekeeping" in (tmp_path / "report.html").read_text()
    assert_self_contained(page, tmp_path)


def test_an_imaging_run_has_its_timeline_outcomes_and_a_quicklook_per_product(tmp_path):
    """Barents targets with a Svalbard pass: the timeline, the regional map, a quicklook per product,
    and a row per request whose outcomes add up to the onboard book's, each not captured with a reason."""
    scenario = imaging_scenario(barents_targets(), [SVALBARD], frame_loss=0.05)
    page = run_folder(Mission(scenario, IMAGING_RUN_S, out_dir=tmp_path), tmp_path)
    products = sorted((tmp_path / "products").glob("*.png"))
    assert len(products) >= 3
    assert page.images["timeline"] == 1 and page.images["map"] == 2
    assert page.images["quicklooks"] == page.figures == len(products)
    assert_self_contained(page, tmp_path)
    captures = [r for r in read_archive(tmp_path / "telemetry.msgpack") if r.get("name") == "capture_done"]
    assert len(captures) == len(products)
    summary = json.loads((tmp_path / "summary.json").read_text())
    text = (tmp_path / "report.html").read_text()
    rows = TableRows(text, "outcomes").rows
    assert len(rows) == summary["imaging"]["requested"] == len(barents_targets())
    outcomes = [row[4] for row in rows]
    assert outcomes.count("captured") == summary["imaging"]["requests"]["captured"]
    assert all(row[5] for row in rows if row[4] != "captured")
    tooltips = re.findall(r"<title>([^<]*)</title>", text)  # hovering a target on the maps names it
    assert all(sum(t.startswith(f"{row[0]}: {row[4]} (") for t in tooltips) == 2 for row in rows)
    assert_eclipses_match_skyfield(TableRows(text, "eclipses").rows, tmp_path / "truth.oem")


def test_failed_captures_are_told_apart_with_their_reason(tmp_path):
    """The built-in mission with its gyro made 3,000 times noisier before the first capture: every capture
    smears and fails quality. The page names each failed request with the onboard events' reason, its
    failed captures add up to the summary's, and each product on the ground says its quality failed."""
    scenario = dataclasses.replace(
        DEFAULT_SCENARIO, faults=(FaultSpec(device="gyro", kind="noisy", t_s=650.0, factor=3000.0),)
    )
    page = run_folder(Mission(scenario, 1000.0, out_dir=tmp_path), tmp_path)  # the captures end by ~930 s
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["imaging"]["captures_good"] == 0 and summary["imaging"]["captures_failed"] >= 3
    text = (tmp_path / "report.html").read_text()
    failed = [row for row in TableRows(text, "outcomes").rows if row[4] == "failed"]
    counts = [int(re.match(r"(\d+) failed capture\(s\), last: quality", row[5]).group(1)) for row in failed]
    assert sum(counts) == summary["imaging"]["captures_failed"]
    assert text.count("quality NOT ok") == page.figures == len(list((tmp_path / "products").glob("*.png")))
    assert f"0 good and {summary['imaging']['captures_failed']} failed capture(s)" in text


def assert_eclipses_match_skyfield(rows: list[list[str]], oem: Path) -> None:
    """The page's eclipse entries and exits within 1.5 s (it gives whole seconds) of those skyfield's
    DE421 sun and a spherical Earth give over truth.oem's positions; this run starts in one."""
    t_s, r_teme_m = read_oem(oem)
    truth = np.zeros((len(t_s), 4))
    truth[:, 0], truth[:, 1:4] = t_s, r_teme_m
    start = start_of(oem)
    expected = intervals(skyfield_shadow(truth, start)[0], t_s)
    assert len(rows) == len(expected) >= 1
    epoch = datetime(*start, tzinfo=UTC)
    for (entry, exit_, *_), (start_s, end_s) in zip(rows, expected, strict=True):
        for text, t_expected in ((entry, start_s), (exit_, end_s)):
            t_page = (
                datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) - epoch
            ).total_seconds()
            assert abs(t_page - t_expected) <= 1.5, (text, t_expected)


class TableRows(HTMLParser):
    """The text of each cell, row by row, of the page's table of class `css_class` (header rows left out)."""

    def __init__(self, text: str, css_class: str):
        super().__init__()
        self.css_class = css_class
        self.rows: list[list[str]] = []
        self._cells: list[str] | None = None
        self._in_table = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._in_table = dict(attrs).get("class") == self.css_class
        if self._in_table and tag == "tr":
            self._cells = []
        if self._cells is not None and tag == "td":
            self._cells.append("")

    def handle_data(self, data: str) -> None:
        if self._cells:
            self._cells[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._cells:
            self.rows.append([cell.strip() for cell in self._cells])
            self._cells = None
        if tag == "table":
            self._in_table = False


def test_a_run_stopped_before_its_first_frame_still_gets_a_report(tmp_path):
    """As `zorka run` interrupted at once: the summary of nothing, a report that says so."""
    mission = Mission(Scenario(seed=7), 60.0, out_dir=tmp_path)
    mission.close()
    write_run_folder(mission, mission.summary(), tmp_path)
    page = Page((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert tuple(page.images) == SECTIONS
    text = (tmp_path / "report.html").read_text()
    assert "the ground track of the run (none recorded)" in text and "the run simulated no frame" in text
