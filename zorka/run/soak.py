"""The soak: a long run of a scenario with random device faults, its `zorka run` process SIGKILLed at
random moments and resumed each time, then checked from the run's own files.

Faults are drawn from SOAK_FAULTS (faults FDIR is expected to ride out: at most one wheel, no dead star
tracker) at uniform times and appended to the scenario as `[[faults]]` tables. Kill moments are uniform
simulated times, up to KILL_ROOM_S before the end of the faults' span: the soak watches the checkpoint the
run writes (every ~10 simulated minutes, at the recorder's flushes, with no wall floor:
`--checkpoint-wall-s 0`), and once it has passed a kill's time it
waits a random fraction of a second more (so kills land anywhere between checkpoints, mid-write too)
and sends SIGKILL. All draws come from the soak's seed. Before each resume it notes the products whole in
the mass memory (bytes and a sidecar that vouches for them), so the check can find every one again.

`check_soak` reads the finished run folder: every product whole (its SHA-256 against its sidecar) and
none noted at a kill missing (in the mass memory, or received whole on the ground over the radio and
deleted on board); the request book holding every request of the scenario (and, over a radio, those
added by telecommand: zorka/run/soak_link.py); the schedule and parameter
stores whole (and, over a radio, holding what was commanded: zorka/run/soak_link.py); after every fault
and every restart a
housekeeping sample in NOMINAL within RECOVERY_LIMIT_S (or the next strike first, and then within that
of the last of them); the boot counter (store, last housekeeping,
summary) equal to the kills plus one.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flight.adcs.modes import Mode
from flight.boot_count import BOOT_SID
from flight.boot_count import FILE_NAME as BOOT_COUNT_NAME
from flight.checked_file import CorruptStoreError, read_checked
from flight.onboard_dictionary import HOUSEKEEPING_SID
from flight.payload.mass_memory import FOLDER_NAME as MASS_MEMORY
from ground.archive import read_archive
from zorka.outputs.run_folder import ARCHIVE_NAME
from zorka.run.assembly import FRAME_S
from zorka.run.checkpoint import CHECKPOINT_EVERY_S, CHECKPOINT_NAME, read_checkpoint
from zorka.run.radio_link import PRODUCTS_FOLDER as GROUND_PRODUCTS

SOAK_FAULTS = (
    {"device": "gyro", "kind": "noisy", "factor": 3.0},
    {"device": "gyro", "kind": "biased", "bias": [2e-5, -1e-5, 1e-5]},
    {"device": "magnetometer", "kind": "noisy", "factor": 5.0},
    {"device": "magnetometer", "kind": "dead"},
    {"device": "sun_sensor", "kind": "dead"},
    {"device": "gnss", "kind": "stuck"},
    {"device": "gnss", "kind": "dead"},
    {"device": "star_tracker", "kind": "noisy", "factor": 2.0},
    {"device": "wheels", "kind": "dead", "unit": 0},
)
"""Faults a soak may inject (device, kind and its figure; a wheel at most once)."""
KILL_EXTRA_WALL_S = 0.4
"""After the checkpoint passes a kill's simulated time, the kill waits up to this long more (uniform)."""
RECOVERY_LIMIT_S = 3600.0
"""FDIR must have the spacecraft in NOMINAL within this long of a fault or restart (unless another
strikes first: then within this long of the last one)."""
POLL_S = 0.05
SPAN = (0.03, 0.97)
"""Faults and kills fall in this fraction of the run, so the first segment boots and the last can end."""
KILL_ROOM_S = 2.0 * CHECKPOINT_EVERY_S
"""Kills fall this long before SPAN's end: the checkpoint after a kill's time comes within two checkpoint
intervals (600 simulated s and the recorder's next flush), so the resume never starts at the run's end."""


@dataclass
class SoakRun:
    """What the soak did: kills sent, restarts run, wall time, products noted whole at each kill."""

    kills_s: list[float] = field(default_factory=list)
    """Simulated time of the last checkpoint before each kill (where the resume picked up)."""
    wall_s: float = 0.0
    products_at_kills: dict[str, str] = field(default_factory=dict)
    """Product id -> SHA-256 of every product whole in the mass memory at some kill."""
    exit_code: int = 0


def soak_faults(rng: np.random.Generator, duration_s: float, count: int) -> list[dict]:
    """`count` faults from SOAK_FAULTS at uniform times of the run (at most one wheel), in time order."""
    menu = [f for f in SOAK_FAULTS if f["device"] != "wheels"]
    wheel = [f for f in SOAK_FAULTS if f["device"] == "wheels"]
    chosen = [menu[i] for i in rng.integers(0, len(menu), count)]
    if wheel and count:
        chosen[int(rng.integers(0, count))] = wheel[0]
    times = np.sort(rng.uniform(SPAN[0] * duration_s, SPAN[1] * duration_s, count))
    return [{**fault, "t_s": round(float(t), 1)} for fault, t in zip(chosen, times, strict=True)]


def fault_tables(faults: list[dict]) -> str:
    """The faults as `[[faults]]` tables of a scenario file."""
    lines = []
    for fault in faults:
        lines.append("\n[[faults]]")
        for key, value in fault.items():
            text = f'"{value}"' if isinstance(value, str) else repr(value)
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def products_whole(out_dir: Path) -> dict[str, str]:
    """Product id -> SHA-256 of each product in the mass memory whose bytes match its whole sidecar."""
    folder = out_dir / MASS_MEMORY
    whole = {}
    for sidecar in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            record = read_checked(sidecar)
            data = sidecar.with_suffix(".bin").read_bytes()
        except (OSError, CorruptStoreError):
            continue
        if hashlib.sha256(data).hexdigest() == record.get("sha256"):
            whole[sidecar.stem] = record["sha256"]
    return whole


def products_on_ground(out_dir: Path) -> dict[str, str]:
    """Product id -> SHA-256 of each product the ground received over the radio whose bytes (.png or
    .bin) match the SHA-256 of its record."""
    folder = out_dir / GROUND_PRODUCTS
    whole = {}
    for record_path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            record = json.loads(record_path.read_text())
            data = next(
                record_path.with_suffix(s).read_bytes()
                for s in (".png", ".bin")
                if record_path.with_suffix(s).is_file()
            )
        except (OSError, ValueError, StopIteration):
            continue
        if isinstance(record, dict) and hashlib.sha256(data).hexdigest() == record.get("sha256"):
            whole[record_path.stem] = record["sha256"]
    return whole


def _checkpoint_t_s(out_dir: Path) -> float:
    """Simulated time of the run's last checkpoint (0 before the first)."""
    if not (out_dir / CHECKPOINT_NAME).exists():
        return 0.0
    try:
        return read_checkpoint(out_dir)["frame"] * FRAME_S
    except ValueError:
        return 0.0


def run_soak(scenario: Path, out_dir: Path, duration_s: float, kills: int, seed: int, log=print) -> SoakRun:
    """The soak of `scenario` into `out_dir`: `zorka run` SIGKILLed at `kills` random moments and resumed."""
    rng = np.random.default_rng(seed)
    last_kill_s = max(SPAN[0] * duration_s, SPAN[1] * duration_s - KILL_ROOM_S)
    kill_times_s = np.sort(rng.uniform(SPAN[0] * duration_s, last_kill_s, kills))
    extra_wall_s = rng.uniform(0.0, KILL_EXTRA_WALL_S, kills)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "zorka", "run", str(scenario), "--duration", f"{duration_s}s"]
    command += ["--seed", str(seed), "--out", str(out_dir), "--quiet", "--checkpoint-wall-s", "0"]
    soak = SoakRun()
    start = time.perf_counter()
    resume: list[str] = []
    while True:
        process = subprocess.Popen(command + resume, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        next_kill = len(soak.kills_s)
        resumed_at_s = soak.kills_s[-1] if soak.kills_s else -1.0
        killed = False
        while process.poll() is None and next_kill < kills:
            t_s = _checkpoint_t_s(out_dir)
            if t_s >= kill_times_s[next_kill] and t_s > resumed_at_s:  # past its time, and booted
                time.sleep(extra_wall_s[next_kill])
                os.kill(process.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(POLL_S)
        _, errors = process.communicate()
        if killed and process.returncode == -signal.SIGKILL:
            soak.kills_s.append(_checkpoint_t_s(out_dir))
            soak.products_at_kills.update(products_whole(out_dir))
            log(f"kill {len(soak.kills_s)}/{kills}: resuming at t = {soak.kills_s[-1]:.0f} s")
            resume = ["--resume"]
            continue
        soak.exit_code = process.returncode
        if process.returncode != 0:
            log(errors.decode(errors="replace").strip())
        break
    soak.wall_s = time.perf_counter() - start
    return soak


def check_soak(out_dir: Path, scenario_request_ids: list[str], soak: SoakRun, summary: dict) -> dict:
    """The soak's figures, read from the run folder, and `problems`: what breaks the acceptance."""
    problems = []
    on_board = products_whole(out_dir)
    products = {**products_on_ground(out_dir), **on_board}
    lost = sorted(set(soak.products_at_kills) - set(products))
    changed = sorted(
        p for p in soak.products_at_kills if p in products and products[p] != soak.products_at_kills[p]
    )
    sidecars = len(list((out_dir / MASS_MEMORY).glob("*.json")))
    if lost or changed or sidecars != len(on_board):
        problems.append(
            f"products: {len(lost)} lost {lost}, {len(changed)} changed, {sidecars - len(on_board)} torn"
        )
    booked = sorted(row["request"]["id"] for row in read_checked(out_dir / "requests.json")["requests"])
    missing = sorted(set(scenario_request_ids) - set(booked))
    if missing or len(set(booked)) != len(booked):
        problems.append(f"the request book holds {booked}, not every scenario request once ({missing})")
    for store in ("schedule.json", "parameters.json"):
        if (out_dir / store).exists():
            try:
                read_checked(out_dir / store)
            except CorruptStoreError as problem:
                problems.append(str(problem))
    housekeeping = [r for r in read_archive(out_dir / ARCHIVE_NAME) if r["kind"] == "housekeeping"]
    records = [r["values"] for r in housekeeping if r["sid"] == HOUSEKEEPING_SID]
    t_hk = np.array([r["t_s"] for r in records])
    modes = np.array([r["adcs_mode"] for r in records])
    boots_hk = np.array([1] + [r["values"]["boot_count"] for r in housekeeping if r["sid"] == BOOT_SID])
    faults_s = [f["t_s"] for f in summary.get("faults", []) if f["injected"]]
    restarts_s = summary.get("restarts", {}).get("at_s", [])
    strikes = sorted([(t, "fault") for t in faults_s] + [(t, "restart") for t in restarts_s])
    nominal_s = t_hk[modes == Mode.NOMINAL]
    recovery_s, interrupted = [], 0
    for i, (t_s, what) in enumerate(strikes):
        later = nominal_s[nominal_s >= t_s]
        if len(later) == 0:
            problems.append(f"never NOMINAL again after the {what} at {t_s:.0f} s")
        elif i + 1 < len(strikes) and strikes[i + 1][0] < later[0]:
            interrupted += 1  # the next strike came first: its recovery is this one's too
        elif later[0] - t_s > RECOVERY_LIMIT_S:
            problems.append(f"NOMINAL only {later[0] - t_s:.0f} s after the {what} at {t_s:.0f} s")
        else:
            recovery_s.append(float(later[0] - t_s))
    boots = read_checked(out_dir / BOOT_COUNT_NAME)["boots"]
    restarts = summary.get("restarts", {}).get("count", 0)
    if not (boots == int(boots_hk[-1]) == restarts + 1 == len(soak.kills_s) + 1):
        problems.append(
            f"boots {boots} (store), {int(boots_hk[-1])} (housekeeping), restarts {restarts} (summary), "
            f"kills {len(soak.kills_s)}"
        )
    if np.any(np.diff(boots_hk) < 0) or np.any(np.diff(t_hk) <= 0):
        problems.append("the boot counter or onboard time goes backwards in tm.bin's housekeeping")
    return {
        "kills": len(soak.kills_s),
        "restarts": restarts,
        "boots": boots,
        "faults": len(faults_s),
        "recovered_to_nominal": len(recovery_s),
        "interrupted_by_the_next_strike": interrupted,
        "recovery_max_s": max(recovery_s, default=0.0),
        "products_whole": len(products),
        "products_on_ground": len(products) - len(on_board),
        "products_noted_at_kills": len(soak.products_at_kills),
        "wall_s": round(soak.wall_s, 1),
        "problems": problems,
    }
