"""The ground's key file: made once with fresh keys (mode 0600), ARSNs handed out strictly increasing
across processes that share it, replaced whole under a lock on a separate file, and every broken or unsafe
file a one-line KeyFileError naming the field and the fix."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ground.key_store import ARSN_LIMIT, KeyFileError, KeyStore

GOOD = {
    "spi": 1,
    "key": "00" * 32,
    "next_arsn": 1,
    "master_spi": 0xFF00,
    "master_key": "11" * 32,
    "next_master_arsn": 1,
}


def _write_private(path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


def test_a_missing_file_is_made_private_with_random_keys_and_arsns_only_move_forward(tmp_path):
    path = tmp_path / "keys.json"
    first, second = KeyStore(path), KeyStore(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.key == second.key and len(first.key) == 32 and first.key != KeyStore(tmp_path / "b").key
    assert first.master_key != first.key and first.master_spi != first.spi
    assert [first.reserve_arsn(), second.reserve_arsn(), first.reserve_arsn()] == [1, 2, 3]
    assert first.reserve_master_arsn() == 1 and first.last_arsn() == 3
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


def test_a_deleted_key_file_is_not_silently_replaced(tmp_path):
    path = tmp_path / "keys.json"
    KeyStore(path).reserve_arsn()
    path.unlink()
    with pytest.raises(KeyFileError, match=r"missing but keys\.json\.lock shows it existed: restore"):
        KeyStore(path)
    assert not path.exists()


def test_a_key_file_others_can_read_is_refused_with_the_chmod_to_run(tmp_path):
    path = tmp_path / "keys.json"
    KeyStore(path)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match=re.escape(f"mode 0644): run `chmod 600 {path}`")):
        KeyStore(path)


def test_the_last_arsn_is_never_handed_out_and_the_error_says_how_to_re_key(tmp_path):
    path = tmp_path / "keys.json"
    _write_private(path, json.dumps({**GOOD, "next_arsn": ARSN_LIMIT - 1}))
    store = KeyStore(path)
    assert store.reserve_arsn() == ARSN_LIMIT - 1
    with pytest.raises(KeyFileError, match="used up: re-key"):
        store.reserve_arsn()
    assert json.loads(path.read_text())["next_arsn"] == ARSN_LIMIT  # still whole and readable
    assert KeyStore(path).last_arsn() == ARSN_LIMIT - 1


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({**GOOD, "spi": -1}, "spi"),
        ({**GOOD, "key": "00" * 31}, "key"),
        ({**GOOD, "key": "zz" * 32}, "key"),
        ({**GOOD, "next_arsn": 0}, "next_arsn"),
        ({**GOOD, "next_arsn": 1 << 32}, "next_arsn"),
        ({k: v for k, v in GOOD.items() if k != "next_arsn"}, "next_arsn"),
        ({k: v for k, v in GOOD.items() if k != "master_key"}, "master_key"),
        ({**GOOD, "master_spi": 1}, "master_spi"),
    ],
)
def test_a_bad_field_is_named(tmp_path, fields, named):
    path = tmp_path / "keys.json"
    _write_private(path, json.dumps(fields))
    with pytest.raises(KeyFileError, match=f"{named} must"):
        KeyStore(path)


def test_a_directory_where_the_key_file_belongs_is_named(tmp_path):
    (tmp_path / "keys.json").mkdir()
    with pytest.raises(KeyFileError, match="not a regular file"):
        KeyStore(tmp_path / "keys.json")


@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_a_key_file_error_or_a_usable_store(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("k") / "keys.json"
    path.write_bytes(raw)
    path.chmod(0o600)
    try:
        store = KeyStore(path)
    except KeyFileError as problem:
        assert "\n" not in str(problem)
    else:
        assert len(store.key) == 32
