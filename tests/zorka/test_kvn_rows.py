"""The truth files' data lines formatted in C (native/record/kvn_rows.c) against Python's own %-format,
the reference the files were first written with: arbitrary doubles (near-ties, subnormals, huge values,
NaN, infinities, signed zeros) and a day-like block of a spacecraft's values, byte for byte; their time
stamps made in numpy against Python's round, timedelta and strftime."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from native.time_scales import utc_from_julian_date
from zorka.outputs.oem_aem import data_lines, utc_strings
from zorka.run.recorder import TRUTH_COLUMNS

OEM = "%s %.6f %.6f %.6f %.9f %.9f %.9f\n"
AEM = "%s %.12f %.12f %.12f %.12f\n"
STAMP = "2026-06-21T12:00:00.000"


def python_lines(rows: np.ndarray, utc: list[str]) -> tuple[bytes, bytes]:
    oem = "".join(OEM % (u, *(row[1:7] / 1e3).tolist()) for u, row in zip(utc, rows, strict=True))
    aem = "".join(AEM % (u, *row[7:11].tolist()) for u, row in zip(utc, rows, strict=True))
    return oem.encode(), aem.encode()


def c_lines(rows: np.ndarray, utc: list[str]) -> tuple[bytes, bytes]:
    stamps = np.array(utc)
    return bytes(data_lines("oem", rows, stamps)), bytes(data_lines("aem", rows, stamps))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.floats(width=64), min_size=10, max_size=10), min_size=1, max_size=8))
def test_any_doubles_are_written_as_python_writes_them(values):
    rows = np.zeros((len(values), TRUTH_COLUMNS))
    rows[:, 1:11] = values
    utc = [STAMP] * len(rows)
    assert c_lines(rows, utc) == python_lines(rows, utc)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from([6, 9, 12]))
def test_decimal_ties_and_their_neighbours_round_as_python_rounds_them(digits, decimals):
    """k + 1/2 units of the last decimal and the doubles beside it: the cases a fast path gets wrong."""
    tie = (digits + 0.5) / 10**decimals
    column = {6: 1, 9: 4, 12: 7}[decimals]
    scale = 1.0 if decimals == 12 else 1e3
    rows = np.zeros((3, TRUTH_COLUMNS))
    rows[:, column] = np.array([np.nextafter(tie, -np.inf), tie, np.nextafter(tie, np.inf)]) * scale
    utc = [STAMP] * 3
    assert c_lines(rows, utc) == python_lines(rows, utc)


def test_a_spacecraft_day_of_rows_is_written_as_python_writes_it():
    rng = np.random.default_rng(11)
    rows = rng.normal(size=(20_000, TRUTH_COLUMNS))
    rows[:, 1:4] *= 7e6
    rows[:, 4:7] *= 7.5e3
    rows[:, 7:11] /= np.linalg.norm(rows[:, 7:11], axis=1, keepdims=True)
    utc = [
        f"2026-06-21T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}"
        for i in range(20_000)
    ]
    assert c_lines(rows, utc) == python_lines(rows, utc)


def test_a_shorter_time_stamp_in_the_block_keeps_its_own_length():
    rows = np.ones((2, TRUTH_COLUMNS))
    utc = ["2026-06-21T12:00:00.000", "12345-06-21T12:00:00.000"]
    assert c_lines(rows, utc) == python_lines(rows, utc)


def reference_utc(jd_epoch_utc: float, t_s: float) -> str:
    """The time stamp as the files were first written: Python's round, a timedelta, strftime."""
    return utc_from_julian_date(jd_epoch_utc, round(t_s, 6)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=2440587.5, max_value=2500000.0),
    st.lists(
        st.floats(min_value=0.0, max_value=40 * 86400.0)
        | st.integers(min_value=0, max_value=4 * 10**12).map(lambda k: (k + 0.5) / 1e6)  # ties of round
        | st.integers(min_value=0, max_value=4 * 10**7).map(lambda k: k * 0.1),  # frames' times
        min_size=1,
        max_size=20,
    ),
)
def test_the_time_stamps_are_pythons_round_and_timedelta(jd_epoch_utc, t_s):
    expected = [reference_utc(jd_epoch_utc, t) for t in t_s]
    assert utc_strings(jd_epoch_utc, np.array(t_s)).tolist() == expected
