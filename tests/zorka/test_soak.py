"""`zorka soak`: a scenario run with random device faults while its `zorka run` process is SIGKILLed and
resumed, checked here again from the run's own files (the mass memory, the stores, the housekeeping in
tm.bin, the summary) against the line the soak prints."""

import hashlib
import itertools
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import msgpack
import numpy as np
import pytest

from flight.adcs.tunables import TUNABLES as ADCS_TUNABLES
from flight.boot_count import BOOT_SID
from flight.checked_file import read_checked
from ground.archive import read_archive

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "soak_week.toml"
SUN_SAFE, NOMINAL = 1, 2
RECOVERY_LIMIT_S = 3600.0  # FDIR has the spacecraft back in NOMINAL within an hour of the last strike


def soak(out: Path, duration: str, kills: int, faults: int, seed: int) -> str:
    command = [sys.executable, "-m", "zorka", "soak", str(SCENARIO), "--duration", duration]
    command += ["--kills", str(kills), "--faults", str(faults), "--seed", str(seed), "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def derived(out: Path) -> dict:
    """The soak's figures from the run folder alone; AssertionError where the acceptance fails."""
    run = out / "run"
    summary = json.loads((run / "summary.json").read_text())
    products = set()
    for sidecar in (run / "mass_memory").glob("*.json"):
        digest = hashlib.sha256(sidecar.with_suffix(".bin").read_bytes()).hexdigest()
        assert digest == read_checked(sidecar)["sha256"], sidecar.name
        products.add(sidecar.stem)
    for record in (run / "products").glob("*.json"):  # received on the ground, deleted on board
        data = next(
            record.with_suffix(s).read_bytes() for s in (".png", ".bin") if record.with_suffix(s).exists()
        )
        assert hashlib.sha256(data).hexdigest() == json.loads(record.read_text())["sha256"], record.name
        products.add(record.stem)
    hk = [r for r in read_archive(run / "telemetry.msgpack") if r["kind"] == "housekeeping"]
    t_s, modes = (np.array([r["values"][k] for r in hk if r["sid"] == 1]) for k in ("t_s", "adcs_mode"))
    boot_reports = [r["values"] for r in hk if r["sid"] == BOOT_SID]
    boots = np.array([b["boot_count"] for b in boot_reports])
    assert np.all(np.diff(t_s) > 0) and np.all(np.diff(boots) >= 0)
    faults = [f["t_s"] for f in summary["faults"] if f["injected"]]
    assert len(faults) == len(tomllib.loads((out / "soak_scenario.toml").read_text())["faults"])
    restarts = summary["restarts"]["at_s"]
    for boot, restart_s in enumerate(restarts, start=2):
        assert modes[t_s >= restart_s][0] == SUN_SAFE  # each restart boots in SUN_SAFE ...
        first_s = min(b["t_s"] for b in boot_reports if b["boot_count"] == boot)
        assert restart_s < first_s <= restart_s + 10.0  # ... and reports its boot count every 10 s
    nominal_s = t_s[modes == NOMINAL]
    strikes = sorted(faults + restarts)
    for strike_s, next_s in itertools.pairwise([*strikes, np.inf]):
        back_s = nominal_s[nominal_s >= strike_s][0]  # IndexError: never NOMINAL again
        assert back_s <= strike_s + RECOVERY_LIMIT_S or next_s < back_s, f"NOMINAL only at {back_s} s"
    commanded = commanded_and_held(out)
    return {
        **commanded,
        "kills": len(restarts),
        "restarts": int(read_checked(run / "boot_count.json")["boots"]) - 1,
        "housekeeping_boots": int(boots[-1]),
        "faults": len(faults),
        "products": len(products),
    }


def commanded_and_held(out: Path) -> dict:
    """The soak's commands (soak_scenario.toml, in time order), what the ground heard of them (its
    journal), and the stores holding them: each late schedule insert that completed held exactly once,
    no insert twice, each tunable at its last completed value or a later one never reported."""
    run = out / "run"
    commands = sorted(
        tomllib.loads((out / "soak_scenario.toml").read_text())["link"]["commands"], key=lambda c: c["t_s"]
    )
    outcomes = {
        int(k): v for k, v in msgpack.unpackb((run / "ground_link.msgpack").read_bytes())["outcomes"].items()
    }
    schedule = run / "schedule.json"
    held = [tuple(a) for a in read_checked(schedule)["activities"]] if schedule.exists() else []
    summary = json.loads((run / "summary.json").read_text())
    epoch_ms = 24_643 * 86_400_000  # 2025-06-21 (soak_week.toml's epoch) in ms since 1958-01-01
    end_ms = epoch_ms + summary["sim_s"] * 1000.0
    late_done = 0
    for i, command in enumerate(commands):
        if command["name"] != "schedule_insert":
            continue
        args = command["args"]
        entry = (args["days"] * 86_400_000 + args["ms_of_day"], args["tc"])
        assert held.count(entry) <= 1, f"insert {i} held {held.count(entry)} times"
        if outcomes.get(i) == "completed" and entry[0] > end_ms:
            assert held.count(entry) == 1, f"insert {i} completed and due after the run, not held"
            late_done += 1
        if entry[0] <= end_ms:
            assert held.count(entry) == 0, f"insert {i} released at {entry[0]} ms still held"
    parameters = run / "parameters.json"
    values = read_checked(parameters)["values"] if parameters.exists() else {}
    booked = {row["request"]["id"] for row in read_checked(run / "requests.json")["requests"]}
    adds = {
        i: str(c["args"]["request_id"]) for i, c in enumerate(commands) if c["name"] == "imaging_request_add"
    }
    added = {adds[i] for i in adds if outcomes.get(i) == "completed"}
    unheard = {adds[i] for i in adds if outcomes.get(i, "accepted") == "accepted"}
    scenario_ids = {r["id"] for r in tomllib.loads(SCENARIO.read_text())["requests"]}
    assert scenario_ids | added <= booked <= scenario_ids | added | unheard
    assert all(outcomes.get(i) != "failed" for i in adds)  # a second execution would fail: the id is taken
    names = {200: "battery_reserve_soc"} | {t.id: t.name for t in ADCS_TUNABLES}
    for name in ("battery_reserve_soc", "auto_nominal_hold_s"):
        sets = [
            i
            for i, c in enumerate(commands)
            if c["name"] == "parameters_set" and names[c["args"]["parameter_id"]] == name
        ]
        done = [i for i in sets if outcomes.get(i) == "completed"]
        if not done:
            continue
        unheard = [i for i in sets if outcomes.get(i, "accepted") == "accepted"]  # no final report
        allowed = {commands[i]["args"]["value"] for i in unheard if i > done[-1]}
        allowed.add(commands[done[-1]]["args"]["value"])
        assert values[name] in allowed, (name, values[name], allowed)
    return {
        "commands": len(commands),
        "completed": sum(1 for o in outcomes.values() if o == "completed"),
        "late_inserts_held": late_done,
        "requests_added": len(added),
        "passes_lost": summary["link"].get("outages", {}).get("passes_lost", 0),
    }


PRINTED = ("kills", "restarts", "faults", "products", "commands", "completed", "passes_lost")


def printed(line: str) -> dict:
    """The figures of the soak's printed line."""
    found = re.search(
        r"(\d+) kills, (\d+) restarts, (\d+) faults, (\d+) products whole, (\d+) commands "
        r"\((\d+) completed\), (\d+) passes lost",
        line,
    )
    return dict(zip(PRINTED, map(int, found.groups()), strict=True))


def test_six_hours_with_three_kills_lose_nothing_and_count_every_restart(tmp_path):
    line = soak(tmp_path, "6h", kills=3, faults=3, seed=2)
    figures = derived(tmp_path)
    assert figures["kills"] == figures["restarts"] == 3 and figures["housekeeping_boots"] == 4
    assert printed(line) == {k: figures[k] for k in PRINTED}
    assert figures["completed"] > 0
    report = json.loads((tmp_path / "soak.json").read_text())
    assert report["problems"] == [] and report["kills"] == 3


@pytest.mark.slow
def test_a_week_with_twenty_kills_loses_nothing_and_counts_every_restart(tmp_path):
    line = soak(tmp_path, "7d", kills=20, faults=10, seed=1)
    figures = derived(tmp_path)
    assert figures["kills"] == figures["restarts"] == 20 and figures["housekeeping_boots"] == 21
    assert figures["faults"] == 10 and figures["products"] > 0
    assert figures["passes_lost"] > 0 and figures["late_inserts_held"] > 0 and figures["completed"] > 0
    assert figures["requests_added"] > 0
    assert printed(line) == {k: figures[k] for k in PRINTED}
    assert json.loads((tmp_path / "soak.json").read_text())["problems"] == []
