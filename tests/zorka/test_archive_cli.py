"""`zorka archive` on a short run's TM imported into an archive: `query` prints exactly the samples tm.bin
holds (decoded here independently with spacepackets and struct), within --from/--to; `packets` writes the
packets back byte for byte; `info` counts them; bad input is one line and exit 2."""

import csv
import io
import json
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime

import pytest
from spacepackets.ecss import PusTm

from ground.tm_store import parse_utc
from tests.ground.test_archive import split_packets
from tests.zorka.serve_process import ZORKA
from tests.zorka.test_archive_restarts import reference_samples
from zorka.cli import main
from zorka.outputs.dictionary_json import dictionary_json
from zorka.run.mission import Mission
from zorka.scenario.model import DEFAULT_SCENARIO, Scenario

RUN_S = 60.0


def zorka(*args: str) -> subprocess.CompletedProcess:
    """`zorka archive ARGS` run in this process (as its own process in the first query)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["archive", *args])
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


def zorka_process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ZORKA, "archive", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def dictionary() -> dict:
    mission = Mission(DEFAULT_SCENARIO, 1.0)
    mission.close()
    return json.loads(dictionary_json(mission.flight.dictionary))


@pytest.fixture(scope="module")
def imported(tmp_path_factory, dictionary):
    out = tmp_path_factory.mktemp("run")
    mission = Mission(Scenario(seed=3), RUN_S, out_dir=out)
    mission.run()
    mission.close()
    (out / "dict.json").write_text(json.dumps(dictionary))
    archive = out / "archive.sqlite"
    result = zorka("import", str(out), "--archive", str(archive), "--dict", str(out / "dict.json"))
    assert result.returncode == 0 and "imported" in result.stderr, result.stderr
    return out, archive


def query(archive, *args: str, run=zorka) -> list[tuple[float, float, str]]:
    result = run("query", *args, "--archive", str(archive))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and set(rows[0]) == {"onboard_utc", "onboard_unix_s", "received_utc", "value", "text"}
    assert all(parse_utc(row["onboard_utc"]) == float(row["onboard_unix_s"]) for row in rows)
    return [(parse_utc(row["onboard_utc"]), float(row["value"]), row["text"]) for row in rows]


def test_query_prints_the_samples_tm_bin_holds_within_the_range(imported, dictionary):
    out, archive = imported
    reference = sorted(reference_samples(out / "tm.bin", dictionary, "t_s"), key=lambda s: s[0])
    assert len(reference) >= RUN_S - 2
    assert [(t, v) for t, v, _ in query(archive, "t_s", run=zorka_process)] == reference
    low, high = reference[10][0], reference[20][0]
    iso = [datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z") for t in (low, high)]
    within = query(archive, "t_s", "--from", iso[0], "--to", iso[1])
    assert [(t, v) for t, v, _ in within] == [s for s in reference if low <= s[0] <= high]
    modes = query(archive, "adcs_mode")
    names = {
        v: k
        for k, v in next(p for p in dictionary["parameters"] if p["name"] == "adcs_mode")["values"].items()
    }
    assert all(text == names[int(value)] for _, value, text in modes)


def test_packets_are_written_back_byte_for_byte_and_info_counts_them(imported, tmp_path):
    out, archive = imported
    replay = tmp_path / "replay.bin"
    result = zorka("packets", "--out", str(replay), "--archive", str(archive))
    assert result.returncode == 0, result.stderr
    assert replay.read_bytes() == (out / "tm.bin").read_bytes()
    info = json.loads(zorka("info", "--archive", str(archive)).stdout)
    packets = sum(info["packets"].values())
    assert [s["program"] for s in info["sessions"]] == ["import"] and info["sessions"][0][
        "packets"
    ] == packets
    assert info["packets"].get("undecodable", 0) == 0 and packets > RUN_S


def test_bad_input_is_one_line_and_exit_2(imported, tmp_path):
    out, archive = imported
    cases = [
        (("query", "t_s", "--archive", str(tmp_path / "none.sqlite")), "no archive there"),
        (("query", "t_s", "--from", "yesterday", "--archive", str(archive)), "--from"),
        (("query", "no_such_parameter", "--archive", str(archive)), "no_such_parameter"),
        (("import", str(tmp_path), "--archive", str(archive)), "no tm.bin"),
        (("query", "t_s", "--archive", str(out / "tm.bin")), "not a Zorka archive"),
    ]
    for args, words in cases:
        result = zorka(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and words in result.stderr and "Traceback" not in result.stderr


def test_events_print_as_the_packets_of_service_5_hold_them(imported, dictionary):
    out, archive = imported
    names = {e["id"]: e["name"] for e in dictionary["events"]}
    expected = []
    for packet in split_packets((out / "tm.bin").read_bytes()):
        tm = PusTm.unpack(packet, timestamp_len=7)
        if tm.service == 5:
            data = bytes(tm.source_data)
            event_id = int.from_bytes(data[:2], "big")
            expected.append([str(event_id), names[event_id], data[3 : 3 + data[2]].decode()])
    result = zorka("events", "--archive", str(archive))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert expected and [[r["event_id"], r["name"], r["text"]] for r in rows] == expected
