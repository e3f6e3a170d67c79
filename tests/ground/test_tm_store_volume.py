"""A day of 1 Hz housekeeping (structure 1) into a fresh archive: the file stays under 80 MB and an hour of
one parameter reads back whole in well under a second of CPU. Prints the figures README quotes:
`.venv/bin/python -m pytest -m slow -s tests/ground/test_tm_store_volume.py`."""

import struct
import time
from contextlib import closing
from datetime import timedelta

import pytest

from ground.tm_store import TmStore, open_readonly, samples
from tests.ground.test_tm_store import T0, tm

DAY_S = 86_400
BATCH = 10  # packets per transaction, about what a pump of the link brings


@pytest.mark.slow
def test_a_day_of_housekeeping_fits_and_reads_back_fast(tmp_path, dictionary):
    by_id = {p["id"]: p for p in dictionary["parameters"]}
    layout = [by_id[i] for i in dictionary["housekeeping_structures"]["1"]]
    packets = []
    for k in range(DAY_S):
        values = [(k % 4) if p["type"] != "float" else k * 0.5 for p in layout]
        body = struct.pack(">H", 1) + b"".join(
            struct.pack(p["encoding"], v) for p, v in zip(layout, values, strict=True)
        )
        packets.append(tm(3, 25, body, T0 + timedelta(seconds=k), k, dictionary["apid"]))
    store = TmStore(tmp_path / "archive.sqlite", dictionary, "volume")
    started = time.process_time()
    for first in range(0, DAY_S, BATCH):
        store.add_tm(packets[first : first + BATCH])
    intake_s = time.process_time() - started
    store.close()
    size_mb = sum(path.stat().st_size for path in tmp_path.iterdir()) / 1e6
    with closing(open_readonly(tmp_path / "archive.sqlite")) as db:
        started = time.process_time()
        hour = samples(db, "wheel0_speed_rad_s", T0.timestamp() + 43_200, T0.timestamp() + 46_800)
        query_s = time.process_time() - started
    print(
        f"\n{DAY_S} reports of {len(layout)} parameters: {size_mb:.1f} MB, intake {DAY_S / intake_s:,.0f} "
        f"packets/s of CPU, one hour of one parameter ({len(hour)} samples) in {query_s * 1000:.1f} ms of CPU"
    )
    assert len(hour) == 3601 and [s.value for s in hour[:2]] == [21_600.0, 21_600.5]
    assert size_mb < 80 and query_s < 0.5
