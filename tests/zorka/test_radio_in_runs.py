"""The simulated radio in mission runs: off unless the scenario asks for it; when on, nothing crosses it
outside the passes, a command due before a pass waits for it, a mode command given by name in a
scenario file takes effect, the same seed gives the same frames, and bad [link] tables are one line."""

import json
import subprocess
import sys

import pytest
from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTm

from flight.adcs.modes import Mode
from ground.file_receiver import FileReceiver
from sim.radio import DOWN, UP
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO, CommandSpec, LinkSpec, Scenario, StationSpec
from zorka.scenario.toml_file import ScenarioError, default_scenario_text, scenario_from_toml

RUN_S = 1500.0  # holds Svalbard's first pass of the default orbit, 1,127-1,421 s
STATION = (StationSpec(),)


def _packets(stream: bytes) -> list[PusTm]:
    found, offset = [], 0
    while offset < len(stream):
        length = int.from_bytes(stream[offset + 4 : offset + 6], "big") + 7
        found.append(PusTm.unpack(stream[offset : offset + length], timestamp_len=7))
        offset += length
    return found


def test_without_a_link_table_a_run_has_no_radio(tmp_path):
    for scenario in (Scenario(), Scenario(ground_stations=STATION)):
        mission = Mission(scenario, 1.0, out_dir=tmp_path)
        summary = mission.run()
        mission.close()
        assert mission.radio_link is None and "link" not in summary
        assert mission.frame_hooks == [mission.devices.imager.record, mission._note_nadir_row]
        assert not mission.tm_listeners
    assert not (tmp_path / "tm_frames.bin").exists()


def test_nothing_crosses_the_radio_outside_the_passes_and_an_early_command_waits(tmp_path):
    mission = Mission(
        Scenario(ground_stations=STATION, link=LinkSpec(commands=(CommandSpec(t_s=60.0),))),
        RUN_S,
        out_dir=tmp_path,
    )
    radio = mission.radio_link.radio
    on_air: list[tuple[str, float]] = []
    transmit = radio.transmit

    def record(direction: str, t_s: float, raw: bytes) -> None:
        on_air.append((direction, t_s))
        transmit(direction, t_s, raw)

    radio.transmit = record
    summary = mission.run()
    mission.close()
    aos_s, los_s = mission.passes[0].aos_s, mission.passes[0].los_s
    assert {d for d, _ in on_air} == {DOWN, UP}
    assert all(aos_s <= t_s <= los_s for _, t_s in on_air)
    link = summary["link"]
    assert link["downlink"]["packets_stored"] > 1000 and link["downlink"]["packets_played_back"] > 1000
    assert link["downlink"]["packets_in_store_at_end"] > 0, "TM after the pass waits for the next"
    assert link["commands"] == {"sent": 1, "acknowledged": 1, "accepted": 1, "completed": 1, "failed": 0}
    replies = [tm for tm in _packets((tmp_path / "tm_ground.bin").read_bytes()) if tm.service == 17]
    assert len(replies) == 1
    epoch_unix_s = (mission.world.c.jd_epoch_utc - 2440587.5) * 86400.0
    reply_s = CdsShortTimestamp.unpack(replies[0].timestamp).as_unix_seconds() - epoch_unix_s
    assert aos_s <= reply_s <= aos_s + 5.0, "the ping went up at the start of the pass, not at 60 s"


def test_a_mode_command_by_name_in_a_scenario_file_takes_effect_in_the_pass(tmp_path):
    scenario = tmp_path / "mission.toml"
    scenario.write_text(
        'duration = "1500s"\n'
        "[[ground_stations]]\n"
        'name = "Svalbard"\n'
        "[link]\n"
        "downlink_kbps = 512\n"
        "[[link.commands]]\n"
        "t_s = 1200\n"
        'name = "set_adcs_mode"\n'
        'args = { mode = "SUN_SAFE" }\n'
    )
    out = tmp_path / "run"
    subprocess.run(
        [sys.executable, "-m", "zorka", "run", str(scenario), "--out", str(out), "--quiet"],
        check=True,
        capture_output=True,
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["link"]["commands"]["completed"] == 1
    assert summary["commanding"] == {"accepted": 1, "rejected": 0}
    frames = (out / "tm_frames.bin").read_bytes()
    assert frames and len(frames) % 1115 == 0
    verification = [tm for tm in _packets((out / "tm_ground.bin").read_bytes()) if tm.service == 1]
    assert {tm.message_subtype for tm in verification} >= {1, 7}


def test_the_mode_changes_when_the_command_arrives():
    command = CommandSpec(t_s=1200.0, name="set_adcs_mode", args={"mode": int(Mode.SUN_SAFE)})
    mission = Mission(Scenario(ground_stations=STATION, link=LinkSpec(commands=(command,))), 1300.0)
    mission.run()
    assert mission.flight.attitude.mode == Mode.SUN_SAFE


def test_the_same_seed_gives_the_same_frames_through_loss_and_delay(tmp_path):
    spec = LinkSpec(frame_loss=0.2, delay_s=0.25, commands=(CommandSpec(t_s=1200.0),))
    streams = []
    for name in ("a", "b"):
        out = tmp_path / name
        out.mkdir()
        mission = Mission(Scenario(seed=4, ground_stations=STATION, link=spec), RUN_S, out_dir=out)
        summary = mission.run()
        mission.close()
        streams.append((out / "tm_frames.bin").read_bytes())
    assert streams[0] == streams[1] and len(streams[0]) > 100 * 1115
    assert summary["link"]["commands"]["sent"] == 1 and summary["link"]["fop"]["acknowledged"] == 1


def test_through_half_the_frames_lost_every_command_goes_up_exactly_once():
    """The anti-replay window outlasts the lost frames: each leaves a gap in the ARSNs the spacecraft sees."""
    pings = tuple(CommandSpec(t_s=1100.0 + k, name="ping") for k in range(20))
    mission = Mission(Scenario(ground_stations=STATION, link=LinkSpec(frame_loss=0.5, commands=pings)), RUN_S)
    link = mission.run()["link"]
    assert link["uplink"]["frames_lost"] > 10
    assert link["uplink"]["packets_delivered"] == 20 and link["fop"]["acknowledged"] == 20
    assert "arsn_outside_window" not in link["uplink"]["rejected"] and link["fop"]["alerts"] == {}
    counters = mission.flight.application["link"].counters
    assert counters.commands == link["uplink"]["frames_accepted"] >= 20
    assert counters.errors == sum(link["uplink"]["rejected"].values())
    assert mission.flight.pus.acceptor.accepted == 20


def test_a_command_the_dictionary_does_not_know_stops_the_run_before_it_starts():
    for command, says in (
        (CommandSpec(name="pingg"), "link.commands[0]: unknown command 'pingg'"),
        (CommandSpec(name="set_adcs_mode", args={"mode": "UPSIDE_DOWN"}), "must be one of"),
        (CommandSpec(name="set_adcs_mode"), "takes the arguments (mode)"),
        (CommandSpec(name="ping", args={"x": 1}), "takes the arguments ()"),
    ):
        with pytest.raises(ValueError, match=r"link\.commands\[0\]") as caught:
            Mission(Scenario(ground_stations=STATION, link=LinkSpec(commands=(command,))), 1.0)
        assert says in str(caught.value) and "\n" not in str(caught.value)


def test_link_tables_speak_kbit_s_and_the_default_file_shows_the_link_of_the_built_in_mission():
    scenario = scenario_from_toml(
        "[[ground_stations]]\n[link]\ndownlink_kbps = 1000\nuplink_kbps = 2.4\nframe_loss = 0.05\n"
        "[[link.commands]]\nt_s = 5\nname = 'set_adcs_mode'\nargs = { mode = 'NOMINAL' }\n"
    )
    assert scenario.link.downlink_bps == 1e6 and scenario.link.uplink_bps == pytest.approx(2400.0)
    assert scenario.link.commands == (CommandSpec(5.0, "set_adcs_mode", {"mode": "NOMINAL"}),)
    text = default_scenario_text()
    assert "\n[link]\n" in text and "\ndownlink_kbps = 2000.0" in text and "# [[link.commands]]" in text
    assert "# Left out of a file: none (link off)." in text
    assert scenario_from_toml(text).link == LinkSpec()
    assert scenario_from_toml(text.replace("\n[link]\n", "\n[unused]\n").split("[unused]")[0]).link is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[link]\n", "link: needs a [[ground_stations]]"),
        ("[[ground_stations]]\n[link]\nframe_loss = 0.6", "link.frame_loss = 0.6: must be in [0, 0.5]"),
        ("[[ground_stations]]\n[link]\ndownlink_kbps = 0", "link.downlink_kbps = 0: must be in (0"),
        ("[[ground_stations]]\n[link]\ndownlink_bps = 9600", "link.downlink_bps = 9600: unknown key"),
        ("[[ground_stations]]\n[[link.commands]]\nt_s = -1", "link.commands[0].t_s = -1: must be in"),
        ("[[ground_stations]]\n[[link.commands]]\nargs = 3", "link.commands[0].args = 3: must be a table"),
        ("[[ground_stations]]\n[[link.commands]]\nargs = {a = [1]}", "link.commands[0].args.a = [1]"),
        ("[[ground_stations]]\n[[link.commands]]\nargs = {a = nan}", "must be a finite number"),
    ],
)
def test_each_bad_link_field_is_one_line_naming_it(text, says):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_toml(text, "mission.toml")
    assert str(caught.value).startswith("mission.toml: ") and says in str(caught.value)
    assert "\n" not in str(caught.value)


def _radio_looks(tmp_path, name: str) -> tuple[Mission, list]:
    """The built-in mission (captures, products downlinked over a pass) run in minutes, the radio's
    checkpoint state and the file receiver's contact clock after each."""
    out = tmp_path / name
    out.mkdir()
    mission = Mission(DEFAULT_SCENARIO, out_dir=out)
    looks = []
    while mission.flight.executive.frame < round(DEFAULT_SCENARIO.duration_s / mission.frame_s):
        mission.run_frames(600)
        link = mission.radio_link
        looks.append((link.checkpoint_state(), link.files.clock.contact_s))
    mission.close()
    return mission, looks


@pytest.mark.slow  # two 1,500 s missions; the default suite's pin of the built-in mission covers its pass
def test_quiet_frames_in_contact_run_without_a_poll_and_change_nothing(tmp_path, monkeypatch):
    """In contact, frames with nothing to send, nothing in the air and nothing due run fused without a
    poll; the next poll (or a checkpoint) catches up the downlink's bit clock and the file receiver's
    contact clock frame by frame. The reference polls every frame of the pass in full, as before: a file
    receiver that is never idle never lets the link go quiet. Same frames, packets, products, radio state
    at each minute and contact time."""
    quiet, quiet_looks = _radio_looks(tmp_path, "quiet")
    monkeypatch.setattr(FileReceiver, "idle", property(lambda receiver: False))
    polled, polled_looks = _radio_looks(tmp_path, "polled")
    assert quiet_looks == polled_looks
    for name in ("tm.bin", "tm_frames.bin", "tm_ground.bin"):
        assert (tmp_path / "quiet" / name).read_bytes() == (tmp_path / "polled" / name).read_bytes(), name
    received = quiet.radio_link.files.received
    assert len(received) == 5 and [p.sha256 for p in received] == [
        p.sha256 for p in polled.radio_link.files.received
    ]
    assert quiet_looks[-1][1] > 400.0  # seconds of contact: the pass was flown
    assert quiet._fused.frames_fused - polled._fused.frames_fused > 3000  # the pass's quiet frames, fused
