"""Zorka's C core, called through cffi: `ffi` and `lib` of the compiled `native._core`.

The C sits in rooms beside this file, each with one public header that says who owns what its structs
point to: common/ (shared by both sides), flight/ and sim/ (each sees only common), record/ (the run
recorder, which sees both) and board/ (portable firmware code that sees nothing else).
`native/build.py` is the one builder.
"""

import numpy as np

from native._core import ffi, lib

__all__ = ["ffi", "lib", "ptr", "view"]


def ptr(array: np.ndarray):
    """A `double *` onto a C-contiguous float64 array, without copying (keep it for hot paths)."""
    if array.dtype != np.float64 or not array.flags.c_contiguous:
        raise TypeError("ptr() needs a C-contiguous float64 array")
    return ffi.from_buffer("double[]", array)


def view(cdata_array, n: int | None = None) -> np.ndarray:
    """A float64 numpy view onto a C `double[]` member (a struct field), sharing its memory."""
    count = len(cdata_array) if n is None else n
    return np.frombuffer(ffi.buffer(cdata_array, 8 * count), dtype=np.float64)
