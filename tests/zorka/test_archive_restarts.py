"""The ground's archive across three restarts of `zorka serve` in one folder, with one `zorka ground` holding
the link throughout (it reconnects after each restart) and a `zorka send` per session writing the same
archive: the archive holds every session's telemetry, `zorka archive query` returns exactly the samples
the spacecraft's own TM files hold for a time range (decoded here independently: spacepackets and struct
by the dictionary's layout), the command history holds each session's command as completed, and the
onboard clock runs on across the restarts.

The last assertion (the onboard clock continues across restarts of `zorka serve` in one folder) depends on
zorka/serve keeping its folder's onboard clock, which the `console` branch adds."""

import csv
import io
import json
import socket
import sqlite3
import struct
import subprocess
import time
from collections import Counter
from contextlib import ExitStack, closing
from datetime import UTC, datetime, timedelta

import pytest
from spacepackets.ecss import PusTm

from ground.tm_store import parse_utc
from tests.ground.web_ground_process import zorka_ground
from tests.zorka.serve_process import ZORKA, zorka_serve
from zorka.outputs.tm_files import tm_files

SESSIONS = 3
HOUSEKEEPING_REPORTS = 4
CDS_EPOCH = datetime(1958, 1, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def zorka(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ZORKA, *args], capture_output=True, text=True, timeout=60)


def reference_samples(path, dictionary, name: str) -> list[tuple[float, float]]:
    """(onboard unix s, value) of `name` in every housekeeping packet of the TM file `path`."""
    by_id = {p["id"]: p for p in dictionary["parameters"]}
    layouts = {
        int(sid): [by_id[i] for i in ids] for sid, ids in dictionary["housekeeping_structures"].items()
    }
    found = []
    stream, offset = path.read_bytes(), 0
    while offset + 6 <= len(stream):
        end = offset + 7 + int.from_bytes(stream[offset + 4 : offset + 6], "big")
        tm = PusTm.unpack(stream[offset:end], timestamp_len=7)
        offset = end
        if (tm.service, tm.message_subtype) != (3, 25):
            continue
        days, ms = struct.unpack_from(">HI", tm.timestamp, 1)
        onboard = (CDS_EPOCH + timedelta(days=days, milliseconds=ms)).timestamp()
        data, position = bytes(tm.source_data), 2
        for parameter in layouts[int.from_bytes(data[:2], "big")]:
            if parameter["name"] == name:
                found.append((onboard, struct.unpack_from(parameter["encoding"], data, position)[0]))
            position += struct.calcsize(parameter["encoding"])
    return found


def archived_rows(archive, start: float, end: float) -> list[tuple[float, float]]:
    with closing(sqlite3.connect(f"file:{archive}?mode=ro", uri=True)) as db:
        return db.execute(
            "SELECT onboard_unix_s, received_unix_s FROM parameter_samples "
            "WHERE name = 't_s' AND received_unix_s BETWEEN ? AND ? ORDER BY received_unix_s",
            (start, end),
        ).fetchall()


@pytest.mark.slow
def test_three_serve_restarts_in_one_folder_are_all_in_the_archive(tmp_path):
    keys, run, archive = tmp_path / "keys.json", tmp_path / "run", tmp_path / "archive.sqlite"
    port = free_port()
    serve = ("--link-port", str(port), "--keys", str(keys), "--out", str(run), "--duration", "60s")
    link = ("--link-port", str(port), "--keys", str(keys), "--archive", str(archive))
    windows = []
    with ExitStack() as ground:
        for session in range(SESSIONS):
            with zorka_serve(*serve):
                start = time.time()
                if session == 0:  # the first session makes the key file the ground needs
                    ground.enter_context(zorka_ground(*link, "--http", "0"))
                deadline = time.monotonic() + 30
                while len(archived_rows(archive, start, time.time())) < HOUSEKEEPING_REPORTS:
                    assert time.monotonic() < deadline, f"session {session}: no housekeeping archived"
                    time.sleep(0.3)
                sent = zorka("send", *link, "set_adcs_mode", "mode=SUN_SAFE")
                assert sent.returncode == 0, sent.stdout + sent.stderr
                windows.append((start, time.time()))
    per_session = [archived_rows(archive, *window) for window in windows]
    assert all(len(rows) >= HOUSEKEEPING_REPORTS for rows in per_session)

    dictionary = json.loads(zorka("dict").stdout)
    files = tm_files(run)
    assert len(files) == SESSIONS  # each restart rotated the last session's tm.bin
    reference = [reference_samples(path, dictionary, "t_s") for path in files]
    middle = [onboard for onboard, _ in per_session[1]]
    low, high = middle[1], middle[-2]
    iso = [datetime.fromtimestamp(t, UTC).isoformat() for t in (low, high)]
    query = zorka("archive", "query", "t_s", "--from", iso[0], "--to", iso[1], "--archive", str(archive))
    assert query.returncode == 0, query.stderr
    rows = list(csv.DictReader(io.StringIO(query.stdout)))
    got = [(parse_utc(row["onboard_utc"]), float(row["value"])) for row in rows]
    second = [(t, v) for t, v in reference[1] if low <= t <= high]
    assert len(second) >= 2 and got == sorted(got, key=lambda sample: sample[0])
    assert not Counter(second) - Counter(got)  # all the second session's samples in the range
    assert not Counter(got) - Counter(sample for samples in reference for sample in samples)  # none made up

    history = zorka("archive", "commands", "--archive", str(archive))
    commands = list(csv.DictReader(io.StringIO(history.stdout)))
    assert [(c["name"], c["args"], c["source"], c["outcome"]) for c in commands] == [
        ("set_adcs_mode", "mode=SUN_SAFE", "send", "completed")
    ] * SESSIONS

    # Depends on the `console` branch: `zorka serve` continues its folder's onboard clock across restarts.
    assert got == second  # with the onboard clock running on, the range holds the second session alone
    spans = [(min(o for o, _ in rows), max(o for o, _ in rows)) for rows in per_session]
    for (_, last), (first, _), (_, stopped), (restarted, _) in zip(
        spans, spans[1:], windows, windows[1:], strict=False
    ):
        assert last < first <= last + (restarted - stopped) + 10.0, spans
