"""flight/pus/telemetry.py packs PUS-C TM itself for speed: byte for byte what spacepackets' `PusTm`
packs (primary header, PUS-C secondary header, CDS short time, data, CRC-16/CCITT-FALSE), and what
`PusTm.unpack` reads back with a valid CRC. A housekeeping structure packs its values by
precompiled `struct`s, against `struct.pack` of the values it should hold."""

import math
import struct
from functools import partial
from operator import getitem

from hypothesis import given, settings
from hypothesis import strategies as st
from spacepackets.ccsds.time import CdsShortTimestamp
from spacepackets.ecss import PusTm

from ccsds.time_code import cds_short
from flight.dictionary import Arg, Parameter
from flight.pus.housekeeping_reports import Structure
from flight.pus.telemetry import SEQ_MODULO, TmSender

EPOCH_UNIX_S = 1_782_000_000.0


@settings(max_examples=300, deadline=None)
@given(
    apid=st.integers(0, 0x7FF),
    service=st.integers(0, 255),
    subtype=st.integers(0, 255),
    data=st.binary(max_size=300),
    t_s=st.floats(0.0, 3e8, allow_nan=False),
    before=st.integers(0, 3 * SEQ_MODULO),
)
def test_each_packet_is_the_one_spacepackets_packs(apid, service, subtype, data, t_s, before):
    sent: list[bytes] = []
    sender = TmSender(sent.append, EPOCH_UNIX_S)
    sender._seq[apid] = before % SEQ_MODULO
    sender.send(apid, service, subtype, data, t_s)
    stamp = cds_short(EPOCH_UNIX_S + t_s)
    reference = PusTm(
        service=service,
        message_subtype=subtype,
        timestamp=stamp,
        source_data=data,
        apid=apid,
        seq_count=before % SEQ_MODULO,
    )
    assert sent == [bytes(reference.pack())]
    read = PusTm.unpack(sent[0], timestamp_len=CdsShortTimestamp.TIMESTAMP_SIZE)
    assert (read.apid, read.service, read.message_subtype, read.source_data) == (apid, service, subtype, data)
    assert read.seq_count == before % SEQ_MODULO and read.timestamp == stamp


def test_sequence_counts_wrap_at_14_bits_per_apid():
    sent: list[bytes] = []
    sender = TmSender(sent.append, EPOCH_UNIX_S)
    for _ in range(SEQ_MODULO + 2):
        sender.send(0x66, 3, 25, b"", 0.0)
    sender.send(0x67, 5, 1, b"", 0.0)
    counts = [PusTm.unpack(p, timestamp_len=7).seq_count for p in sent]
    assert counts[:2] == [0, 1] and counts[SEQ_MODULO - 1 : SEQ_MODULO + 2] == [SEQ_MODULO - 1, 0, 1]
    assert counts[-1] == 0


def test_a_housekeeping_structure_packs_measurements_without_refusing_any():
    """Floats as they are; an int or enum out of range clamped to it, a non-finite one 0 (a counter
    that overflowed or a bad reading must not stop housekeeping)."""
    arguments = (
        Arg("temperature", "float", 32),
        Arg("count", "uint", 16),
        Arg("offset", "int", 8),
        Arg("mode", "enum", 8, values=(("A", 0), ("B", 3))),
    )
    readings = ([21.5, 70000.0, -300.0, 9.0], [-1.5, -5.0, float("nan"), float("inf")])
    expected = ([21.5, 65535, -128, 3], [-1.5, 0, 0, 0])
    for values, wire in zip(readings, expected, strict=True):
        pairs = enumerate(zip(arguments, values, strict=True))
        parameters = tuple(Parameter(i, a.name, a, partial(float, v)) for i, (a, v) in pairs)
        packed = Structure(7, parameters, interval_s=1).pack()
        assert packed == struct.pack(">HfHbB", 7, *wire)


@settings(max_examples=100, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(("d", "f", "H", "I", "b")), min_size=1, max_size=45),
    first=st.integers(0, 5),
    data=st.data(),
)
def test_a_structure_of_row_columns_packs_the_row_as_it_is_at_each_report(kinds, first, data):
    """A structure of consecutive columns of one row (as the housekeeping row is bound) reads the row's
    slice in one go, in chunks of at most 19 values: each report holds the row's values of that moment,
    ints clamped and non-finite ones 0, as `struct.pack` of the values it should hold."""
    args = {
        "d": Arg("x", "float", 64),
        "f": Arg("x", "float", 32),
        "H": Arg("x", "uint", 16),
        "I": Arg("x", "uint", 32),
        "b": Arg("x", "int", 8),
    }
    row = [0.0] * (first + len(kinds) + 2)
    parameters = tuple(
        Parameter(i, f"p{i}", args[kind], partial(getitem, row, first + i)) for i, kind in enumerate(kinds)
    )
    structure = Structure(9, parameters, interval_s=1)
    assert structure._row is not None
    value = st.floats(-1e6, 1e6) | st.sampled_from((math.nan, math.inf, -math.inf, 3e9, -300.0))
    for _ in range(2):
        row[:] = data.draw(st.lists(value, min_size=len(row), max_size=len(row)))
        expected = []
        for kind, v in zip(kinds, row[first:], strict=False):
            if kind in "df":
                expected.append(v)
            else:
                low, high = args[kind].low, args[kind].high
                expected.append(0 if not math.isfinite(v) else int(min(max(v, low), high)))
        assert structure.pack() == struct.pack(">H" + "".join(kinds), 9, *expected)


def test_a_structure_of_scattered_getters_packs_each_getters_value():
    """Columns out of order, or not of one row, are read getter by getter."""
    row = [1.5, 2.5, 3.5]
    parameters = tuple(
        Parameter(i, f"p{i}", Arg("x", "float", 64), getter)
        for i, getter in enumerate((partial(getitem, row, 2), partial(getitem, row, 0), partial(float, 7.0)))
    )
    structure = Structure(3, parameters, interval_s=1)
    assert structure._row is None
    assert structure.pack() == struct.pack(">Hddd", 3, 3.5, 1.5, 7.0)
