"""Nothing lost: SIGKILL the flight software at random moments of captures and downlink, restart it.

A child process runs a mission into a folder (the Barents cluster of tests/zorka/test_imaging_chain.py,
a Svalbard station and a radio losing 5 % of frames each way; the first orbit's five captures fall
inside that station's pass, so products are stored and sent down while the next ones are taken). It
announces each product's SHA-256 before it is stored and says when the store returned, then the test
kills it (SIGKILL, fixed seed, a random moment of the ~1 s of wall time the captures and the downlink
take) and checks the folder as the restarted flight software and the ground would find it:

- the mass memory reopens with nothing lost or temporary; every product in it reads back whole, is
  byte for byte what the imager produced (its announced SHA-256) and parses as a PNG;
- every product whose store returned is still on board or on the ground: nothing is lost;
- every product on the ground (products/) is what was captured: its SHA-256 is the json's and the
  one announced, the PNG parses (CRCs checked) — no torn or corrupt product was ever delivered;
- a request is captured only when a product of it survives; a request whose product is absent is
  open, and a flight software restarted on the folder has it in its book's open requests (and, where a
  store was cut short, in its first plan).
"""

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flight.payload.mass_memory import MassMemory
from flight.payload.request_book import RequestBook, RequestState
from flight.software import MASS_MEMORY_BYTES
from tests.sim.test_imager import read_png
from tests.zorka.test_imaging_chain import SVALBARD, barents_targets, imaging_scenario_text
from zorka.run.mission import Mission
from zorka.scenario.toml_file import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261125
WINDOW_START_S = 1550.0  # just before the first capture (1569 s); the pass is 1366-1841 s
DURATION_S = 1900.0  # the fifth capture is stored ~1780 s and goes down within seconds
KILL_SPREAD_S = 0.3  # wall time from the window's start over which kills are spread (~0.4 s to the end)
PARALLEL = 2

CHILD = """
import hashlib, os, sys
from pathlib import Path
from zorka.run.mission import Mission
from zorka.scenario.toml_file import load_scenario

def say(*words):  # one write(2) per line: a kill cannot cut a line in two
    os.write(1, (" ".join(words) + "\\n").encode())

out, scenario = Path(sys.argv[1]), Path(sys.argv[2])
window_s, duration_s = float(sys.argv[3]), float(sys.argv[4])
mission = Mission(load_scenario(scenario), duration_s, out_dir=out)
memory = mission.flight.payload.memory
store, confirm = memory.store, memory.confirm

def announced_store(product_id, data, metadata):
    say("storing", product_id, hashlib.sha256(data).hexdigest())
    product = store(product_id, data, metadata)
    say("stored", product_id)
    return product

def announced_confirm(product_id):
    say("confirming", product_id)
    done = confirm(product_id)
    say("confirmed", product_id)
    return done

memory.store, memory.confirm = announced_store, announced_confirm
mission.run_frames(round(window_s / mission.frame_s))
say("window")
mission.run()
mission.close()
say("done")
"""


def run_and_kill(folder: Path, scenario: Path, kill: tuple[str, int, float] | None) -> list[list[str]]:
    """Run the child into `folder`; `kill` = (word, n, delay_s): SIGKILL it `delay_s` of wall time after
    its n-th announcement starting with `word` (None: let it finish). Its announcements, one list of
    words per line."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(scenario), str(WINDOW_START_S), str(DURATION_S)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines, seen = [], 0
    while True:
        line = child.stdout.readline().decode()
        if not line:
            break
        lines.append(line.split())
        if kill is not None and lines[-1][0] == kill[0]:
            seen += 1
            if seen == kill[1]:
                time.sleep(kill[2])
                os.kill(child.pid, signal.SIGKILL)
                break
    rest, _ = child.communicate(timeout=120)
    lines += [line.split() for line in rest.decode().splitlines() if line]
    if kill is not None:
        assert child.returncode == -signal.SIGKILL or lines[-1] == ["done"], child.returncode
    else:
        assert child.returncode == 0 and lines[-1] == ["done"]
    return lines


def check_folder(folder: Path, lines: list[list[str]]) -> dict:
    """The folder as a restarted flight software and the ground find it (see the module's list); what
    the kill interrupted."""
    announced = {w[1]: w[2] for w in lines if w[0] == "storing"}
    returned = {w[1] for w in lines if w[0] == "stored"}
    in_store = set(announced) - returned
    in_confirm = {w[1] for w in lines if w[0] == "confirming"} - {w[1] for w in lines if w[0] == "confirmed"}

    memory = MassMemory(folder / "mass_memory", MASS_MEMORY_BYTES)
    assert memory.lost == [] and not memory.index_was_corrupt
    assert not list((folder / "mass_memory").glob("*.tmp"))
    on_board = set(memory.pending())
    for product_id in on_board:
        data = memory.read(product_id)
        assert data is not None and hashlib.sha256(data).hexdigest() == announced[product_id]
        assert memory.product(product_id).metadata["request_id"] == product_id.rsplit("-", 1)[0]
        read_png(data)

    products = folder / "products"
    products.mkdir(exist_ok=True)
    on_ground = set()
    for png in products.glob("*.png"):
        data = png.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert digest == announced[png.stem], f"{png.stem}: the ground holds bytes that were never captured"
        record = png.with_suffix(".json")
        if record.exists():  # (a kill between the ground's two atomic writes leaves the json to come)
            assert json.loads(record.read_text())["sha256"] == digest
        read_png(data)
        on_ground.add(png.stem)
    assert {p.stem for p in products.glob("*.json")} <= on_ground, "metadata without its product"

    lost = returned - on_board - on_ground
    assert not lost, f"stored, then neither on board nor on the ground: {lost}"
    assert on_board <= set(announced) and on_ground <= set(announced)

    book = RequestBook(folder / "requests.json")
    assert book.load_status == "loaded"
    kept = {p.rsplit("-", 1)[0] for p in on_board | on_ground}
    for request_id, entry in book.entries.items():
        if entry.state == RequestState.CAPTURED:
            assert request_id in kept, f"{request_id} is captured, yet no product of it survives"
    absent = {p.rsplit("-", 1)[0] for p in in_store - on_board - on_ground}
    for request_id in absent - kept:
        assert book.entries[request_id].state in (RequestState.WAITING, RequestState.PLANNED)
    return {
        "in_store": bool(in_store),
        "in_confirm": bool(in_confirm),
        "absent": absent - kept,
        "on_board": on_board,
        "on_ground": on_ground,
    }


def check_restart(folder: Path, scenario: Path, absent: set[str]) -> None:
    """The flight software restarted on the folder: its book has every product-less request open, and
    when a store was cut short, the first plan has that request (or it waits to be planned)."""
    mission = Mission(load_scenario(scenario), DURATION_S, out_dir=folder)
    payload = mission.flight.payload
    open_ids = {r.id for r in payload.book.open_requests()}
    assert absent <= open_ids
    if absent:
        mission.run_frames(3000)
        assert payload.counts.plans >= 1
        planned = {c.request_id for c in payload.timeline}
        for request_id in absent:
            state = payload.book.entries[request_id].state
            assert request_id in planned or state == RequestState.WAITING
    mission.close()


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kill_scenario") / "scenario.toml"
    path.write_text(imaging_scenario_text(barents_targets(), [SVALBARD], frame_loss=0.05))
    return path


def kill_trials(tmp_path: Path, scenario: Path, trials: int) -> None:
    rng = random.Random(SEED)
    # A third of the kills at a random moment of the window; a third within 10 ms of the n-th store's
    # start, a third within 10 ms of the n-th confirmation's (the ground's Finished), so that kills do
    # land inside the writes, not only between them.
    kills = [
        ("window", 1, rng.uniform(0.0, KILL_SPREAD_S))
        if k % 3 == 0
        else ("storing" if k % 3 == 1 else "confirming", rng.randint(1, 5), rng.uniform(0.0, 0.01))
        for k in range(trials)
    ]
    folders = [tmp_path / f"trial{k:02d}" for k in range(trials)]
    for folder in folders:
        folder.mkdir()
    start = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        outputs = list(pool.map(lambda k: run_and_kill(folders[k], scenario, kills[k]), range(trials)))
    killed_s = time.perf_counter() - start
    tally = {
        "kills": 0,
        "in a store": 0,
        "in a confirm": 0,
        "products on board": 0,
        "products on ground": 0,
        "re-planned": 0,
    }
    for folder, lines in zip(folders, outputs, strict=True):
        found = check_folder(folder, lines)
        check_restart(folder, scenario, found["absent"])
        tally["kills"] += lines[-1] != ["done"]
        tally["in a store"] += found["in_store"]
        tally["in a confirm"] += found["in_confirm"]
        tally["products on board"] += len(found["on_board"])
        tally["products on ground"] += len(found["on_ground"])
        tally["re-planned"] += len(found["absent"])
    print(
        f"\n{trials} trials ({killed_s:.1f} s of runs, {time.perf_counter() - start:.1f} s in all): {tally}"
    )
    assert tally["kills"] >= trials - 2, "the kills were meant to land before the runs end"
    assert tally["in a store"] + tally["in a confirm"] >= 2, "some kills land inside the writes"
    assert tally["products on board"] > 0 and tally["products on ground"] > 0


def test_sigkill_during_captures_and_downlink_loses_nothing(tmp_path, scenario_file):
    """24 kills at random moments of the captures and the downlink (see the module docstring)."""
    kill_trials(tmp_path, scenario_file, 24)


@pytest.mark.slow
def test_sigkill_many_times_loses_nothing(tmp_path, scenario_file):
    """The same with 100 kills."""
    kill_trials(tmp_path, scenario_file, 100)


def test_an_uninterrupted_child_run_delivers_every_product(tmp_path, scenario_file):
    """The reference for the kills: the same child, not killed, stores five products and every one of
    them ends on the ground, verified, with nothing left on board."""
    lines = run_and_kill(tmp_path, scenario_file, None)
    found = check_folder(tmp_path, lines)
    stored = {w[1] for w in lines if w[0] == "stored"}
    assert len(stored) == 5 and found["on_ground"] == stored and not found["on_board"]
