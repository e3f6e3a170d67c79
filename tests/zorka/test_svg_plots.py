"""The report's hand-written SVG against closed forms: tick steps are the smallest 1, 2 or 5 × 10^k that fit,
UTC ticks fall on whole steps of UTC (datetime's arithmetic), a simplified line stays within its tolerance
of every input point, labels are escaped (the SVG parses as XML and gives the text back), and a
one-report spike in a day of housekeeping reaches its value on the drawn wheel-speed curve."""

import math
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zorka.outputs.report_timeline import RPM_PER_RAD_S, wheel_speeds
from zorka.outputs.svg_axes import (
    Axes,
    linear_ticks,
    log_ticks,
    tick_label,
    utc_ticks,
)
from zorka.outputs.svg_figure import TOLERANCE_PX, Figure, path_data

SVG = ""  # inline SVG in HTML needs no xmlns: the HTML parser puts <svg> in the SVG namespace
NUMBER = r"-?(?:\d+\.?\d*|\.\d+)"


def polylines(data: str, scale: float = 0.1) -> list[np.ndarray]:
    """The absolute points, times `scale` (path data is in tenths of a pixel), of each subpath of path
    data made of M, l (relative lines) and z."""
    found: list[list[tuple[float, float]]] = []
    command = ""
    numbers: list[float] = []
    for token in re.findall(rf"[MlLzZ]|{NUMBER}", data):
        if token in ("M", "l", "L", "z", "Z"):
            command = token
            continue
        numbers.append(float(token))
        if len(numbers) < 2:
            continue
        x, y = numbers
        numbers = []
        if command == "M":
            found.append([(x, y)])
            command = "L"  # the pairs after a moveto are lines to
        elif command == "l":
            px, py = found[-1][-1]
            found[-1].append((px + x, py + y))
        else:
            found[-1].append((x, y))
    return [np.array(points) * scale for points in found]


def distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment of `line`."""
    if len(line) == 1:
        return np.hypot(*(points - line[0]).T)
    a, b = line[:-1], line[1:]
    ab = b - a
    length2 = np.maximum((ab**2).sum(axis=1), 1e-12)
    t = np.clip(((points[:, None, :] - a[None]) * ab[None]).sum(axis=2) / length2, 0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    return np.hypot(*(points[:, None, :] - nearest).transpose(2, 0, 1)).min(axis=1)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(1e-6, 1e7, allow_nan=False),
    st.integers(3, 12),
)
def test_linear_ticks_step_by_the_smallest_nice_number_that_fits(low, span, most):
    """The step is m × 10^k with m in {1, 2, 5}; the ticks are all its multiples inside [low, high], at
    most `most` of them; the next smaller nice step has more than `most` multiples there (so at least
    most / 2.5 remain: a nice step is at most 2.5 times the one before it)."""
    high = low + span
    if high <= low:  # the span vanished in rounding at this magnitude
        return
    ticks, step = linear_ticks(low, high, most)
    power = 10.0 ** math.floor(math.log10(step) + 1e-9)
    mantissa = round(step / power, 9)
    assert mantissa in (1.0, 2.0, 5.0)
    assert max(1, math.floor(most / 2.5)) <= len(ticks) <= most

    def multiples(s: float) -> int:
        return math.floor(high / s + 1e-9) - math.ceil(low / s - 1e-9) + 1

    assert len(ticks) == multiples(step)
    slack = 1e-9 * max(abs(low), abs(high))  # float rounding of k × step at this magnitude
    assert np.all(ticks >= low - slack) and np.all(ticks <= high + slack)
    assert np.allclose(np.diff(ticks), step)
    smaller = {1.0: 0.5 * power, 2.0: power, 5.0: 2.0 * power}[mantissa]
    assert multiples(smaller) > most


@pytest.mark.parametrize(
    ("low", "high", "most", "step"),
    [
        (0.0, 1.0, 6, 0.2),
        (0.0, 1.0, 11, 0.1),
        (-6600.0, 6600.0, 8, 2000.0),
        (78.0, 96.0, 6, 5.0),
        (0.0, 0.1, 4, 0.05),
    ],
)
def test_linear_ticks_of_familiar_ranges(low, high, most, step):
    """Heckbert's examples by hand: 0..1 in at most 6 ticks steps by 0.2, ±6,600 rpm by 2,000, ..."""
    assert linear_ticks(low, high, most)[1] == pytest.approx(step)


def test_tick_labels_have_the_step_s_decimals_and_a_true_minus():
    assert [tick_label(v, 0.2) for v in (-0.4, -0.0, 0.2)] == ["−0.4", "0.0", "0.2"]
    assert tick_label(-2000.0, 2000.0) == "−2000" and tick_label(0.05, 0.05) == "0.05"


def test_log_ticks_are_decades_or_1_2_5_within_one():
    assert log_ticks(3e-4, 0.5) == [(1e-3, "10⁻³"), (1e-2, "10⁻²"), (1e-1, "10⁻¹")]
    assert [v for v, _ in log_ticks(0.015, 0.3)] == pytest.approx([0.02, 0.05, 0.1, 0.2])
    assert [label for _, label in log_ticks(0.015, 0.3)] == ["0.02", "0.05", "0.1", "0.2"]


@settings(max_examples=200, deadline=None)
@given(st.floats(-12.0, 12.0), st.floats(0.05, 10.0))
def test_log_ticks_are_inside_and_read_back_as_their_values(log_low, decades):
    """At least two ticks, each in the range, its label read back as its value (10ⁿ or a decimal);
    three decades or more tick only the decades, fewer add 2 and 5 × each, and a range with fewer than
    two of those gets linear ticks."""
    low, high = 10.0**log_low, 10.0 ** (log_low + decades)
    ticks = log_ticks(low, high)
    values = [v for v, _ in ticks]
    assert len(ticks) >= 2 and all(low * (1 - 1e-9) <= v <= high * (1 + 1e-9) for v in values)
    assert values == sorted(values)
    for value, label in ticks:
        if set(label[2:]) and set(label[2:]) <= set("⁻⁰¹²³⁴⁵⁶⁷⁸⁹"):
            power = int(label[2:].translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
            assert value == 10.0**power
        else:
            assert float(label.replace("−", "-")) == pytest.approx(value, rel=1e-6, abs=1e-12)
    inside = [
        m * 10.0**k
        for k in range(-14, 25)
        for m in (1, 2, 5)
        if low * (1 - 1e-9) <= m * 10.0**k <= high * (1 + 1e-9)
    ]
    decades = [v for v in inside if round(v / 10.0 ** math.floor(math.log10(v) + 1e-12), 6) == 1.0]
    if len(decades) >= 3:
        assert values == pytest.approx(decades)
    elif len(inside) >= 2:
        assert values == pytest.approx(inside)
    else:
        assert values == pytest.approx(linear_ticks(low, high, 5)[0].tolist())


@settings(max_examples=200, deadline=None)
@given(st.integers(1_600_000_000, 1_900_000_000), st.floats(30.0, 40 * 86400.0), st.integers(4, 10))
def test_utc_ticks_fall_on_whole_utc_steps(epoch_unix_s, span_s, most):
    """Each tick is a whole multiple of its step since 1970 (so on midnight for a day), inside the range,
    at most `most`; its label is datetime's reading of that instant: the date at midnight, else the time
    of day."""
    ticks, first_date = utc_ticks(float(epoch_unix_s), 0.0, span_s, most)
    assert 1 <= len(ticks) <= most
    instants = [epoch_unix_s + t for t, _ in ticks]
    step = instants[1] - instants[0] if len(instants) > 1 else None
    for (t_s, label), instant in zip(ticks, instants, strict=True):
        assert 0.0 <= t_s <= span_s
        when = datetime.fromtimestamp(round(instant), UTC)
        if step is not None:
            assert round(instant) % step == 0
        if label[:3].isalpha():
            assert label == when.strftime("%b %d") and (
                step is None or step >= 86400 or round(instant) % 86400 == 0
            )
        else:
            assert label in (when.strftime("%H:%M"), when.strftime("%H:%M:%S"))
    assert first_date == datetime.fromtimestamp(round(instants[0]), UTC).strftime("%Y-%m-%d")


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 1000), st.integers(0, 2**32 - 1), st.floats(0.0, 0.05))
def test_a_simplified_line_stays_within_its_tolerance_of_every_point(n, seed, gap_fraction):
    """Every input point lies within TOLERANCE_PX (+ the 0.1 px rounding) of the drawn polyline of its
    stretch; gaps (NaN) split the line into as many subpaths as there are stretches."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 900.0, n))
    y = 200.0 + np.cumsum(rng.normal(0.0, rng.choice([0.05, 1.0, 20.0]), n))
    y[rng.random(n) < gap_fraction] = np.nan
    lines = polylines(path_data(x, y))
    valid = np.isfinite(y)
    stretches = np.split(np.flatnonzero(valid), np.flatnonzero(np.diff(np.flatnonzero(valid)) > 1) + 1)
    stretches = [s for s in stretches if len(s)]
    assert len(lines) == len(stretches)
    for index, line in zip(stretches, lines, strict=True):
        points = np.column_stack((x[index], y[index]))
        assert distance_to_polyline(points, line).max() <= TOLERANCE_PX + 0.071


def test_labels_are_escaped_and_the_figure_is_well_formed_xml():
    """A label and alt text with markup characters come back as written through an XML parser."""
    label = 'pass <Matera> & "Svalbard" \'s'
    figure = Figure(300, 200, "escape-test", f"alt {label}")
    axes = Axes(figure, (50, 10, 240, 150), (0.0, 1.0), (0.0, 1.0))
    axes.line([0, 1], [0, 1], "#000", label=label)
    axes.annotate(0.5, 0.5, label)
    axes.frame([(0.5, label)], [(0.5, label)], x_label=label, y_label=label)
    axes.legend()
    root = ElementTree.fromstring(figure.svg())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count(label) == 6  # the annotation, both ticks, both axis labels and the legend
    assert root.get("aria-label") == f"alt {label}" and root.find(f"{SVG}title").text == f"alt {label}"


class DayOfWheelSpeeds:
    """What `wheel_speeds` reads of the report's housekeeping: a day of 1 Hz reports of one wheel."""

    def __init__(self, speed_rad_s: np.ndarray):
        self.wheel_names = ("wheel0_speed_rad_s",)
        self.series = {"t_s": np.arange(len(speed_rad_s), dtype=float), "wheel0_speed_rad_s": speed_rad_s}

    def has(self, name: str) -> bool:
        return name in self.series


def test_a_one_report_spike_in_a_day_reaches_its_value_on_the_drawn_curve():
    """86,400 reports of a slow ±100 rad/s swing with one report at 500 rad/s: the wheel's path climbs to
    the pixel row of 500 rad/s (the axis is ±1.1 × saturation over the 250 px plot box below 11 px) and
    never above the swing elsewhere."""
    t = np.arange(86_400.0)
    speed = 100.0 * np.sin(t / 5000.0)
    speed[50_001] = 500.0
    saturation_rad_s = 600.0
    svg = wheel_speeds("wheels", 1.7e9, DayOfWheelSpeeds(speed), saturation_rad_s, 86_400.0)
    root = ElementTree.fromstring(svg)
    curve = next(p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#1f77b4")
    assert curve.get("transform") == "scale(.1)"
    (points,) = polylines(curve.get("d"))
    high_rpm = 1.1 * saturation_rad_s * RPM_PER_RAD_S

    def row(rpm: float) -> float:
        return 11.0 + 250.0 * (1.0 - (rpm + high_rpm) / (2.0 * high_rpm))

    assert points[:, 1].min() == pytest.approx(row(500.0 * RPM_PER_RAD_S), abs=0.11)
    spike_x = 81.0 + 895.0 * 50_001 / 86_400
    elsewhere = np.abs(points[:, 0] - spike_x) > 2.0
    assert points[elsewhere, 1].min() >= row(100.0 * RPM_PER_RAD_S) - 0.11
    assert len(svg) < 40_000


def test_a_filled_step_covers_the_integral_of_the_step_function():
    """A step plot filled down to zero (the report's mass-memory backlog): the filled polygon, read back
    from the SVG with its transform, has the area of the step function's integral in pixels (shoelace
    against the closed form), and its outline runs along the same steps."""
    figure = Figure(200, 100, "step-test", "a step")
    axes = Axes(figure, (0, 0, 200, 100), (0.0, 10.0), (0.0, 10.0))
    axes.step([0.0, 2.0, 5.0, 10.0], [1.0, 3.0, 2.0, 2.0], "#8c564b", fill_opacity=0.2)
    root = ElementTree.fromstring(figure.svg())
    paths = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "#8c564b"]
    assert len(paths) == 1 and paths[0].get("transform") == "scale(.1)"
    (ring,) = polylines(paths[0].get("d"))
    x, y = ring[:, 0], ring[:, 1]
    area_px2 = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    integral = 1.0 * 2.0 + 3.0 * 3.0 + 2.0 * 5.0  # data units: value x duration of each step
    assert area_px2 == pytest.approx(integral * (200 / 10) * (100 / 10), abs=0.5)
