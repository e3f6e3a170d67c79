"""Flight computer in the loop (issue 13, item 2): `zorka sim-server` owns the world and serves every
device as a simulated board on a pty; `zorka flight` runs the flight software alone, in its own
process, seeing the devices only through that pty, with its own authenticated ground link. The two
processes share nothing but the pty; this test is the ground on the link port.

The scenario images early: the orbit starts at the descending node in daylight and a target lies just
off the ground track, so the first plan captures it ~75 s into the run; the product (~85 kB PNG) goes
down over CFDP within seconds while the test's ground client is connected.

Real time on a shared 2-core machine: the issue asks for 0 missed deadlines (frames skipped) on an idle
machine, which the slow ten-minute test asserts. The short test runs in the default suite, where other
tests (or two CPU hogs, as it was checked with) may load the machine: it allows MAX_SKIPPED_LOADED
skipped frames and prints what it measured.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import tty
from pathlib import Path

import pytest

from ccsds.cfdp_carriage import CFDP_APID
from ccsds.sdls import SdlsSender, SecurityAssociation
from flight.link.link_parameters import SCID, TC_VCID, TM_FRAME_BYTES
from flight.payload.mass_memory import DATA_SUFFIX, FOLDER_NAME
from ground.file_receiver import FileReceiver
from ground.key_store import KeyStore
from ground.link import GroundLink
from ground.link_client import LinkClient
from hal.serial_link import SerialLink
from sim.devices.imager import METADATA_KEY
from tests.sim.test_imager import read_png
from zorka.run.board_devices import SERIAL_DEVICES
from zorka.serve.sim_server import boards_of

ZORKA = [sys.executable, "-m", "zorka"]
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = """\
seed = 3
epoch_utc = "2026-06-21T08:15:00Z"
[orbit]
true_anomaly_deg = 180.0  # the descending node, at 10:30 local time: daylight under the satellite
[start]
offset_deg = 1.0
rate_deg_s = [0.0, 0.0, 0.0]
[[requests]]
id = "EARLY"
lat_deg = -2.8  # just off the ground track, passed ~45 s after the epoch
lon_deg = 33.75
priority = 5
duration_s = 5
"""
SHORT_FLIGHT_S = 150.0  # ended by the test once the product is on the ground (~80 s)
PRODUCT_WAIT_S = 120.0
MAX_SKIPPED_LOADED = 10
"""Skipped frames the short test allows on a loaded machine (of ~850): 0 expected when idle."""
MAX_IMAGER_TIMEOUTS = 4
"""Imager requests the short test allows to time out on a loaded machine (0 expected when idle: the
board renders the product in the background and says `ready: false` meanwhile). The imager is a board of
its own (`--serial imager=pty`), as a payload computer would be: its traffic never holds up the ADCS
devices."""
IMAGER_CHUNKS = 32
"""A pty carries the product's 2 kB chunks in well under a millisecond each: 32 a second (~3 s for the
product) cost a few ms of a frame."""
GROUND_UPLINK_BYTES = 4000
"""File-transfer packets (ACKs, NAKs, Finished) the ground may send up per loop, every ~0.1 s."""


def start(*arguments: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*ZORKA, *arguments], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def line_starting(process: subprocess.Popen, prefix: str, timeout_s: float = 60.0) -> str:
    """The first line of `process`'s stdout that starts with `prefix`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line.strip()
    process.kill()
    raise AssertionError(f"no line {prefix!r}: {process.stderr.read()}")


def finish(process: subprocess.Popen, timeout_s: float = 60.0) -> str:
    """SIGTERM (if still running), wait, and its stderr; it must exit 0."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=timeout_s)
    assert process.returncode == 0, stderr
    return stderr


class Ground:
    """The test's ground station on `zorka flight --link-port`: TM in, image products received over
    CFDP into `folder`, their file-transfer answers sent back up."""

    def __init__(self, port: int, keys: Path, folder: Path):
        store = KeyStore(keys)
        sender = SdlsSender(SecurityAssociation(store.spi, store.key), segment_header=True)
        self.client = LinkClient(port, GroundLink(SCID, TC_VCID, TM_FRAME_BYTES, sender, store.reserve_arsn))
        assert self.client.wait_active(20.0), "no CLCW from the flight computer"
        self.files = FileReceiver(folder)
        self.tm_packets = 0
        self.open = True

    def step(self) -> None:
        """About 0.1 s of link: TM in, file-transfer packets up; `open` False once the flight closed it."""
        try:
            packets = self.client.receive(0.1)
        except ConnectionError:  # the flight computer's run ended
            self.open = False
            return
        for packet in packets:
            self.tm_packets += 1
            if int.from_bytes(packet[0:2], "big") & 0x7FF == CFDP_APID:
                self.files.receive(packet)
        for packet in self.files.poll(time.monotonic(), GROUND_UPLINK_BYTES):
            self.client.send(packet)

    def close(self) -> None:
        self.client.close()


def fly(tmp_path: Path, flight_s: float, end_early: bool) -> dict:
    """sim-server and flight on a pty, the test's ground on the link. With `end_early` both are stopped
    (SIGTERM) a few seconds after the product is on the ground, else the flight runs its duration.
    The two summaries, the product bytes the flight stored, the ground's product."""
    scenario = tmp_path / "early_imaging.toml"
    scenario.write_text(SCENARIO)
    world_dir, flight_dir, keys = tmp_path / "world", tmp_path / "flight", tmp_path / "keys.json"
    world = start(
        "sim-server", str(scenario), "--serial", "all=pty", "--serial", "imager=pty", "--out", str(world_dir)
    )
    flight = None
    ground = None
    try:
        adcs = line_starting(world, "zorka sim-server: serving gyro,").rsplit(" ", 1)[-1]
        imager = line_starting(world, "zorka sim-server: serving imager on").rsplit(" ", 1)[-1]
        flight = start(
            "flight", str(scenario), "--serial", f"all={adcs}", "--serial", f"imager={imager}",
            "--link-port", "0", "--keys", str(keys),
            "--duration", f"{flight_s:g}", "--out", str(flight_dir), "--imager-chunks", str(IMAGER_CHUNKS),
        )  # fmt: skip
        link = line_starting(flight, "zorka flight: authenticated link on 127.0.0.1:")
        ground = Ground(int(link.split("127.0.0.1:")[1].split(",")[0]), keys, tmp_path / "ground")
        stored: dict[str, bytes] = {}
        deadline = time.monotonic() + (PRODUCT_WAIT_S if end_early else flight_s + 60.0)
        while time.monotonic() < deadline and ground.open:
            ground.step()
            for path in (flight_dir / FOLDER_NAME).glob(f"*{DATA_SUFFIX}"):
                stored.setdefault(path.stem, path.read_bytes())  # written atomically: whole once there
            if end_early and ground.files.received:
                break
        assert ground.files.received, "no product reached the ground"
        settle_until = time.monotonic() + 3.0  # the Finished PDU goes up; the flight confirms and deletes
        while time.monotonic() < settle_until and ground.open:
            ground.step()
        finish(flight)
        finish(world)
    finally:
        if ground is not None:
            ground.close()
        for process in (flight, world):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    return {
        "world": json.loads((world_dir / "summary.json").read_text()),
        "flight": json.loads((flight_dir / "summary.json").read_text()),
        "stored": stored,
        "received": ground.files.received,
        "flight_dir": flight_dir,
        "world_dir": world_dir,
    }


def check_product(run: dict) -> None:
    """The ground's product is the flight's stored bytes, a PNG whose metadata names the request."""
    [product] = run["received"]
    data = product.data_path.read_bytes()
    assert run["stored"], "the flight's mass memory was never seen holding the product"
    assert data == run["stored"][product.product_id], "the ground's bytes differ from the flight's"
    assert product.sha256 == hashlib.sha256(data).hexdigest()
    pixels, text = read_png(data)
    metadata = json.loads(text[METADATA_KEY])
    assert metadata["request_id"] == "EARLY"
    assert pixels.size > 0


def check_summaries(run: dict) -> tuple[dict, dict]:
    flight, world = run["flight"], run["world"]
    assert flight["side"] == "flight" and world["side"] == "world"
    imaging = flight["imaging"]
    assert imaging["captured_ok"] == 1 and imaging["failed"] == 0
    realtime = flight["realtime"]
    assert realtime["frame_start_lateness"]["p99_ms"] is not None
    [serial, imager] = flight["serial"].values()
    assert {"gyro", "star_tracker", "wheels", "magnetorquers"} <= set(serial["devices"])  # as used
    assert "imager" not in serial["devices"]
    assert serial["timeouts"] == 0 and serial["bad_frames"] == 0
    assert serial["replies"] > 0 and serial["rtt_p99_ms"] is not None
    assert set(imager["devices"]) == {"board", "imager"} and imager["bad_frames"] == 0
    assert imager["timeouts"] <= MAX_IMAGER_TIMEOUTS
    assert flight["link"]["files"]["products_confirmed"] == 1
    assert world["attitude"]["error_deg"] is None and world["attitude"]["off_nadir_deg"]["max"] is not None
    for board in world["boards"].values():
        assert board["replies_error"] == 0 and board["watchdog_trips"] <= 1  # 1: the flight stopped first
    assert (run["world_dir"] / "truth.oem").exists() and (run["world_dir"] / "truth.aem").exists()
    assert (run["flight_dir"] / "tm.bin").stat().st_size > 0
    print(
        f"\nflight: {flight['sim_s']} s, frames late {realtime['frames_late']}, skipped "
        f"{realtime['frames_skipped']}, lateness {realtime['frame_start_lateness']}; ADCS board "
        f"{serial['replies']} round trips p50 {serial['rtt_p50_ms']} ms p99 {serial['rtt_p99_ms']} ms "
        f"max {serial['rtt_max_ms']} ms; imager timeouts {imager['timeouts']}; world ticks late "
        f"{world['realtime']['ticks_late']}, {world['realtime']['tick_start_lateness']}"
    )
    return flight, world


def test_short_bench_captures_an_image_and_downlinks_it_in_real_time(tmp_path):
    run = fly(tmp_path, SHORT_FLIGHT_S, end_early=True)
    check_product(run)
    flight, _ = check_summaries(run)
    assert flight["realtime"]["frames_skipped"] <= MAX_SKIPPED_LOADED


@pytest.mark.slow
def test_ten_minutes_in_real_time_with_an_image_and_no_missed_deadline(tmp_path):
    run = fly(tmp_path, 600.0, end_early=False)
    check_product(run)
    flight, world = check_summaries(run)
    assert flight["sim_s"] == 600.0
    assert flight["realtime"]["frames_skipped"] == 0
    assert world["sim_s"] >= 600.0


def test_flight_without_a_board_on_the_port_is_a_one_line_error(tmp_path):
    master, slave = os.openpty()  # a port where nobody answers
    tty.setraw(slave)
    path = os.ttyname(slave)
    try:
        done = subprocess.run(
            [*ZORKA, "flight", "--serial", f"all={path}", "--out", str(tmp_path / "f")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(master)
        os.close(slave)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"zorka flight: error: no board answers on {path}")
    missing = subprocess.run(
        [*ZORKA, "flight", "--serial", "all=/dev/zorka-absent", "--out", str(tmp_path / "g")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "cannot open serial port /dev/zorka-absent" in missing.stderr


def test_flight_needs_a_port_for_every_device(tmp_path):
    done = subprocess.run(
        [*ZORKA, "flight", "--serial", "gyro=/dev/null", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "argument --serial: no port for star_tracker" in done.stderr


@pytest.mark.parametrize("command", ["sim-server", "flight"])
def test_help(command):
    done = subprocess.run([*ZORKA, command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and f"usage: zorka {command}" in done.stdout


def test_sim_server_holds_the_world_until_the_first_device_request_then_runs_its_duration(tmp_path):
    world = start("sim-server", "--serial", "all=pty", "--duration", "2", "--out", str(tmp_path))
    link = None
    try:
        pty = line_starting(world, "zorka sim-server: serving gyro,").rsplit(" ", 1)[-1]
        link = SerialLink(pty, timeout_s=1.0)
        assert link.request("board", "ping")["msg"] == "ping.ok"  # not a device request: still waiting
        time.sleep(0.5)
        assert world.poll() is None
        assert link.request("gyro", "read")["msg"] == "read.ok"
        _, stderr = world.communicate(timeout=30)
        assert world.returncode == 0, stderr
    finally:
        if link is not None:
            link.close()
        if world.poll() is None:
            world.kill()
            world.wait()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["sim_s"] == 2.0 and summary["flight_waited_s"] >= 0.5
    assert summary["attitude"]["error_deg"] is None
    assert "DATA_START" in (tmp_path / "truth.aem").read_text()


def test_each_pty_assignment_is_a_board_of_its_own_and_a_later_assignment_wins():
    rest = [d for d in SERIAL_DEVICES if d != "imager"]
    assert boards_of([(["all"], "pty"), (["imager"], "pty")]) == [
        ("pty", 115200, rest),
        ("pty", 115200, ["imager"]),
    ]
    line = "/dev/ttyUSB0@460800"
    assert boards_of([(["wheels"], line), (["gyro"], line)]) == [("/dev/ttyUSB0", 460800, ["gyro", "wheels"])]
    with pytest.raises(ValueError, match="/dev/ttyUSB0 is given at 460800 and at 115200 baud"):
        boards_of([(["wheels"], line), (["gyro"], "/dev/ttyUSB0")])
