"""ADCS modes and the rules that move between them.

DETUMBLE (magnetorquers only) -> SUN_SAFE (sun pointing on the wheels) -> NOMINAL (nadir) ->
IMAGING (target tracking) and back. Ground (or the onboard planner) asks for a mode with
`request`; the manager refuses what the state does not allow. `evaluate` (1 Hz) falls back on its
own: to DETUMBLE when the body spins faster than the wheels can hold, to SUN_SAFE when the estimate
diverges, the rates exceed their limit in pointing modes, or a device the mode needs has failed.
Every transition is an event.
"""

import math
from dataclasses import dataclass
from enum import IntEnum

from flight.adcs.events import MODE_CHANGE, MODE_REQUEST_REFUSED
from flight.events import EventLog, Severity

DEG = math.pi / 180.0


class Mode(IntEnum):
    DETUMBLE = 0
    SUN_SAFE = 1
    NOMINAL = 2
    IMAGING = 3


# Which modes a request may lead to from each mode.
ALLOWED_REQUESTS = {
    Mode.DETUMBLE: {Mode.SUN_SAFE},
    Mode.SUN_SAFE: {Mode.DETUMBLE, Mode.NOMINAL},
    Mode.NOMINAL: {Mode.DETUMBLE, Mode.SUN_SAFE, Mode.IMAGING},
    Mode.IMAGING: {Mode.DETUMBLE, Mode.SUN_SAFE, Mode.NOMINAL},
}


@dataclass(frozen=True)
class ModeLimits:
    """Thresholds of the automatic transitions (tunable parameters of the ADCS)."""

    detumble_entry_rad_s: float = 8.0 * DEG  # any mode: faster than the wheels ever slew -> DETUMBLE
    detumble_exit_rad_s: float = 0.2 * DEG  # DETUMBLE -> SUN_SAFE once slower than this ...
    detumble_exit_hold_s: float = 60.0  # ... for this long
    pointing_rate_limit_rad_s: float = 1.0 * DEG  # NOMINAL/IMAGING: rate error over this -> SUN_SAFE
    estimate_sigma_limit_rad: float = 0.05 * DEG  # NOMINAL/IMAGING: estimate worse -> SUN_SAFE
    auto_nominal: bool = True  # SUN_SAFE -> NOMINAL on its own once the estimate is good ...
    auto_nominal_hold_s: float = 120.0  # ... for this long


@dataclass
class Health:
    """What the fallback rules look at, refreshed by the attitude loop before each `evaluate`."""

    rate_rad_s: float = 0.0  # body rate
    rate_error_rad_s: float = 0.0  # body rate against the guidance reference's (pointing modes)
    estimate_sigma_rad: float = math.inf
    star_tracker_ok: bool = False
    wheels_usable: int = 4


class ModeManager:
    def __init__(self, events: EventLog, limits: ModeLimits = ModeLimits(), mode: Mode = Mode.DETUMBLE):
        self.events = events
        self.limits = limits
        self.mode = mode
        self.transitions = 0
        self._calm_since_s: float | None = None
        self._good_since_s: float | None = None

    def request(self, t_s: float, mode: Mode) -> bool:
        """Ask for `mode` (telecommand or planner). False, with an event saying why, if not allowed now."""
        mode = Mode(mode)
        if mode == self.mode:
            return True
        if mode not in ALLOWED_REQUESTS[self.mode]:
            MODE_REQUEST_REFUSED.raise_(self.events, t_s, mode=mode.name, current=self.mode.name)
            return False
        self._enter(t_s, mode, "requested")
        return True

    def evaluate(self, t_s: float, health: Health) -> Mode:
        """Apply the automatic rules (call at 1 Hz); the mode after them."""
        limits = self.limits
        if self.mode != Mode.DETUMBLE and health.rate_rad_s > limits.detumble_entry_rad_s:
            self._enter(t_s, Mode.DETUMBLE, f"body rate {health.rate_rad_s / DEG:.2f} deg/s", Severity.HIGH)
        elif self.mode == Mode.DETUMBLE:
            self._leave_detumble_when_calm(t_s, health)
        elif self.mode in (Mode.NOMINAL, Mode.IMAGING):
            reason = self._pointing_fault(health)
            if reason:
                self._enter(t_s, Mode.SUN_SAFE, reason, Severity.HIGH)
        elif self.mode == Mode.SUN_SAFE and limits.auto_nominal:
            self._leave_safe_when_good(t_s, health)
        return self.mode

    def _pointing_fault(self, health: Health) -> str:
        limits = self.limits
        if health.rate_error_rad_s > limits.pointing_rate_limit_rad_s:
            return f"rate error {health.rate_error_rad_s / DEG:.2f} deg/s over the pointing limit"
        if not health.star_tracker_ok:
            return "star tracker failed"
        if health.estimate_sigma_rad > limits.estimate_sigma_limit_rad:
            return f"attitude estimate diverged ({health.estimate_sigma_rad / DEG:.3f} deg 1-sigma)"
        if health.wheels_usable < 3:
            return f"only {health.wheels_usable} wheels usable"
        return ""

    def _leave_detumble_when_calm(self, t_s: float, health: Health) -> None:
        if health.rate_rad_s >= self.limits.detumble_exit_rad_s:
            self._calm_since_s = None
            return
        if self._calm_since_s is None:
            self._calm_since_s = t_s
        if t_s - self._calm_since_s >= self.limits.detumble_exit_hold_s:
            self._enter(t_s, Mode.SUN_SAFE, "body rates damped")

    def _leave_safe_when_good(self, t_s: float, health: Health) -> None:
        good = (
            health.star_tracker_ok
            and health.estimate_sigma_rad <= self.limits.estimate_sigma_limit_rad
            and health.wheels_usable >= 3
            and health.rate_rad_s <= self.limits.pointing_rate_limit_rad_s
        )
        if not good:
            self._good_since_s = None
            return
        if self._good_since_s is None:
            self._good_since_s = t_s
        if t_s - self._good_since_s >= self.limits.auto_nominal_hold_s:
            self._enter(t_s, Mode.NOMINAL, "attitude estimate converged")

    def _enter(self, t_s: float, mode: Mode, reason: str, severity: Severity = Severity.INFO) -> None:
        previous = self.mode
        self.mode = mode
        self.transitions += 1
        self._calm_since_s = None
        self._good_since_s = None
        MODE_CHANGE.raise_(self.events, t_s, severity, previous=previous.name, mode=mode.name, reason=reason)
