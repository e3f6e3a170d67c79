"""The imager of a board at the far end of a serial link: the hal Imager over hal.serial_link.

Captures open and close by request (`imager.start`, `imager.stop`); `sample()` reads the status
(`imager.read`). The board renders a finished capture's product in the background; `collect()` asks
for the product's size, CRC-32 and metadata (`imager.product`: `ready: false` while it renders, so a
frame never waits on it, except in lockstep where it is waited for), then fetches at most
`chunks_per_collect` chunks (`imager.chunk`) per call, so that a 10 Hz frame is not stalled by a
transfer on a slow line, and hands the product over once all its bytes came and their CRC-32 is the
board's; the board is then told to let it go (`imager.release`). A missing, refused or malformed
reply is counted and the transfer goes on from where it was at the next call; a product whose bytes
fail the CRC is fetched again from the start, and one the board refuses to go on with (reset since)
is asked for afresh.
"""

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from hal.devices import ImageProduct, Imager
from hal.serial_devices import DeviceCounters, ok_reply
from hal.serial_link import SerialLink

CHUNK_BYTES_MAX = 2048
"""Most bytes a board sends in one `imager.chunk` reply (hal/board_protocol.md)."""


@dataclass
class TransferCounters:
    """Products handed over, chunks fetched, products fetched again after a CRC mismatch, and collects
    that found the product still rendering on the board (asked again at the next)."""

    products: int = 0
    chunks: int = 0
    crc_failures: int = 0
    not_ready: int = 0


@dataclass
class _Transfer:
    request_id: str
    size: int
    crc32: int
    metadata: dict
    data: bytearray = field(default_factory=bytearray)


def _uint(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class SerialImager(Imager):
    """The imager of a board. `chunks_per_collect` bounds the chunks fetched per `collect()` (None: all
    of them, for lockstep runs, where simulated time waits for the wire); `chunk_bytes` is the length
    asked for each (at most `CHUNK_BYTES_MAX`)."""

    def __init__(
        self, link: SerialLink, chunks_per_collect: int | None = 1, chunk_bytes: int = CHUNK_BYTES_MAX
    ):
        if chunks_per_collect is not None and chunks_per_collect < 1:
            raise ValueError(f"chunks_per_collect must be >= 1 or None; got {chunks_per_collect}")
        if not 1 <= chunk_bytes <= CHUNK_BYTES_MAX:
            raise ValueError(f"chunk_bytes must be 1 to {CHUNK_BYTES_MAX}; got {chunk_bytes}")
        self.link = link
        self.chunks_per_collect = chunks_per_collect
        self.chunk_bytes = chunk_bytes
        self.status = np.zeros(len(Imager.STATUS))
        self.counters = DeviceCounters()
        self.command_counters = DeviceCounters()
        self.transfer_counters = TransferCounters()
        self._transfer: _Transfer | None = None
        self._unreleased: str | None = None  # a product taken whose release the board did not confirm

    def start(
        self,
        request_id: str,
        duration_s: float,
        lat_rad: float,
        lon_rad: float,
        alt_m: float = 0.0,
        strip_end: tuple[float, float] | None = None,
    ) -> bool:
        self._release()
        fields = {
            "request_id": request_id,
            "duration_s": float(duration_s),
            "lat_rad": float(lat_rad),
            "lon_rad": float(lon_rad),
            "alt_m": float(alt_m),
        }
        if strip_end is not None:
            fields["strip_end"] = [float(strip_end[0]), float(strip_end[1])]
        if ok_reply(self.link, self.command_counters, "imager", "start", **fields) is None:
            return False
        self.command_counters.ok += 1
        return True

    def stop(self) -> bool:
        if ok_reply(self.link, self.command_counters, "imager", "stop") is None:
            return False
        self.command_counters.ok += 1
        return True

    def sample(self) -> bool:
        reply = ok_reply(self.link, self.counters, "imager", "read")
        if reply is None:
            return False
        state, elapsed_s, frames = reply.get("state"), reply.get("elapsed_s"), reply.get("frames")
        if not (
            state in (Imager.IDLE, Imager.CAPTURING, Imager.READY)
            and not isinstance(state, bool)
            and isinstance(elapsed_s, int | float)
            and not isinstance(elapsed_s, bool)
            and math.isfinite(elapsed_s)
            and _uint(frames)
        ):
            self.counters.malformed += 1
            return False
        self.status[:] = (state, elapsed_s, frames)
        self.counters.ok += 1
        return True

    def collect(self) -> ImageProduct | None:
        if self._transfer is None and (self.state != Imager.READY or not self._describe()):
            return None
        transfer = self._transfer
        fetched = 0
        while len(transfer.data) < transfer.size and (
            self.chunks_per_collect is None or fetched < self.chunks_per_collect
        ):
            if not self._fetch_chunk(transfer):
                return None
            fetched += 1
        if len(transfer.data) < transfer.size:
            return None
        self._transfer = None
        if zlib.crc32(transfer.data) != transfer.crc32:
            self.transfer_counters.crc_failures += 1
            return None
        self._unreleased = transfer.request_id
        self._release()
        self.status[0] = Imager.IDLE
        self.transfer_counters.products += 1
        return ImageProduct(transfer.request_id, bytes(transfer.data), transfer.metadata)

    def _describe(self) -> bool:
        """The waiting product's request, size, CRC-32 and metadata (`imager.product`) into a transfer.
        A board still rendering it says `ready: false` (counted; asked again at the next collect), or,
        in lockstep (whole products), is asked to wait for the render."""
        whole = {"wait": True} if self.chunks_per_collect is None else {}
        reply = ok_reply(self.link, self.counters, "imager", "product", **whole)
        if reply is None:
            return False
        if reply.get("ready") is False:
            self.counters.ok += 1
            self.transfer_counters.not_ready += 1
            return False
        request_id, size, crc32, metadata = (
            reply.get(k) for k in ("request_id", "size", "crc32", "metadata")
        )
        if not (
            reply.get("ready") is True
            and isinstance(request_id, str)
            and _uint(size)
            and _uint(crc32)
            and isinstance(metadata, dict)
        ):
            self.counters.malformed += 1
            return False
        self.counters.ok += 1
        self._transfer = _Transfer(request_id, size, crc32, metadata)
        return True

    def _fetch_chunk(self, transfer: _Transfer) -> bool:
        """The next chunk of the product appended to the transfer; False (counted) if none came. A
        refusal (the board no longer holds the product: reset since) ends the transfer."""
        offset = len(transfer.data)
        length = min(self.chunk_bytes, transfer.size - offset)
        reply = self.link.request("imager", "chunk", offset=offset, length=length)
        if reply is None:
            self.counters.missed += 1
            return False
        if reply.get("msg") != "chunk.ok":
            self.counters.errors += 1
            self._transfer = None
            return False
        data = reply.get("data")
        if reply.get("offset") != offset or not isinstance(data, bytes) or not 1 <= len(data) <= length:
            self.counters.malformed += 1
            return False
        transfer.data += data
        self.counters.ok += 1
        self.transfer_counters.chunks += 1
        return True

    def _release(self) -> None:
        """Tell the board to let go of the product taken, if it has not confirmed that yet."""
        if self._unreleased is None:
            return
        reply = self.link.request("imager", "release", request_id=self._unreleased)
        if reply is None:
            self.command_counters.missed += 1
            return
        if reply.get("msg") == "release.ok":
            self.command_counters.ok += 1
        else:  # the board holds no such product (reset since): nothing left to release
            self.command_counters.errors += 1
        self._unreleased = None
