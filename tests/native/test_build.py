"""The C extension itself: built in cffi's out-of-line API mode from the headers, nothing missing."""

import re
from pathlib import Path

import native
from native import build, ffi, lib

DECLARED = re.compile(r"^\s*(?:[\w ]+?[\s*])(zk_\w+)\s*\(", re.MULTILINE)


def declared_functions() -> set[str]:
    return {m.group(1) for h in build.HEADERS for m in DECLARED.finditer((build.HERE / h).read_text())}


def test_every_declared_function_is_compiled_and_callable():
    names = declared_functions()
    assert len(names) > 40
    missing = sorted(n for n in names if not callable(getattr(lib, n, None)))
    assert not missing


def test_every_room_source_is_compiled_beside_its_header_and_the_extension_is_api_mode():
    for source in build.SOURCES:
        assert source.replace(".c", ".h") in build.HEADERS, f"{source} has no header in the cffi API"
    for room in build.ROOMS:
        assert any(s.startswith(f"{room}/") for s in build.SOURCES), f"native/{room} has no C source"
    compiled = Path(native._core.__file__)
    assert compiled.suffix == ".so" and compiled.parent == build.HERE
    assert ffi.sizeof("zk_world") > 0


def test_integer_constants_reach_python():
    assert lib.ZK_MAX_WHEELS == 6


def test_floating_point_constants_reach_python_from_the_c():
    assert lib.ZK_TT_MINUS_UTC_S == 69.184
    assert lib.ZK_WGS84_F == 1.0 / 298.257223563
    assert lib.ZK_WGS84_B == 6378137.0 * (1.0 - 1.0 / 298.257223563)
