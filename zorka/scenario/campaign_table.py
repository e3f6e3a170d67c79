"""The dispersions of a scenario's [campaign] table: checked against the scenario, and drawn per seed.

A seed's draws come from generators of its own, one per dispersed key (`sim.randomness.model_seed`), so
they are the same whatever engine runs the seed and in whatever order, and adding a dispersion never
shifts another's draws. Drawn values go through the scenario file's own checks, as if written in it.
"""

import math
from dataclasses import fields, is_dataclass, replace
from datetime import timedelta

import numpy as np

from native.time_scales import parse_utc
from sim.randomness import model_seed
from zorka.scenario.campaign_spec import DISTRIBUTIONS, DispersionSpec
from zorka.scenario.model import Scenario
from zorka.scenario.toml_file import HIDDEN_FIELDS, ScenarioError, file_unit, override

EPOCH_KEY = "epoch_utc"


def _field_value(scenario: Scenario, key: str) -> tuple[object, float]:
    """The value of the scenario key `key` (dotted, as the file spells it) in its file unit, and the
    internal value of one file unit; KeyError if `key` names no field."""
    node: object = scenario
    scale = 1.0
    for part in key.split("."):
        if not is_dataclass(node):
            raise KeyError(key)
        hidden = HIDDEN_FIELDS if isinstance(node, Scenario) else set()
        names = {file_unit(f.name)[0]: f.name for f in fields(node) if f.init and f.name not in hidden}
        if part not in names:
            raise KeyError(key)
        scale = file_unit(names[part])[1]
        node = getattr(node, names[part])
    return node, scale


def nominal_value(scenario: Scenario, key: str) -> float | np.ndarray | str:
    """The scenario's own value of a dispersed key, in the file's unit (the epoch as its text)."""
    if key == EPOCH_KEY:
        return scenario.epoch_utc
    value, scale = _field_value(scenario, key)
    if value is None or isinstance(value, bool | str) or is_dataclass(value):
        raise KeyError(key)
    array = np.asarray(value, dtype=float) / scale
    return float(array) if array.ndim == 0 else array


def _nested(key: str, value: object) -> dict:
    """{"a": {"b": value}} for key "a.b": a scenario file's table setting one key."""
    table: object = value.tolist() if isinstance(value, np.ndarray) else value
    for part in reversed(key.split(".")):
        table = {part: table}
    return table  # type: ignore[return-value]


def _applied(scenario: Scenario, key: str, nominal: object, deviation: float | np.ndarray, relative: bool):
    """The scenario with `key` moved by `deviation` from `nominal`, and the value set (file units)."""
    if key == EPOCH_KEY:
        shifted = parse_utc(str(nominal)) + timedelta(seconds=float(deviation))
        text = shifted.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return replace(scenario, epoch_utc=text), text
    value = nominal * (1.0 + deviation) if relative else nominal + deviation
    value = float(value) if np.ndim(value) == 0 else np.asarray(value)
    return override(scenario, _nested(key, value), ""), value


def check_campaign(scenario: Scenario, source: str = "scenario") -> None:
    """Each dispersion names a numeric key of the scenario, once, with a distribution we draw from, and
    its extremes (the value +-bound) pass the field's own checks; `ScenarioError` naming the entry."""
    seen = set()
    for i, spec in enumerate(scenario.campaign.dispersions):
        where = f"campaign.dispersions[{i}]"
        try:
            nominal = nominal_value(scenario, spec.key)
        except KeyError:
            raise ScenarioError(
                f"{where}.key",
                spec.key,
                "must name a number or an array of numbers set in this scenario, "
                "dotted as in the file (e.g. start.offset_deg, spacecraft.gyro.bias_deg_h, epoch_utc)",
                source,
            ) from None
        if spec.key in seen:
            raise ScenarioError(f"{where}.key", spec.key, "is already dispersed by an earlier entry", source)
        seen.add(spec.key)
        if spec.distribution not in DISTRIBUTIONS:
            raise ScenarioError(
                f"{where}.distribution",
                spec.distribution,
                f"must be one of {', '.join(DISTRIBUTIONS)}",
                source,
            )
        if spec.distribution == "normal" and spec.sigma <= 0.0:
            raise ScenarioError(f"{where}.sigma", spec.sigma, "a normal dispersion needs sigma > 0", source)
        if spec.relative and spec.key == EPOCH_KEY:
            raise ScenarioError(
                f"{where}.relative", True, "the epoch disperses in seconds: set false", source
            )
        for sign in (-1.0, 1.0):
            try:
                _applied(scenario, spec.key, nominal, sign * spec.bound, spec.relative)
            except (ScenarioError, ValueError) as problem:
                raise ScenarioError(
                    f"{where}.bound",
                    spec.bound,
                    f"takes {spec.key} out of its range ({problem}); narrow it",
                    source,
                ) from None


def _deviation(spec: DispersionSpec, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """One deviation per element: uniform over +-bound, or normal cut at +-bound (drawn again past it);
    a square matrix's mirrored from its upper triangle, so it stays symmetric."""
    if spec.distribution == "uniform":
        deviation = rng.uniform(-spec.bound, spec.bound, shape)
    else:
        deviation = rng.normal(0.0, spec.sigma, shape)
        outside = np.abs(deviation) > spec.bound
        while outside.any():
            deviation[outside] = rng.normal(0.0, spec.sigma, int(outside.sum()))
            outside = np.abs(deviation) > spec.bound
    if len(shape) == 2 and shape[0] == shape[1]:
        deviation = np.triu(deviation) + np.triu(deviation, 1).T
    return deviation


def draw_deviation(spec: DispersionSpec, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """The deviation of `spec` for `seed`, from the generator of that seed and key alone."""
    return _deviation(spec, shape, np.random.default_rng(model_seed(seed, f"dispersion {spec.key}")))


def dispersed_scenario(scenario: Scenario, seed: int) -> tuple[Scenario, dict[str, object]]:
    """The scenario of one seed of a campaign: its seed set and each dispersion drawn for it; and the
    values drawn (file units; the epoch as text), by key. ValueError naming the key if a draw fails the
    scenario's checks (e.g. an inertia no longer positive-definite)."""
    scenario = replace(scenario, seed=seed)
    drawn: dict[str, object] = {}
    for spec in scenario.campaign.dispersions:
        nominal = nominal_value(scenario, spec.key)
        deviation = draw_deviation(spec, np.shape(nominal), seed)
        scenario, value = _applied(scenario, spec.key, nominal, deviation, spec.relative)
        drawn[spec.key] = value.tolist() if isinstance(value, np.ndarray) else value
    inertia = np.asarray(scenario.spacecraft.inertia_kg_m2)
    if np.any(np.linalg.eigvalsh(inertia) <= 0.0) or not all(math.isfinite(x) for x in inertia.flat):
        raise ValueError(
            f"seed {seed}: the drawn spacecraft.inertia_kg_m2 is not positive-definite; narrow its dispersion"
        )
    return scenario, drawn
