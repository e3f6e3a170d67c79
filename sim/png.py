"""A minimal PNG writer (8-bit grayscale), so image products and thumbnails need no imaging library.

PNG (ISO/IEC 15948): the signature, then chunks of length, type, data and CRC-32: IHDR (width, height,
bit depth 8, colour type 0, no interlace), optional tEXt chunks (keyword, NUL, Latin-1 text), one IDAT
(zlib of the scanlines, each preceded by its filter byte: 0, none) and IEND.
"""

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def grayscale_png(image: np.ndarray, text: dict[str, str] | None = None) -> bytes:
    """PNG bytes of a 2-D uint8 array (rows top to bottom), with optional tEXt entries."""
    pixels = np.asarray(image)
    if pixels.ndim != 2 or pixels.dtype != np.uint8 or 0 in pixels.shape:
        raise ValueError(
            f"a grayscale PNG needs a non-empty 2-D uint8 array; got {pixels.dtype} {pixels.shape}"
        )
    height, width = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    scanlines = np.zeros((height, width + 1), dtype=np.uint8)
    scanlines[:, 1:] = pixels
    chunks = [_chunk(b"IHDR", header)]
    for keyword, value in (text or {}).items():
        if not 1 <= len(keyword) <= 79:
            raise ValueError(f"a tEXt keyword has 1 to 79 characters; got {keyword!r}")
        chunks.append(_chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + value.encode("latin-1")))
    chunks.append(_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 9)))
    chunks.append(_chunk(b"IEND", b""))
    return SIGNATURE + b"".join(chunks)
