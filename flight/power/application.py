"""The power application: the electrical power system read once a second, in the housekeeping rate
group just before the housekeeping sample that reports it.

`fresh` says whether this second's reading arrived (the EPS answers over a link that may drop it);
housekeeping keeps the last good readings otherwise. The loads are switched by the applications
that own them (payload, transmitter) through the same hal device.
"""

from hal.devices import PowerSystem


class Power:
    def __init__(self, eps: PowerSystem):
        self.eps = eps
        self.fresh = False
        self.misses = 0

    def sample(self, t_s: float) -> None:
        """1 Hz: read the EPS."""
        self.fresh = self.eps.sample()
        if not self.fresh:
            self.misses += 1
