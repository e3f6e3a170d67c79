"""The ground's key file: made once with a fresh key (mode 0600), ARSNs handed out strictly increasing
across processes that share it, and any broken file a one-line KeyFileError naming the field."""

import json
import os
import stat
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ground.key_store import KeyFileError, KeyStore


def test_a_missing_file_is_made_private_with_a_random_key_and_arsns_only_move_forward(tmp_path):
    path = tmp_path / "keys.json"
    first, second = KeyStore(path), KeyStore(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.key == second.key and len(first.key) == 32 and first.key != KeyStore(tmp_path / "b").key
    assert [first.reserve_arsn(), second.reserve_arsn(), first.reserve_arsn()] == [1, 2, 3]
    assert first.association().arsn == 0 and first.association().spi == first.spi


def test_processes_sharing_the_file_never_reuse_an_arsn(tmp_path):
    path = tmp_path / "keys.json"
    KeyStore(path)
    script = "import sys; from ground.key_store import KeyStore; k = KeyStore(sys.argv[1]); "
    script += "print(' '.join(str(k.reserve_arsn()) for _ in range(200)))"
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE) for _ in range(3)
    ]
    taken = [int(n) for run in runs for n in run.communicate(timeout=60)[0].split()]
    assert sorted(taken) == list(range(1, 601))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"spi": -1, "key": "00" * 32, "next_arsn": 1}, "spi"),
        ({"spi": 1, "key": "00" * 31, "next_arsn": 1}, "key"),
        ({"spi": 1, "key": "zz" * 32, "next_arsn": 1}, "key"),
        ({"spi": 1, "key": "00" * 32, "next_arsn": 0}, "next_arsn"),
        ({"spi": 1, "key": "00" * 32}, "next_arsn"),
    ],
)
def test_a_bad_field_is_named(tmp_path, fields, named):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(fields))
    with pytest.raises(KeyFileError, match=f"{named} must be"):
        KeyStore(path)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_a_key_file_error_or_a_usable_store(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("k") / "keys.json"
    path.write_bytes(raw)
    try:
        store = KeyStore(path)
    except KeyFileError as problem:
        assert "\n" not in str(problem)
    else:
        assert len(store.key) == 32
