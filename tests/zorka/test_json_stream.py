"""The JSON stream under `zorka plan` against the standard library's json.loads: the same values and the
same verdicts however the text is cut into pieces, and an endless input refused without being read whole."""

import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zorka.scenario import json_stream
from zorka.scenario.json_stream import JsonStream, JsonStreamError
from zorka.scenario.plan_input import MAX_TARGETS, PlanFileError, parse_plan_input, read_plan_input

GOOD = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "planning" / "eeurope_n50_s3.json").read_text()
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=20,
)


def _items(text: str) -> list:
    """The items of a JSON array text read through JsonStream one value at a time."""
    stream = JsonStream(io.BytesIO(text.encode("utf-8", "surrogatepass")))
    stream.take("[", "'['")
    items = []
    while stream.next_char() != "]":
        if items:
            stream.take(",", "','")
        items.append(stream.value())
    stream.take("]", "']'")
    assert stream.at_end()
    return items


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_JSON, max_size=8), st.integers(min_value=1, max_value=9), st.sampled_from(["", " ", "\n\t "])
)
def test_values_cut_into_any_pieces_decode_as_json_loads_does(values, piece_chars, gap):
    text = "[" + ("," + gap).join(json.dumps(v) for v in values) + gap + "]"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_stream, "MAX_READ_CHARS", piece_chars)
        assert _items(text) == json.loads(text)


def test_a_number_cut_by_a_piece_boundary_is_read_whole(monkeypatch):
    monkeypatch.setattr(json_stream, "MAX_READ_CHARS", 4)
    assert _items("[1234567.25e-3, 98765]") == [1234567.25e-3, 98765]


def test_a_value_longer_than_the_limit_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(json_stream, "MAX_VALUE_CHARS", 64)
    monkeypatch.setattr(json_stream, "MAX_READ_CHARS", 16)
    with pytest.raises(JsonStreamError, match=r"^the value at character 1 is longer than 64 characters$"):
        _items('[{"id": "' + "x" * 200 + '"}]')


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=7))
def test_any_bytes_in_any_pieces_get_the_verdict_of_one_piece(data, piece_chars):
    """A plan input read in tiny pieces ends as read in one: the same input, or a one-line error (which may
    name an earlier problem: the pieces are checked as they arrive)."""

    def verdict():
        try:
            return repr(parse_plan_input(data))
        except PlanFileError as problem:
            assert str(problem) and "\n" not in str(problem)
            return "error"

    whole = verdict()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_stream, "MAX_READ_CHARS", piece_chars)
        assert verdict() == whole


class _EndlessTargets(io.RawIOBase):
    """A plan input whose targets list never ends, produced as it is read: the bytes read are counted."""

    def __init__(self):
        head = json.dumps({k: v for k, v in GOOD.items() if k != "targets"})[:-1] + ', "targets": ['
        self._pending = head.encode()
        self._next = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        pieces, length = [self._pending], len(self._pending)
        while length < size:
            piece = f'{{"id": "E{self._next}", "lat_deg": 5, "lon_deg": 3, "priority": 1, "duration_s": 5}},'
            pieces.append(piece.encode())
            length += len(pieces[-1])
            self._next += 1
        self._pending = b"".join(pieces)
        out, self._pending = self._pending[:size], self._pending[size:]
        self.bytes_read += len(out)
        return out


def test_an_endless_targets_list_is_refused_once_past_the_limit():
    source = _EndlessTargets()
    with pytest.raises(PlanFileError, match=r"^targets: more than the 100,000 targets allowed$"):
        read_plan_input(source)
    per_target = source.bytes_read / source._next
    assert MAX_TARGETS < source._next < MAX_TARGETS + math.ceil(2 * json_stream.MAX_READ_CHARS / per_target)
