"""Telecommands into a running mission and its telemetry stream, decoded by spacepackets (an independent
decoder): a ping is answered, a mode command changes the ADCS mode and is verified, the run's tm.bin
holds nothing but well-formed PUS packets, and `zorka dict` exports what the flight software declares."""

import json
import subprocess
import sys

from spacepackets.ecss import PusTc, PusTm

from flight.adcs.modes import Mode
from flight.software import APID
from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

CDS_SHORT_BYTES = 7


def packets(stream: bytes) -> list[PusTm]:
    """Split a raw concatenated space-packet stream by the primary headers' length fields."""
    found, i = [], 0
    while i < len(stream):
        length = int.from_bytes(stream[i + 4 : i + 6], "big") + 7
        found.append(PusTm.unpack(stream[i : i + length], timestamp_len=CDS_SHORT_BYTES))
        i += length
    assert i == len(stream), "the stream ends inside a packet"
    return found


def test_ping_and_a_mode_command_through_a_run_with_its_tm_stream_decoded(tmp_path):
    mission = Mission(Scenario(seed=9), 60.0, out_dir=tmp_path)
    mission.run_frames(100)
    assert mission.flight.accept_telecommand(
        PusTc(apid=APID, service=17, message_subtype=1, seq_count=1).pack()
    )
    set_mode = mission.flight.dictionary.commands["set_adcs_mode"]
    data = set_mode.encode({"mode": int(Mode.SUN_SAFE)})
    mode_tc = PusTc(apid=APID, service=8, message_subtype=1, app_data=data, seq_count=2)
    assert mission.flight.accept_telecommand(mode_tc.pack())
    mission.run()
    mission.close()
    assert mission.flight.attitude.mode == Mode.SUN_SAFE
    tm = packets((tmp_path / "tm.bin").read_bytes())
    kinds = {(p.service, p.message_subtype) for p in tm}
    assert {(17, 2), (1, 1), (1, 7), (3, 25)} <= kinds
    assert mission.summary()["commanding"] == {"accepted": 2, "rejected": 0}
    counts = [p.seq_count for p in tm if p.apid == tm[0].apid]
    assert counts == list(range(counts[0], counts[0] + len(counts)))


def test_zorka_dict_exports_json_and_xtce():
    json_text = subprocess.run(
        [sys.executable, "-m", "zorka", "dict"], capture_output=True, text=True, check=True
    )
    exported = json.loads(json_text.stdout)
    assert exported["apid"] == APID
    assert {"set_adcs_mode", "ping"} <= {c["name"] for c in exported["commands"]}
    xml = subprocess.run(
        [sys.executable, "-m", "zorka", "dict", "--xtce"], capture_output=True, text=True, check=True
    )
    assert xml.stdout.startswith("<?xml") and "SpaceSystem" in xml.stdout
