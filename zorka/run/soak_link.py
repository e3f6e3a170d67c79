"""The soak's radio: a `[link]` with outages and seeded telecommands over the run, and the check, from the
run's own files, that the spacecraft holds what the ground commanded.

The commands (all draws from the soak's seed): parameter sets (PUS 20) of SOAK_TUNABLES, each to a
value of its safe menu; time-tagged schedule inserts (PUS 11) of a ping, most released days after the
run ends (they must still be scheduled then, once each), a few within it (they must be gone); imaging
request adds (service 200) of targets from ADD_TARGETS (they must be in the request book). They are
queued at uniform times and go up through FOP-1 in the passes the outages leave.

`check_commands` takes the verification outcomes the ground journaled (zorka/run/radio_link.py: the
ground's record survives the kills) and holds the stores to them: each tunable with a completed set is,
in parameters.json, the value of its last completed set, or of a later set whose outcome the ground
never heard (executed, its report lost at a kill or still to come); the schedule holds every completed
insert released after the run exactly once, none released within it, and nothing the soak did not
insert; the request book holds the scenario's requests and every completed add, and no add failed (a
second execution of one would: its id is taken).
"""

import datetime as dt
import math
from pathlib import Path

import msgpack
import numpy as np
from spacepackets.ecss import PusTc

from flight.adcs.tunables import TUNABLES as ADCS_TUNABLES
from flight.checked_file import CorruptStoreError, read_checked
from flight.onboard_dictionary import APID
from flight.payload.tunables import TUNABLES as PAYLOAD_TUNABLES
from zorka.run.radio_link import GROUND_JOURNAL

SOAK_LINK = {"downlink_kbps": 2000.0, "uplink_kbps": 64.0, "frame_loss": 0.02, "pass_loss": 0.2}
"""The soak's radio: 2 % of frames lost each way, one pass in five lost whole."""
SOAK_TUNABLES = {
    "battery_reserve_soc": (0.2, 0.25, 0.3, 0.35),
    "auto_nominal_hold_s": (30.0, 60.0, 90.0, 120.0),
}
"""Tunables the soak sets, and the values it may set them to (none slows FDIR beyond its hour)."""
SETS_PER_DAY = 3.0
LATE_INSERTS_PER_DAY = 1.0
EARLY_INSERTS_PER_DAY = 0.5
LATE_RELEASE_S = (86400.0, 5 * 86400.0)
"""A late insert is released this long after the run ends."""
EARLY_RELEASE_S = (3600.0, 6 * 3600.0)
"""An early insert is released this long after it is queued (within the run if it goes up in time)."""
ADDS_PER_DAY = 1.0
ADD_TARGETS = ((47.9, 33.4), (-31.5, -60.8), (38.6, -121.5), (23.5, 90.3), (-33.9, 18.9), (52.2, 5.5))
"""Farmland and cities (latitude, longitude in degrees) that imaging request adds point at."""
REQUEST_ID_BASE = 5000
PING_SEQUENCE_BASE = 9000
SPAN = (0.03, 0.9)
CDS_EPOCH = dt.datetime(1958, 1, 1, tzinfo=dt.UTC)


def _tunable_ids() -> dict[str, int]:
    return {t.name: t.id for t in (*ADCS_TUNABLES, *PAYLOAD_TUNABLES)}


def _epoch(epoch_utc: str) -> dt.datetime:
    return dt.datetime.fromisoformat(epoch_utc.replace("Z", "+00:00"))


def soak_commands(rng: np.random.Generator, duration_s: float, epoch_utc: str) -> list[dict]:
    """The soak's telecommands as `[[link.commands]]` rows (t_s, name, args), in time order."""
    days = duration_s / 86400.0
    ids = _tunable_ids()
    rows = []
    names = sorted(SOAK_TUNABLES)
    for _ in range(max(2, round(SETS_PER_DAY * days))):
        name = names[int(rng.integers(0, len(names)))]
        value = SOAK_TUNABLES[name][int(rng.integers(0, len(SOAK_TUNABLES[name])))]
        args = {"parameter_id": ids[name], "value": value}
        rows.append({"t_s": _time(rng, duration_s), "name": "parameters_set", "args": args})
    epoch = _epoch(epoch_utc)
    late = max(1, round(LATE_INSERTS_PER_DAY * days))
    early = max(1, round(EARLY_INSERTS_PER_DAY * days))
    for k in range(late + early):
        t_s = _time(rng, duration_s)
        after_s = LATE_RELEASE_S if k < late else EARLY_RELEASE_S
        release_s = (duration_s if k < late else t_s) + float(rng.uniform(*after_s))
        rows.append({"t_s": t_s, "name": "schedule_insert", "args": _insert_args(epoch, release_s, k)})
    for k in range(max(1, round(ADDS_PER_DAY * days))):
        lat_deg, lon_deg = ADD_TARGETS[int(rng.integers(0, len(ADD_TARGETS)))]
        rows.append(
            {
                "t_s": _time(rng, duration_s),
                "name": "imaging_request_add",
                "args": _add_args(k, lat_deg, lon_deg),
            }
        )
    return sorted(rows, key=lambda row: row["t_s"])


def _add_args(k: int, lat_deg: float, lon_deg: float) -> dict:
    """An imaging request add (id REQUEST_ID_BASE + k): 8 s, 30 degrees off nadir at most, sun above 10."""
    return {
        "request_id": REQUEST_ID_BASE + k,
        "lat": math.radians(lat_deg),
        "lon": math.radians(lon_deg),
        "alt": 0.0,
        "priority": 5,
        "duration": 8.0,
        "max_off_nadir": math.radians(30.0),
        "min_sun_elevation": math.radians(10.0),
        "window_start": 0.0,
        "window_end": 0.0,
    }


def _time(rng: np.random.Generator, duration_s: float) -> float:
    return round(float(rng.uniform(SPAN[0] * duration_s, SPAN[1] * duration_s)), 1)


def _insert_args(epoch: dt.datetime, release_s: float, k: int) -> dict:
    """A schedule insert of a ping (its own sequence count) released `release_s` after the epoch."""
    release = epoch + dt.timedelta(seconds=round(release_s))
    since = release - CDS_EPOCH
    ping = PusTc(apid=APID, service=17, message_subtype=1, seq_count=PING_SEQUENCE_BASE + k).pack()
    return {
        "time_code": "CDS_SHORT",
        "days": since.days,
        "ms_of_day": since.seconds * 1000,
        "tc": ping.hex(),
    }


def run_end_ms(epoch_utc: str, duration_s: float) -> int:
    """The run's end as a CDS ms count (since 1958-01-01), as release times are kept."""
    return round(((_epoch(epoch_utc) - CDS_EPOCH).total_seconds() + duration_s) * 1000.0)


def release_ms(args: dict) -> int:
    """An insert's release time as the schedule store keeps it: ms since 1958-01-01."""
    return args["days"] * 86_400_000 + args["ms_of_day"]


def link_tables(commands: list[dict]) -> str:
    """The soak's `[link]` and its `[[link.commands]]` as scenario text."""
    lines = ["\n[link]", *(f"{key} = {value!r}" for key, value in SOAK_LINK.items())]
    for row in commands:
        args = ", ".join(f"{key} = {_toml(value)}" for key, value in row["args"].items())
        lines += ["\n[[link.commands]]", f"t_s = {row['t_s']!r}", f'name = "{row["name"]}"']
        lines.append(f"args = {{ {args} }}")
    return "\n".join(lines) + "\n"


def _toml(value: float | int | str) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def read_outcomes(run_dir: Path) -> dict[int, str]:
    """Command index (time order) -> what the ground's verification reports said (journaled)."""
    document = msgpack.unpackb((run_dir / GROUND_JOURNAL).read_bytes())
    return {int(k): v for k, v in document["outcomes"].items()}


def check_commands(
    run_dir: Path, commands: list[dict], end_epoch_ms: int, scenario_request_ids: list[str]
) -> tuple[dict, list[str]]:
    """Figures of the soak's commands, and what breaks the acceptance, from the run folder: the ground's
    journal, parameters.json, schedule.json and requests.json; `end_epoch_ms` is the run's end as a CDS
    ms count."""
    problems = []
    outcomes = read_outcomes(run_dir)
    completed = {i for i, o in outcomes.items() if o == "completed"}
    failed = {i for i, o in outcomes.items() if o == "failed"}
    unknown = set(range(len(commands))) - completed - failed
    ids = {v: k for k, v in _tunable_ids().items()}
    try:
        values = read_checked(run_dir / "parameters.json")["values"]
    except FileNotFoundError:
        values = {}
    except (OSError, CorruptStoreError) as problem:
        values, problems = {}, [f"parameters.json: {problem}"]
    for name in SOAK_TUNABLES:
        sets = [
            i
            for i, row in enumerate(commands)
            if row["name"] == "parameters_set" and ids[row["args"]["parameter_id"]] == name
        ]
        done = [i for i in sets if i in completed]
        if not done:
            continue  # no completed set to hold the store to (it may keep its default)
        allowed = {commands[i]["args"]["value"] for i in sets if i in unknown and i > done[-1]}
        allowed.add(commands[done[-1]]["args"]["value"])
        if values.get(name) not in allowed:
            problems.append(f"parameters.json: {name} = {values.get(name)}, not one of {sorted(allowed)}")
    try:
        activities = read_checked(run_dir / "schedule.json")["activities"]
    except FileNotFoundError:
        activities = []
    except (OSError, CorruptStoreError) as problem:
        activities, problems = [], [*problems, f"schedule.json: {problem}"]
    held = [(release, tc) for release, tc in activities]
    inserts = [(i, row["args"]) for i, row in enumerate(commands) if row["name"] == "schedule_insert"]
    ours = {(release_ms(args), args["tc"]) for _, args in inserts}
    for i, args in inserts:
        entry = (release_ms(args), args["tc"])
        count = held.count(entry)
        due_later = entry[0] > end_epoch_ms
        if count > 1 or (count and not due_later) or (i in completed and due_later and count != 1):
            problems.append(f"schedule.json holds insert {i} (released at {entry[0]} ms) {count} times")
    strangers = [entry for entry in held if tuple(entry) not in ours]
    if strangers:
        problems.append(f"schedule.json holds {len(strangers)} activities the soak never inserted")
    adds = {
        i: str(row["args"]["request_id"])
        for i, row in enumerate(commands)
        if row["name"] == "imaging_request_add"
    }
    try:
        booked = {row["request"]["id"] for row in read_checked(run_dir / "requests.json")["requests"]}
    except (OSError, CorruptStoreError) as problem:
        booked, problems = set(), [*problems, f"requests.json: {problem}"]
    must = set(scenario_request_ids) | {adds[i] for i in adds if i in completed}
    may = {adds[i] for i in adds if i in unknown}
    if not must <= booked or booked - must - may:
        problems.append(
            f"requests.json: missing {sorted(must - booked)}, unexpected {sorted(booked - must - may)}"
        )
    refused = sorted(adds[i] for i in adds if i in failed)
    if refused:
        problems.append(f"imaging request adds failed (a second execution?): {refused}")
    figures = {
        "commands": len(commands),
        "completed": len(completed),
        "failed": len(failed),
        "outcome_unknown": len(unknown),
        "scheduled_at_end": len(held),
        "requests_added": len(booked - set(scenario_request_ids)),
    }
    return figures, problems
