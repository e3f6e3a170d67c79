"""Onboard mass memory for image products: nothing torn is ever kept, nothing unconfirmed is ever deleted.

Each product is three things in one folder: its bytes (`<id>.bin`, written to a temporary file,
fsynced, renamed, the folder fsynced), a sidecar (`<id>.json`, a checked store: size, SHA-256, order,
metadata) and its entry in the index (`mass_memory.index`, a checked store of every product; see
flight/checked_file.py). A store writes bytes, then sidecar, then index; a confirm removes the
sidecar, then the index entry, then the bytes. So a reset at any instant leaves each product either
whole and findable or recognisably incomplete.

On opening, the index is read and every product it lists is verified (file present, size and SHA-256
match); one that fails is dropped and reported in `lost` so that the flight software re-plans it.
Products absent from the index (a reset between sidecar and index) are adopted when their sidecar is
whole and their bytes verify against it; everything else is dropped. If the index itself is corrupt
it is rebuilt the same way, from the sidecars alone: a product is trusted only through a checksum
that was written after its bytes were durable. Bytes without a whole sidecar (a store that never returned,
or a confirm cut short) are dropped — reported lost only when the index was corrupt and cannot tell
which; temporary files are removed.

A mass memory that cannot be used at all (its folder is a file, or its index cannot be written) is
refused cleanly (flight/stores.py: an event and a log line): nothing at that path is deleted, the
products found stay readable, and no new product is stored (free_bytes is 0). An index the ledger
knows that is missing, or one refused by its checks, is reported the same way before the rebuild.

Capacity counts product bytes only (sidecars and index are small and bounded by the product count).
"""

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flight.checked_file import CorruptStoreError, read_checked, write_checked
from flight.events import EventLog
from flight.stores import check, note_written, present, refuse, report_missing, why_unreadable
from native.atomic_file import TEMPORARY_SUFFIX, fsync_folder, write_atomically

FOLDER_NAME = "mass_memory"
INDEX_NAME = "mass_memory.index"
DATA_SUFFIX = ".bin"
SIDECAR_SUFFIX = ".json"
PRODUCT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SHA256 = re.compile(r"[0-9a-f]{64}")
REBUILT = "rebuilding it from the products' sidecars"


class MassMemoryFullError(Exception):
    """A product that would take the mass memory beyond its capacity; nothing was written."""


@dataclass(frozen=True)
class StoredProduct:
    """What the mass memory knows of one product: its size, checksum, storage order and metadata."""

    product_id: str
    size_bytes: int
    sha256: str
    order: int
    metadata: dict

    def record(self) -> dict:
        return {
            "product_id": self.product_id,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "order": self.order,
            "metadata": self.metadata,
        }

    @classmethod
    def from_record(cls, record: dict) -> "StoredProduct":
        """The product of a sidecar or index record, every field checked before it is used;
        ValueError (StoreRefusedError naming the field) or KeyError if malformed."""
        name = record["product_id"]
        check(
            isinstance(name, str) and PRODUCT_ID.fullmatch(name) is not None,
            "product_id",
            name,
            "1-64 of [A-Za-z0-9_-]",
        )
        for field in ("size_bytes", "order"):
            value = record[field]
            check(type(value) is int and value >= 0, f"{field} of {name}", value, "an integer >= 0")
        sha256 = record["sha256"]
        check(
            isinstance(sha256, str) and SHA256.fullmatch(sha256) is not None,
            f"sha256 of {name}",
            sha256,
            "64 hex digits",
        )
        check(
            isinstance(record["metadata"], dict),
            f"metadata of {name}",
            type(record["metadata"]).__name__,
            "an object",
        )
        product = cls(name, record["size_bytes"], sha256, record["order"], dict(record["metadata"]))
        return product


class MassMemory:
    """Image products in `folder` (created if absent), at most `capacity_bytes` of product bytes."""

    def __init__(self, folder: Path, capacity_bytes: int, events: EventLog | None = None) -> None:
        self.folder = Path(folder)
        self.capacity_bytes = capacity_bytes
        self._events = EventLog() if events is None else events
        self._products: dict[str, StoredProduct] = {}
        self.lost: list[str] = []
        """Products found damaged or missing (on opening or on read), in the order found: re-plan them."""
        self.index_was_corrupt = False
        self.usable = True
        """False when the memory cannot be written (folder or index unusable): nothing new is stored."""
        self._last_order = 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as problem:
            why = "is not a folder" if isinstance(problem, FileExistsError) else why_unreadable(problem)
            refuse(self._events, 0.0, self.folder, why, "no product will be stored")
            self.usable = False
            return
        self._recover()

    # -- queries ----------------------------------------------------------------------------------

    @property
    def used_bytes(self) -> int:
        return sum(p.size_bytes for p in self._products.values())

    @property
    def free_bytes(self) -> int:
        return max(0, self.capacity_bytes - self.used_bytes) if self.usable else 0

    def pending(self) -> list[str]:
        """Products kept until the ground confirms them, oldest first."""
        return [p.product_id for p in sorted(self._products.values(), key=lambda p: p.order)]

    def product(self, product_id: str) -> StoredProduct | None:
        return self._products.get(product_id)

    def read(self, product_id: str) -> bytes | None:
        """The product's bytes, checked against its SHA-256 now; None if unknown or damaged.

        A damaged product is dropped from the memory and appended to `lost`, so that it can never
        reach the downlink.
        """
        product = self._products.get(product_id)
        if product is None:
            return None
        data = self._verified_bytes(product)
        if data is None:
            self._drop(product_id)
            self.lost.append(product_id)
        return data

    # -- changes ----------------------------------------------------------------------------------

    def store(self, product_id: str, data: bytes, metadata: dict) -> StoredProduct:
        """Keep a product durably; MassMemoryFullError if it does not fit, ValueError for a bad or taken id.

        When this returns, the product survives a reset. OSError if the medium fails.
        """
        if not PRODUCT_ID.fullmatch(product_id):
            raise ValueError(f"product id {product_id!r} is not 1-64 of [A-Za-z0-9_-]")
        if product_id in self._products:
            raise ValueError(f"product {product_id!r} is already stored")
        if len(data) > self.free_bytes:
            raise MassMemoryFullError(f"{product_id}: {len(data)} B do not fit in {self.free_bytes} B free")
        order = self._last_order + 1
        product = StoredProduct(product_id, len(data), hashlib.sha256(data).hexdigest(), order, metadata)
        write_atomically(self._data_path(product_id), data)
        write_checked(self._sidecar_path(product_id), product.record())
        self._products[product_id] = product
        self._last_order = order
        self._write_index()
        return product

    def confirm(self, product_id: str) -> bool:
        """Delete a product the ground has confirmed complete; False if it is not stored."""
        if product_id not in self._products or not self.usable:
            return False
        self._drop(product_id)
        return True

    # -- inside -----------------------------------------------------------------------------------

    def _data_path(self, product_id: str) -> Path:
        return self.folder / (product_id + DATA_SUFFIX)

    def _sidecar_path(self, product_id: str) -> Path:
        return self.folder / (product_id + SIDECAR_SUFFIX)

    def _write_index(self) -> None:
        index_path = self.folder / INDEX_NAME
        write_checked(
            index_path,
            {
                "last_order": self._last_order,
                "products": {i: p.record() for i, p in self._products.items()},
            },
        )
        note_written(index_path)

    def _drop(self, product_id: str) -> None:
        """Sidecar, then index entry, then bytes: a reset in between leaves a product whole or gone."""
        self._sidecar_path(product_id).unlink(missing_ok=True)
        self._products.pop(product_id, None)
        self._write_index()
        self._data_path(product_id).unlink(missing_ok=True)
        fsync_folder(self.folder)

    def _verified_bytes(self, product: StoredProduct) -> bytes | None:
        try:
            data = self._data_path(product.product_id).read_bytes()
        except OSError:
            return None
        if len(data) != product.size_bytes or hashlib.sha256(data).hexdigest() != product.sha256:
            return None
        return data

    def _sidecar(self, product_id: str) -> StoredProduct | None:
        try:
            product = StoredProduct.from_record(read_checked(self._sidecar_path(product_id)))
        except (OSError, CorruptStoreError, ValueError, KeyError, TypeError):
            return None
        return product if product.product_id == product_id else None

    def _read_index(self) -> dict[str, StoredProduct]:
        index_path = self.folder / INDEX_NAME
        self._last_order = 0
        if not present(index_path):
            # Written when the memory is first opened: products without one have lost their index.
            known = report_missing(self._events, 0.0, index_path, REBUILT)
            self.index_was_corrupt = known or any(self.folder.glob("*" + DATA_SUFFIX))
            return {}
        try:
            body = read_checked(index_path)
            last = body["last_order"]
            check(type(last) is int and last >= 0, "last_order", last, "an integer >= 0")
            check(
                isinstance(body["products"], dict), "products", type(body["products"]).__name__, "an object"
            )
            products = {i: StoredProduct.from_record(r) for i, r in body["products"].items()}
            for i, p in products.items():
                check(i == p.product_id, f"index key {i!r}", p.product_id, "its record's product_id")
            self._last_order = last
            return products
        except (OSError, CorruptStoreError, ValueError, KeyError, TypeError, AttributeError) as problem:
            refuse(self._events, 0.0, index_path, why_unreadable(problem), REBUILT)
            self.index_was_corrupt = True
            return {}

    def _recover(self) -> None:
        """Rebuild the products from index, sidecars and bytes; clean up whatever cannot be trusted."""
        for temporary in self.folder.glob("*" + TEMPORARY_SUFFIX):
            _remove_file(temporary)
        indexed = self._read_index()
        names = {p.name for p in self.folder.iterdir()}
        on_disk = {
            Path(n).stem
            for n in names
            if Path(n).suffix in (DATA_SUFFIX, SIDECAR_SUFFIX) and PRODUCT_ID.fullmatch(Path(n).stem)
        }
        for product_id in sorted(set(indexed) | on_disk):
            product = indexed.get(product_id) or self._sidecar(product_id)
            if product is not None and self._verified_bytes(product) is not None:
                self._products[product_id] = product
                if self._sidecar(product_id) != product:
                    write_checked(self._sidecar_path(product_id), product.record())
                continue
            # Lost when it was indexed, or had a whole sidecar; bytes alone are a store that never
            # returned or a confirm that did not finish — lost only if the index cannot tell which.
            had_bytes = product_id + DATA_SUFFIX in names
            if product is not None or (self.index_was_corrupt and had_bytes):
                self.lost.append(product_id)
            _remove_file(self._sidecar_path(product_id))
            _remove_file(self._data_path(product_id))
        self._last_order = max([self._last_order, *(p.order for p in self._products.values())])
        try:
            self._write_index()
        except OSError as problem:
            refuse(
                self._events,
                0.0,
                self.folder / INDEX_NAME,
                why_unreadable(problem),
                "no product will be stored",
            )
            self.usable = False


def _remove_file(path: Path) -> None:
    """Remove a file of the memory's own; a folder in its place is not the memory's, and is left alone."""
    if not path.is_dir():
        path.unlink(missing_ok=True)
