"""The [campaign] table of a scenario: what varies from seed to seed in a campaign (`zorka run --seeds`).

Each dispersion names a scenario key as the file spells it (`start.offset_deg`,
`spacecraft.inertia_kg_m2`, `epoch_utc`) and how its value is dispersed about the scenario's own: a normal
deviation cut at +-bound, or a uniform one over +-bound, in the key's file unit (seconds for the epoch),
or as a fraction of the value when `relative`. Each element of an array varies on its own; a square
matrix (an inertia) stays symmetric. Checked against the scenario by `zorka.scenario.campaign_table`.
"""

from dataclasses import dataclass, field

from sim.orbit_spec import meta

DISTRIBUTIONS = ("normal", "uniform")


@dataclass(frozen=True)
class DispersionSpec:
    """A scenario value that varies per seed (the values shown are an example)."""

    key: str = field(
        default="start.offset_deg",
        metadata=meta("the scenario key that varies, dotted as in this file (epoch_utc: in seconds)"),
    )
    distribution: str = field(
        default="normal", metadata=meta("normal (sigma, cut at +-bound) or uniform (over +-bound)")
    )
    sigma: float = field(
        default=3.0, metadata=meta("normal: 1-sigma deviation, in the key's unit", "", 0.0, None)
    )
    bound: float = field(
        default=9.0, metadata=meta("largest deviation either way, in the key's unit", "", 0.0, None, True)
    )
    relative: bool = field(
        default=False, metadata=meta("sigma and bound are fractions of the scenario's value")
    )


@dataclass(frozen=True)
class CampaignSpec:
    """What varies from seed to seed in a campaign (`zorka run --seeds`); a single run ignores it."""

    dispersions: tuple[DispersionSpec, ...] = field(
        default=(), metadata=meta("the values drawn per seed, each from its own generator")
    )
