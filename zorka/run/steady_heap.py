"""Keep the garbage collector's full passes out of real-time frames.

A built mission holds ~40,000 long-lived Python objects; a full (generation 2) collection walks them
all and took 29 ms on the CI machine, a third of a 100 ms frame, more on a loaded one. Real-time
loops call `freeze_built_objects` once, after everything is built and before the first frame: those
objects move to the permanent generation (gc.freeze), so later collections walk only what the run
itself allocates (measured: 29 ms → 0.003 ms for a full pass right after freezing).
"""

import gc


def freeze_built_objects() -> None:
    """Collect once, then exempt every surviving object from later collections."""
    gc.collect()
    gc.freeze()
