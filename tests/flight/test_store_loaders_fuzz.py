"""Each onboard store's loader on arbitrary bytes and on arbitrary JSON under a correct CRC: it never
raises, and what it loads holds only values inside their declared ranges."""

import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flight.checked_file import write_checked
from flight.events import EventLog
from flight.payload.mass_memory import INDEX_NAME, SHA256, MassMemory
from flight.payload.request_book import PRIORITY_RANGE, RequestBook
from tests.flight.test_pus_services import build as build_parameters
from tests.flight.test_pus_time_scheduling import build as build_schedule

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Fixed examples; no timing checks (two cores shared with other test workers)."""

numbers = st.one_of(
    st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1, 7, 0.5])
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
request_fields = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(max_size=4), numbers),
        "lat_rad": numbers,
        "lon_rad": numbers,
        "priority": numbers,
        "duration_s": numbers,
        "max_off_nadir_rad": numbers,
        "min_sun_elevation_rad": numbers,
    },
    optional={"window_start_s": st.one_of(st.none(), numbers), "end_lat_rad": json_values, "x": json_values},
)
book_bodies = st.one_of(
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    st.fixed_dictionaries(
        {
            "requests": st.lists(
                st.fixed_dictionaries(
                    {
                        "request": request_fields,
                        "state": st.sampled_from(["waiting", "planned", "captured", "dropped", "lost", 3]),
                        "attempts": st.one_of(st.integers(-3, 3), numbers, st.text(max_size=2)),
                    }
                ),
                max_size=3,
            )
        }
    ),
)
parameter_bodies = st.one_of(
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    st.fixed_dictionaries(
        {"values": st.dictionaries(st.sampled_from(["gain", "count", "other"]), json_values, max_size=3)}
    ),
    st.fixed_dictionaries({"values": st.fixed_dictionaries({"gain": numbers, "count": numbers})}),
)
schedule_bodies = st.one_of(
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    st.fixed_dictionaries(
        {
            "enabled": json_values,
            "activities": st.lists(
                st.lists(st.one_of(numbers, st.text(max_size=40)), max_size=3), max_size=3
            ),
        }
    ),
)
index_bodies = st.one_of(
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
    st.fixed_dictionaries(
        {
            "last_order": numbers,
            "products": st.dictionaries(
                st.text(max_size=6),
                st.fixed_dictionaries(
                    {
                        "product_id": st.text(max_size=6),
                        "size_bytes": numbers,
                        "sha256": st.one_of(st.text(max_size=4), st.just("a" * 64)),
                        "order": numbers,
                        "metadata": json_values,
                    }
                ),
                max_size=2,
            ),
        }
    ),
)


def _finite(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and math.isfinite(value))


def _load_book(folder: Path) -> None:
    book = RequestBook(folder / "requests.json", events=EventLog())
    assert book.load_status in ("loaded", "corrupt")
    for entry in book.entries.values():
        request = entry.request
        assert all(_finite(v) for k, v in vars(request).items() if k != "id")
        assert PRIORITY_RANGE[0] <= request.priority <= PRIORITY_RANGE[1]
        assert abs(request.lat_rad) <= math.pi / 2 and abs(request.lon_rad) <= math.pi
        assert isinstance(entry.attempts, int) and entry.attempts >= 0


def _load_parameters(folder: Path) -> None:
    services, _, craft, _ = build_parameters(folder)
    assert services.parameters.load_status in ("loaded", "corrupt")
    assert 0.0 <= craft.gain <= 2.0 and math.isfinite(craft.gain) and 1 <= craft.count <= 10


def _load_schedule(folder: Path) -> None:
    services, *_ = build_schedule(folder)
    assert services.schedule.load_status in ("loaded", "corrupt")
    assert all(isinstance(a.release_ms, int) and a.release_ms >= 0 for a in services.schedule.activities)


def _load_index(folder: Path) -> None:
    memory = MassMemory(folder / "mass_memory", 1 << 20, EventLog())
    assert all(SHA256.fullmatch(memory.product(p).sha256) for p in memory.pending())


LOADERS = {
    "requests.json": _load_book,
    "parameters.json": _load_parameters,
    "schedule.json": _load_schedule,
    "mass_memory/" + INDEX_NAME: _load_index,
}


def _with_file(name: str, write) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.parent.mkdir(exist_ok=True)
        write(path)
        LOADERS[name](Path(folder))


@FUZZ
@given(name=st.sampled_from(sorted(LOADERS)), data=st.binary(max_size=400))
def test_every_loader_survives_arbitrary_bytes(name, data):
    _with_file(name, lambda path: path.write_bytes(data))


@FUZZ
@given(body=book_bodies)
def test_the_book_loads_only_valid_requests_from_any_json_with_a_correct_crc(body):
    _with_file("requests.json", lambda path: write_checked(path, body))


@FUZZ
@given(body=parameter_bodies)
def test_parameters_load_only_in_range_values_from_any_json_with_a_correct_crc(body):
    _with_file("parameters.json", lambda path: write_checked(path, body))


@FUZZ
@given(body=schedule_bodies)
def test_the_schedule_loads_only_valid_activities_from_any_json_with_a_correct_crc(body):
    _with_file("schedule.json", lambda path: write_checked(path, body))


@FUZZ
@given(body=index_bodies)
@example(  # found by hypothesis: int(inf) raised OverflowError before the field checks
    body={
        "last_order": 0,
        "products": {
            "a": {"product_id": "a", "size_bytes": 0, "sha256": "a" * 64, "order": math.inf, "metadata": None}
        },
    }
)
def test_the_mass_memory_index_survives_any_json_with_a_correct_crc(body):
    _with_file("mass_memory/" + INDEX_NAME, lambda path: write_checked(path, body))
