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

import numpy as np
import pytest

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
    products = 0
    for sidecar in (run / "mass_memory").glob("*.json"):
        digest = hashlib.sha256(sidecar.with_suffix(".bin").read_bytes()).hexdigest()
        assert digest == read_checked(sidecar)["sha256"], sidecar.name
        products += 1
    booked = {row["request"]["id"] for row in read_checked(run / "requests.json")["requests"]}
    assert booked == {r["id"] for r in tomllib.loads(SCENARIO.read_text())["requests"]}
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
    return {
        "kills": len(restarts),
        "restarts": int(read_checked(run / "boot_count.json")["boots"]) - 1,
        "housekeeping_boots": int(boots[-1]),
        "faults": len(faults),
        "products": products,
    }


def printed(line: str) -> dict:
    """The figures of the soak's printed line."""
    found = re.search(r"(\d+) kills, (\d+) restarts, (\d+) faults, (\d+) products whole", line)
    return dict(zip(("kills", "restarts", "faults", "products"), map(int, found.groups()), strict=True))


def test_six_hours_with_three_kills_lose_nothing_and_count_every_restart(tmp_path):
    line = soak(tmp_path, "6h", kills=3, faults=3, seed=2)
    figures = derived(tmp_path)
    assert figures["kills"] == figures["restarts"] == 3 and figures["housekeeping_boots"] == 4
    assert printed(line) == {k: figures[k] for k in ("kills", "restarts", "faults", "products")}
    report = json.loads((tmp_path / "soak.json").read_text())
    assert report["problems"] == [] and report["kills"] == 3


@pytest.mark.slow
def test_a_week_with_twenty_kills_loses_nothing_and_counts_every_restart(tmp_path):
    line = soak(tmp_path, "7d", kills=20, faults=10, seed=1)
    figures = derived(tmp_path)
    assert figures["kills"] == figures["restarts"] == 20 and figures["housekeeping_boots"] == 21
    assert figures["faults"] == 10 and figures["products"] > 0
    assert printed(line) == {k: figures[k] for k in ("kills", "restarts", "faults", "products")}
    assert json.loads((tmp_path / "soak.json").read_text())["problems"] == []
