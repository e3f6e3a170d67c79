"""A control frame allocates nothing: no numpy array, no cffi object, no growth.

Checked two ways over frames that include the 1 Hz groups: every function a frame calls is
recorded with a profiler (numpy may only be asked to copy in place, cffi never to allocate), and
tracemalloc sees no memory kept after warm-up.
"""

import sys
import tracemalloc

import pytest

from zorka.run.mission import Mission
from zorka.scenario.model import Scenario

NADIR = Scenario()  # one orbit of nadir pointing, no station or radio (the base a scenario file overrides)

IN_PLACE_NUMPY = {"copyto"}
CFFI_ALLOCATORS = {"new", "from_buffer", "cast", "buffer", "new_allocator", "gc"}


@pytest.fixture
def running_mission():
    mission = Mission(NADIR, 600.0)
    mission.flight.executive.run_frames(25)
    return mission


def c_function_module(function) -> str | None:
    """The module of a builtin; for a method of a C type (cffi's `FFI.new`), the module of its type."""
    module = getattr(function, "__module__", None)
    if module is None and hasattr(function, "__self__"):
        module = type(function.__self__).__module__
    return module


def called_functions(run) -> set[tuple[str | None, str]]:
    """(module, name) of every Python and C function called while `run` runs."""
    seen = set()

    def profile(frame, event, arg):
        if event == "c_call":
            seen.add((c_function_module(arg), getattr(arg, "__name__", repr(arg))))
        elif event == "call":
            seen.add((frame.f_globals.get("__name__"), frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return seen


def bytes_kept(run_frames) -> int:
    """Bytes still allocated after 2000 frames of `run_frames(n)`, counted from after 300 frames (so that
    what a frame replaces was allocated under tracing)."""
    tracemalloc.start()
    try:
        run_frames(300)
        before = tracemalloc.take_snapshot()
        run_frames(2000)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    here = tracemalloc.Filter(False, tracemalloc.__file__)
    diff = after.filter_traces([here]).compare_to(before.filter_traces([here]), "filename")
    return sum(stat.size_diff for stat in diff)


def test_a_frame_calls_no_allocating_function(running_mission):
    seen = called_functions(lambda: running_mission.flight.executive.run_frames(20))
    names = {name for _, name in seen}
    assert {"tick", "navigate", "sample", "zk_world_step_to"} <= names, (
        "the profile must see the frame's work"
    )
    numpy_calls = {name for module, name in seen if module and module.startswith("numpy")}
    assert numpy_calls <= IN_PLACE_NUMPY, f"numpy called per frame: {numpy_calls - IN_PLACE_NUMPY}"
    cffi_calls = {name for module, name in seen if module and "cffi" in module} & CFFI_ALLOCATORS
    assert not cffi_calls, f"cffi allocations per frame: {cffi_calls}"


def test_frames_keep_no_memory(running_mission):
    growth = bytes_kept(running_mission.flight.executive.run_frames)
    # Anything kept per frame is at least one 16-byte block, so 2000 frames would keep >= 32 kB;
    # a few dozen bytes are one-off caches of the interpreter, whatever tests ran before.
    assert growth < 1024, f"{growth} bytes kept over 2000 frames: something is kept every frame"
