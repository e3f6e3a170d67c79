"""report.html and telemetry.msgpack in run folders: a short default run, a run without telemetry, and an
imaging run whose products reach the ground. The page parses, refers to nothing outside itself, and has
every plot section (or says why a plot has no data)."""

from html.parser import HTMLParser
from pathlib import Path

from ground.archive import read_archive
from tests.ground.test_archive import split_packets
from tests.zorka.test_imaging_chain import SVALBARD, barents_targets, imaging_scenario
from zorka.outputs.run_folder import write_run_folder
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

PLOTS = ("ground-track", "attitude-error", "wheel-speeds", "battery", "adcs-mode")
SECTIONS = ("summary", *PLOTS, "imaging", "thumbnails")
IMAGING_RUN_S = 2400.0  # the first orbit's captures (~1,570–1,780 s) inside a Svalbard pass


class Page(HTMLParser):
    """What a test asks of the page: the sections and the images in each, every src and href."""

    def __init__(self, text: str):
        super().__init__()
        self.images: dict[str, int] = {}
        self.links: list[str] = []
        self.figures = 0
        self._section = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "section":
            self._section = named["id"]
            self.images[self._section] = 0
        if tag == "img":
            self.images[self._section] += 1
        if tag == "figure":
            self.figures += 1
        self.links += [value or "" for key, value in attrs if key in ("src", "href")]


def run_folder(mission: Mission, out: Path) -> Page:
    summary = mission.run()
    mission.close()
    write_run_folder(mission, summary, out)
    return Page((out / "report.html").read_text(encoding="utf-8"))


def assert_self_contained(page: Page) -> None:
    assert page.links
    outside = [link for link in page.links if not link.startswith(("data:", "#"))]
    assert outside == []


def test_a_default_run_has_the_archive_and_a_report_with_every_plot(tmp_path):
    page = run_folder(Mission(Scenario(seed=7), 300.0, out_dir=tmp_path), tmp_path)
    assert tuple(page.images) == SECTIONS
    assert all(page.images[plot] == 1 for plot in PLOTS), page.images
    assert page.images["imaging"] == page.images["thumbnails"] == 0
    assert_self_contained(page)
    text = (tmp_path / "report.html").read_text()
    assert "attitude.error_deg.p99" in text and "the run had no imaging requests" in text
    records = list(read_archive(tmp_path / "telemetry.msgpack"))
    assert len(records) == len(split_packets((tmp_path / "tm.bin").read_bytes()))


def test_a_run_without_telemetry_still_gets_a_report(tmp_path):
    """A mission without a folder of its own writes no tm.bin: no archive, and the housekeeping plots
    say there is none."""
    page = run_folder(Mission(Scenario(seed=7), 2.0), tmp_path)
    assert not (tmp_path / "telemetry.msgpack").exists()
    assert tuple(page.images) == SECTIONS
    assert page.images["ground-track"] == page.images["attitude-error"] == 1
    assert page.images["wheel-speeds"] == page.images["battery"] == page.images["adcs-mode"] == 0
    assert "no such housekeeping in the downlinked telemetry" in (tmp_path / "report.html").read_text()
    assert_self_contained(page)


def test_an_imaging_run_has_its_timeline_and_a_thumbnail_per_product(tmp_path):
    scenario = imaging_scenario(barents_targets(), [SVALBARD], frame_loss=0.05)
    page = run_folder(Mission(scenario, IMAGING_RUN_S, out_dir=tmp_path), tmp_path)
    products = sorted((tmp_path / "products").glob("*.png"))
    assert len(products) >= 3
    assert page.images["imaging"] == 1
    assert page.images["thumbnails"] == page.figures == len(products)
    assert_self_contained(page)
    captures = [r for r in read_archive(tmp_path / "telemetry.msgpack") if r.get("name") == "capture_done"]
    assert len(captures) == len(products)


def test_a_run_stopped_before_its_first_frame_still_gets_a_report(tmp_path):
    """As `zorka run` interrupted at once: the summary of nothing, a report that says so."""
    mission = Mission(Scenario(seed=7), 60.0, out_dir=tmp_path)
    mission.close()
    write_run_folder(mission, mission.summary(), tmp_path)
    page = Page((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert tuple(page.images) == SECTIONS
    assert "the run recorded no orbit" in (tmp_path / "report.html").read_text()
