"""The behaviour pin of the restructuring (issue 12): what three runs produce, reduced to a small file.

A pin holds, for one scenario run through the `zorka` command (so it does not depend on where any module
lives): `summary.json` without its wall-clock figures, the SHA-256 of `truth.oem` and `truth.aem`, and one
line per packet of `tm.bin` — APID, service, subtype, time stamp and a hash of its content. The content of
a housekeeping report (3,25) is the values of the parameters the pinned dictionary knew, by name, so a
report that gained parameters (new counters) still matches as long as every old value is the same; any
other packet's content is its application data.

Recorded once with `python -m tests.zorka.behaviour_pin record` at the start of issue 12; record again only
in a commit that says why the behaviour changed. `record NAME ...` records only the pins named (a new run,
or one whose behaviour changed on purpose), decoded with the pinned dictionary: the others stay as they were.
The `nadir_orbit` pin is issue 12's `default` (the built-in mission until issue 16) under its own file;
`default` is issue 16's built-in mission.
"""

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import msgpack

from ground.telemetry import HousekeepingReport, TelemetryDecoder

ROOT = Path(__file__).resolve().parents[2]
PINS = ROOT / "tests" / "data" / "behaviour"
RUNS = {
    "nadir_orbit": [str(ROOT / "examples" / "nadir_orbit.toml")],
    "default": [],
    "imaging_eeurope_12h": [str(ROOT / "examples" / "imaging_eeurope.toml"), "--duration", "12h"],
    "link_commands": [str(PINS / "link_commands.toml")],
}
WALL_CLOCK_KEYS = ("wall_s", "real_time_factor")
TIMESTAMP_BYTES = 7
HEADER_BYTES = 6


def run(name: str, out: Path) -> None:
    """One pinned scenario through the command line, into `out`."""
    subprocess.run(
        [sys.executable, "-m", "zorka", "run", *RUNS[name], "--out", str(out), "--quiet"],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )


def dictionary() -> dict:
    """The dictionary of the code under test, from `zorka dict`."""
    done = subprocess.run(
        [sys.executable, "-m", "zorka", "dict"], check=True, cwd=ROOT, capture_output=True, text=True
    )
    return json.loads(done.stdout)


def packets(stream: bytes) -> list[bytes]:
    """A stream of concatenated space packets, split by their length fields."""
    found, offset = [], 0
    while offset + HEADER_BYTES <= len(stream):
        length = int.from_bytes(stream[offset + 4 : offset + 6], "big") + 7
        found.append(stream[offset : offset + length])
        offset += length
    return found


def packet_line(raw: bytes, decoder: TelemetryDecoder, names: tuple[str, ...]) -> list:
    """[apid, service, subtype, time stamp, content hash] of one TM packet; housekeeping by `names`."""
    apid = int.from_bytes(raw[0:2], "big") & 0x7FF
    if len(raw) < HEADER_BYTES + 7 + TIMESTAMP_BYTES or not raw[0] & 0x08:
        return [apid, 0, 0, b"", hashlib.sha256(raw[HEADER_BYTES:]).digest()[:8]]
    service, subtype = raw[7], raw[8]
    stamp = raw[13 : 13 + TIMESTAMP_BYTES]
    record = decoder.decode(raw)
    if isinstance(record, HousekeepingReport):
        values = [(n, record.values[n]) for n in names if n in record.values]
        content = msgpack.packb([record.sid, values])
    else:
        content = raw[HEADER_BYTES + 7 + TIMESTAMP_BYTES : -2]
    return [apid, service, subtype, stamp, hashlib.sha256(content).digest()[:8]]


def truth_hash(path: Path) -> str:
    """SHA-256 of an OEM/AEM file, bytes as they are but for its CREATION_DATE line (the wall clock)."""
    lines = path.read_bytes().splitlines(keepends=True)
    return hashlib.sha256(b"".join(x for x in lines if not x.startswith(b"CREATION_DATE"))).hexdigest()


def digest(out: Path, decoder_dictionary: dict, names: tuple[str, ...]) -> dict:
    """The pin of a run folder: summary without wall-clock figures, truth hashes, packet lines."""
    summary = json.loads((out / "summary.json").read_text())
    for key in WALL_CLOCK_KEYS:
        summary.pop(key)
    decoder = TelemetryDecoder(decoder_dictionary)
    return {
        "summary": summary,
        "truth": {f: truth_hash(out / f) for f in ("truth.oem", "truth.aem")},
        "packets": [packet_line(p, decoder, names) for p in packets((out / "tm.bin").read_bytes())],
    }


def load(name: str) -> dict:
    return msgpack.unpackb(gzip.decompress((PINS / f"{name}.msgpack.gz").read_bytes()))


def pinned_names() -> tuple[str, ...]:
    """The housekeeping parameter names of the pinned dictionary."""
    pinned = json.loads((PINS / "dictionary.json").read_text())
    return tuple(p["name"] for p in pinned["parameters"])


def record(work: Path, only: tuple[str, ...] = ()) -> None:
    """Record every pin (and the dictionary they were decoded with) from the code as it is; with `only`,
    those pins alone, decoded with the pinned dictionary."""
    if only:
        current = json.loads((PINS / "dictionary.json").read_text())
    else:
        current = dictionary()
        (PINS / "dictionary.json").write_text(json.dumps(current, indent=1) + "\n")
    names = tuple(p["name"] for p in current["parameters"])
    for name in only or RUNS:
        out = work / name
        run(name, out)
        pin = digest(out, current, names)
        (PINS / f"{name}.msgpack.gz").write_bytes(gzip.compress(msgpack.packb(pin), mtime=0))
        print(f"{name}: {len(pin['packets'])} packets", file=sys.stderr)


if __name__ == "__main__" and sys.argv[1:2] == ["record"] and set(sys.argv[2:]) <= set(RUNS):
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        record(Path(scratch), tuple(sys.argv[2:]))
