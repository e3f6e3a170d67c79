"""campaign.html's analysis: Spearman's rank correlation against scipy's, the drawn values as columns, a
planted dependence found and the page's sections, the worst seeds linked only to reports that exist."""

import numpy as np
import pytest
from scipy import stats

from tests.headless_chromium import chromium_browser, open_page  # noqa: F401  (chromium_browser: a fixture)
from zorka.outputs.campaign_report import (
    DRIVERS,
    KEY_FIGURES,
    _value,
    campaign_plots,
    drawn_columns,
    sensitivities,
    spearman,
    wilks_order,
    write_campaign_report,
)
from zorka.run.campaign import SeedOutcome, campaign_document


@pytest.mark.parametrize("ties", [False, True])
def test_spearman_matches_scipy(ties):
    rng = np.random.default_rng(16)
    for _ in range(50):
        x = rng.normal(size=40)
        y = 0.5 * x + rng.normal(size=40)
        if ties:
            x, y = np.round(x), np.round(y * 2) / 2
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


def test_spearman_of_too_few_or_constant_samples_is_none():
    assert spearman(np.array([1.0, 2.0]), np.array([3.0, 1.0])) is None
    assert spearman(np.arange(5.0), np.zeros(5)) is None


def summaries(n: int) -> dict[int, dict]:
    """Seeds whose pointing error grows with the drawn offset and ignores the inertia; settle time none
    for seed 1."""
    rng = np.random.default_rng(7)
    made = {}
    for seed in range(1, n + 1):
        offset = float(rng.uniform(-10, 10))
        inertia = rng.normal(10.0, 0.1, (3, 3))
        inertia = (inertia + inertia.T) / 2
        made[seed] = {
            "seed": seed,
            "dispersion": {
                "start.offset_deg": offset,
                "spacecraft.inertia_kg_m2": inertia.tolist(),
                "epoch_utc": f"2025-06-21T00:00:{seed:02d}.000000Z",
            },
            "attitude": {
                "error_deg": {"p99": 0.1 + 0.01 * offset + float(rng.normal(0, 0.01))},
                "rate_error_deg_s": {"p99": float(rng.uniform(0.01, 0.02))},
                "settle_s": None if seed == 1 else float(rng.uniform(10, 20)),
            },
            "wheels": {"peak_momentum_fraction": float(rng.uniform(0.1, 0.3))},
            "power": {"min_soc": 0.9},
        }
    return made


def test_drawn_values_become_scalar_columns():
    columns = drawn_columns(summaries(5))
    assert set(columns) == {
        "start.offset_deg",
        "epoch_utc [s]",
        *(f"spacecraft.inertia_kg_m2[{i}][{j}]" for i in range(3) for j in range(i, 3)),
    }
    assert columns["epoch_utc [s]"] == {seed: float(seed - 1) for seed in range(1, 6)}


def test_a_planted_dependence_is_found_and_shown(tmp_path):
    made = summaries(200)
    found = sensitivities(made)
    assert found["attitude.error_deg.p99"]["start.offset_deg"] > 0.9
    assert abs(found["attitude.error_deg.p99"]["spacecraft.inertia_kg_m2[0][0]"]) < 0.25
    assert found["power.min_soc"]["start.offset_deg"] is None  # every seed the same
    settle = [made[s]["attitude"]["settle_s"] for s in range(2, 201)]
    offsets = [made[s]["dispersion"]["start.offset_deg"] for s in range(2, 201)]
    expected = stats.spearmanr(offsets, settle).statistic
    assert found["attitude.settle_s"]["start.offset_deg"] == pytest.approx(expected, abs=1e-12)

    outcomes = [SeedOutcome(s, made[s], tmp_path / f"seed-{s}" / "summary.json") for s in made]
    (tmp_path / "seed-3").mkdir()
    (tmp_path / "seed-3" / "report.html").write_text("<html></html>")
    page = write_campaign_report(campaign_document(outcomes, tmp_path), made, tmp_path).read_text()
    assert 'id="sensitivity"' in page and 'id="seeds"' in page and "http" not in page
    assert "<strong>+0.9" in page  # the planted dependence, bold
    assert page.count('href="seed-3/report.html"') >= 1 and "seed-4/report.html" not in page


@pytest.mark.parametrize(("seeds", "order"), [(58, 0), (59, 1), (93, 2), (124, 3), (153, 4), (200, 5)])
def test_wilks_orders_are_the_classic_95_95_sample_sizes(seeds, order):
    """59, 93, 124, 153: the runs after which the worst, 2nd, 3rd, 4th worst bound 95 % at 95 %."""
    assert wilks_order(seeds) == order


@pytest.mark.parametrize("n", [59, 100, 200, 1000])
def test_wilks_order_against_scipys_binomial(n):
    m = wilks_order(n)
    assert stats.binom.cdf(n - m, n, 0.95) >= 0.95 > stats.binom.cdf(n - m - 1, n, 0.95)


def test_the_page_states_the_tolerance_bound(tmp_path):
    made = summaries(93)
    outcomes = [SeedOutcome(s, made[s], tmp_path / f"seed-{s}" / "summary.json") for s in made]
    page = write_campaign_report(campaign_document(outcomes, tmp_path), made, tmp_path).read_text()
    p99 = sorted(made[s]["attitude"]["error_deg"]["p99"] for s in made)
    assert f"95% of seeds at most {p99[-2]:.5g} at 95% confidence (Wilks: the 2nd worst of 93)" in page


def test_plots_drawn_beforehand_give_the_same_page(tmp_path):
    """A campaign draws the plots while its workers complete the worst seeds, then writes the page."""
    made = summaries(60)
    outcomes = [SeedOutcome(s, made[s], tmp_path / f"seed-{s}" / "summary.json") for s in made]
    document = campaign_document(outcomes, tmp_path)
    plots = campaign_plots(made)
    assert set(plots) == {key for key, _, _ in KEY_FIGURES if key in document["figures"]} | {DRIVERS}
    stand_ins = {name: f"<p>plot {name}</p>" for name in plots}
    page = write_campaign_report(document, made, tmp_path, stand_ins).read_text()
    for name, plot in plots.items():
        page = page.replace(stand_ins[name], plot)
    assert page == write_campaign_report(document, made, tmp_path).read_text()


def test_the_page_renders_clean_in_chromium(tmp_path, chromium_browser):  # noqa: F811
    """campaign.html of 200 seeds in headless Debian chromium: no console error, nothing fetched, every plot
    an inline SVG image laid out with a size and described; the pointing error's histogram bars as high
    as the seeds counted in 30 equal bins by hand."""
    made = summaries(200)
    outcomes = [SeedOutcome(s, made[s], tmp_path / f"seed-{s}" / "summary.json") for s in made]
    path = write_campaign_report(campaign_document(outcomes, tmp_path), made, tmp_path)
    loaded = open_page(chromium_browser, path.as_uri())
    requests: list[str] = []
    loaded.page.on("request", lambda request: requests.append(request.url))
    loaded.page.reload(wait_until="load")
    assert loaded.console_errors == [] and all(url.startswith("file://") for url in requests)
    plots = loaded.page.eval_on_selector_all(
        "svg[role=img]",
        "ss => ss.map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height,"
        " s.getAttribute('aria-label')])",
    )
    expected = sum(any(_value(made[s], key) is not None for s in made) for key, _, _ in KEY_FIGURES) + 1
    assert len(plots) == expected  # a histogram per key figure some seed has, and the drivers
    assert all(width > 0 and height > 0 and len(alt) > 30 for width, height, alt in plots)
    heights = np.array(
        loaded.page.eval_on_selector_all(
            "#attitude-error_deg-p99 svg g[fill-opacity] rect", "rs => rs.map(r => r.getBBox().height)"
        )
    )
    values = np.array([made[s]["attitude"]["error_deg"]["p99"] for s in sorted(made)])
    low, high = values.min(), values.max()
    counts = np.zeros(30)
    for v in values:  # 30 equal bins over [min, max], the last one closed
        counts[min(int((v - low) / (high - low) * 30), 29)] += 1
    assert len(heights) == 30 and np.allclose(heights / heights.max(), counts / counts.max(), atol=0.01)
