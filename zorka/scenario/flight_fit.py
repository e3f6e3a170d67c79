"""Whether the flight software can start from a scenario: the ADCS tunables it derives from the spacecraft
and the orbit (slew limits from wheel momentum over inertia, the B-dot gain from the orbit rate) must lie
in the ranges its dictionary declares, or it refuses to start. Checked with the same derivation the run
uses, so that what `zorka scenario --check` accepts also starts."""

from flight.adcs.tunables import TUNABLES
from native.time_scales import julian_date, parse_utc
from zorka.run.assembly import adcs_config
from zorka.scenario.model import Scenario
from zorka.scenario.toml_file import ScenarioError


def check_flight_fit(scenario: Scenario, source: str = "scenario") -> None:
    """ScenarioError (one line, prefixed with `source`) naming the first derived tunable out of its range."""
    config = adcs_config(scenario, julian_date(parse_utc(scenario.epoch_utc)))
    for tunable in TUNABLES:
        value = getattr(config, tunable.name, None)
        if value is not None and not tunable.type.valid(value):
            arg = tunable.type
            raise ScenarioError(
                "",
                "",
                f"spacecraft and orbit: the flight software derives {tunable.name} = {value:.6g} from them, "
                f"outside its range [{arg.low:g}, {arg.high:g}] {arg.unit}; change the wheels, inertia "
                "or orbit",
                source,
            )
