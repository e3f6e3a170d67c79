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


def test_every_header_has_its_source_and_the_extension_is_api_mode():
    for header, source in zip(build.HEADERS, build.SOURCES, strict=True):
        assert (build.HERE / source).is_file(), f"{header} has no {source}"
    compiled = Path(native._core.__file__)
    assert compiled.suffix == ".so" and compiled.parent == build.HERE
    assert ffi.sizeof("zk_world") > 0


def test_integer_constants_reach_python():
    assert lib.ZK_MAX_WHEELS == 6
