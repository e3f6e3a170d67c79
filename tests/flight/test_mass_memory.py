"""Mass memory: store, read, confirm and capacity; reopening after every kind of damage."""

import hashlib
import random

import pytest

from flight.checked_file import read_checked
from flight.payload.mass_memory import (
    DATA_SUFFIX,
    FOLDER_NAME,
    INDEX_NAME,
    SIDECAR_SUFFIX,
    MassMemory,
    MassMemoryFullError,
)

CAPACITY_BYTES = 100_000


def product_bytes(product_id: str, size_bytes: int) -> bytes:
    return random.Random(product_id).randbytes(size_bytes)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / FOLDER_NAME


def filled(folder, sizes=(1000, 20_000, 5, 0, 3000)) -> tuple[MassMemory, dict[str, bytes]]:
    memory = MassMemory(folder, CAPACITY_BYTES)
    stored = {}
    for n, size in enumerate(sizes):
        product_id = f"img-{n:03d}"
        stored[product_id] = product_bytes(product_id, size)
        memory.store(product_id, stored[product_id], {"n": n, "target": f"T{n}"})
    return memory, stored


def test_store_read_confirm_and_usage(folder):
    memory, stored = filled(folder)
    assert memory.pending() == list(stored)
    assert memory.used_bytes == sum(map(len, stored.values()))
    assert memory.free_bytes == CAPACITY_BYTES - memory.used_bytes
    for product_id, data in stored.items():
        assert memory.read(product_id) == data
        product = memory.product(product_id)
        assert product.sha256 == hashlib.sha256(data).hexdigest()
        assert product.size_bytes == len(data)
    assert memory.product("img-001").metadata == {"n": 1, "target": "T1"}
    assert memory.confirm("img-001")
    assert not memory.confirm("img-001")
    assert memory.read("img-001") is None
    assert not (folder / ("img-001" + DATA_SUFFIX)).exists()
    assert not (folder / ("img-001" + SIDECAR_SUFFIX)).exists()
    assert memory.pending() == ["img-000", "img-002", "img-003", "img-004"]
    assert memory.lost == []


def test_refuses_beyond_capacity_and_bad_ids(folder):
    memory = MassMemory(folder, CAPACITY_BYTES)
    memory.store("a", b"x" * 60_000, {})
    with pytest.raises(MassMemoryFullError):
        memory.store("b", b"y" * 40_001, {})
    assert memory.pending() == ["a"]
    assert not (folder / ("b" + DATA_SUFFIX)).exists()
    memory.store("b", b"y" * 40_000, {})
    assert memory.free_bytes == 0
    memory.confirm("a")
    memory.store("c", b"z" * 60_000, {})
    for bad in ("", "../escape", "a b", "x" * 65):
        with pytest.raises(ValueError):
            memory.store(bad, b"", {})
    with pytest.raises(ValueError):
        memory.store("b", b"", {})


def test_oldest_first_survives_restart_and_confirms(folder):
    memory, stored = filled(folder)
    memory.confirm("img-000")
    memory.store("late", b"late", {})
    reopened = MassMemory(folder, CAPACITY_BYTES)
    assert reopened.pending() == ["img-001", "img-002", "img-003", "img-004", "late"]
    reopened.store("later", b"later", {})
    assert reopened.pending()[-2:] == ["late", "later"]
    for product_id in reopened.pending()[:-2]:
        assert reopened.read(product_id) == stored[product_id]
    assert reopened.lost == [] and not reopened.index_was_corrupt


def test_restart_with_missing_truncated_and_bit_flipped_products(folder):
    _, stored = filled(folder)
    (folder / ("img-000" + DATA_SUFFIX)).unlink()
    torn = folder / ("img-001" + DATA_SUFFIX)
    torn.write_bytes(torn.read_bytes()[:-7])
    flipped = folder / ("img-004" + DATA_SUFFIX)
    data = bytearray(flipped.read_bytes())
    data[1234] ^= 0x10
    flipped.write_bytes(bytes(data))
    reopened = MassMemory(folder, CAPACITY_BYTES)
    assert sorted(reopened.lost) == ["img-000", "img-001", "img-004"]
    assert reopened.pending() == ["img-002", "img-003"]
    assert all(reopened.read(p) == stored[p] for p in reopened.pending())
    assert not torn.exists() and not flipped.exists()
    assert set(read_checked(folder / INDEX_NAME)["products"]) == {"img-002", "img-003"}
    assert MassMemory(folder, CAPACITY_BYTES).lost == []


def test_read_never_returns_a_product_damaged_after_opening(folder):
    memory, stored = filled(folder)
    path = folder / ("img-001" + DATA_SUFFIX)
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))
    assert memory.read("img-001") is None
    assert memory.lost == ["img-001"]
    assert "img-001" not in memory.pending()
    assert memory.read("img-002") == stored["img-002"]


@pytest.mark.parametrize("damage", ["garbage", "crc", "missing", "empty"])
def test_corrupt_index_is_rebuilt_from_sidecars(folder, damage):
    _, stored = filled(folder)
    index = folder / INDEX_NAME
    if damage == "garbage":
        index.write_bytes(b"\x00\xff not json")
    elif damage == "crc":
        index.write_text(index.read_text().replace('"n": 1', '"n": 9'))
    elif damage == "missing":
        index.unlink()
    else:
        index.write_text("")
    # One product damaged too, one sidecar torn: neither may come back.
    flipped = folder / ("img-000" + DATA_SUFFIX)
    flipped.write_bytes(b"\x01" + flipped.read_bytes()[1:])
    (folder / ("img-002" + SIDECAR_SUFFIX)).write_text('{"product_id": "img-002"')
    reopened = MassMemory(folder, CAPACITY_BYTES)
    assert reopened.index_was_corrupt
    assert reopened.pending() == ["img-001", "img-003", "img-004"]
    assert sorted(reopened.lost) == ["img-000", "img-002"]
    assert all(reopened.read(p) == stored[p] for p in reopened.pending())
    assert reopened.product("img-001").metadata == {"n": 1, "target": "T1"}
    assert MassMemory(folder, CAPACITY_BYTES).pending() == ["img-001", "img-003", "img-004"]


def test_interrupted_store_and_confirm_leave_products_whole_or_absent(folder):
    memory, stored = filled(folder)
    # A store cut after its bytes were renamed (no sidecar, no index entry): silently dropped.
    (folder / ("half" + DATA_SUFFIX)).write_bytes(b"half-written product")
    # A store cut before the index was written (bytes and sidecar whole): adopted.
    index_before = (folder / INDEX_NAME).read_bytes()
    memory.store("whole", b"whole product", {"k": 1})
    (folder / INDEX_NAME).write_bytes(index_before)
    # A confirm cut after the sidecar went (still indexed): kept and still pending.
    (folder / ("img-002" + SIDECAR_SUFFIX)).unlink()
    # Temporary files of interrupted writes: removed.
    (folder / ("img-009" + DATA_SUFFIX + ".tmp")).write_bytes(b"torn")
    (folder / (INDEX_NAME + ".tmp")).write_bytes(b"torn")
    reopened = MassMemory(folder, CAPACITY_BYTES)
    assert reopened.lost == []
    assert reopened.pending() == [*stored, "whole"]
    assert reopened.read("whole") == b"whole product"
    assert reopened.read("img-002") == stored["img-002"]
    assert not (folder / ("half" + DATA_SUFFIX)).exists()
    assert not list(folder.glob("*.tmp"))
    assert (folder / ("img-002" + SIDECAR_SUFFIX)).exists()
