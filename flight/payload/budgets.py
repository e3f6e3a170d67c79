"""The plan held to the spacecraft's budgets: memory until the next downlink window, energy per orbit.

Captures are taken in time order. Memory: each capture adds its product to mass memory, each downlink
window takes off what its data rate can carry; a capture that would overfill the memory is deferred.
Energy: the payload's draw over each capture (and its pointing lead) is summed per orbit; where an
orbit's captures exceed its budget, the lowest-priority ones are deferred. A deferred request stays
open for a later plan — when the memory has been downlinked or the next orbit's energy is there.
"""

import math
from dataclasses import dataclass

from flight.payload.planner import Capture


@dataclass(frozen=True)
class Budgets:
    """What a plan may spend: `free_bytes` of mass memory now, `product_bytes` per capture, the
    downlink's `downlink_bytes_s` in its windows, and `energy_per_orbit_j` at `payload_power_w`."""

    free_bytes: float
    product_bytes: float
    downlink_bytes_s: float
    payload_power_w: float
    energy_per_orbit_j: float
    orbit_s: float
    lead_s: float = 0.0


def within_budgets(
    captures: list[Capture], windows: list[tuple[float, float]], budgets: Budgets
) -> tuple[list[Capture], list[Capture]]:
    """(kept, deferred): the captures the budgets allow, in time order, and the rest."""
    deferred: set[int] = set()
    by_orbit: dict[int, list[int]] = {}
    for k, capture in enumerate(captures):
        by_orbit.setdefault(math.floor(capture.start_s / budgets.orbit_s), []).append(k)
    for members in by_orbit.values():
        spent_j = 0.0
        for k in sorted(members, key=lambda k: -captures[k].priority):
            cost_j = budgets.payload_power_w * (captures[k].duration_s + budgets.lead_s)
            if spent_j + cost_j > budgets.energy_per_orbit_j:
                deferred.add(k)
            else:
                spent_j += cost_j

    def carried_bytes(a_s: float, b_s: float) -> float:
        """What the downlink windows carry away between a_s and b_s."""
        return budgets.downlink_bytes_s * sum(max(0.0, min(e, b_s) - max(s, a_s)) for s, e in windows)

    used, previous_s = 0.0, -math.inf
    for k, capture in enumerate(captures):
        if k in deferred:
            continue
        used = max(0.0, used - carried_bytes(previous_s, capture.start_s))
        previous_s = capture.start_s
        if used + budgets.product_bytes > budgets.free_bytes:
            deferred.add(k)
        else:
            used += budgets.product_bytes
    kept = [c for k, c in enumerate(captures) if k not in deferred]
    return kept, [c for k, c in enumerate(captures) if k in deferred]
