"""The loss simulation against answers known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hygeia.program import quant


def fixed(value: float) -> quant.Range:
    return quant.Range(value, value, value)


def test_a_fixed_rate_and_loss_give_the_poisson_answer():
    """Rate 0.5 a year, $1M an event: yearly loss = $1M x Poisson(0.5).
    Mean 0.5M; P(loss > 0) = 1 - e^-0.5; P(loss > 1M) = 1 - e^-0.5 (1 + 0.5)."""
    result = quant.simulate(quant.Scenario("r", fixed(0.5), fixed(1e6)), years=200_000, seed=3)
    assert result.ale == pytest.approx(0.5e6, rel=0.01)
    above_zero, above_one = result.exceedance([0, 1e6])
    assert above_zero == pytest.approx(1 - math.exp(-0.5), abs=0.004)
    assert above_one == pytest.approx(1 - math.exp(-0.5) * 1.5, abs=0.004)
    assert result.percentile(50) == 0 and result.percentile(90) == 1e6
    assert result.percentile(99) == 3e6  # P(N <= 2) = 0.9856, P(N <= 3) = 0.9982


def test_pert_ranges_have_the_pert_mean():
    rng = np.random.default_rng(1)
    spread = quant.Range(100_000, 1_000_000, 9_770_000)
    samples = spread.sample(rng, 400_000)
    assert samples.min() >= 100_000 and samples.max() <= 9_770_000
    assert samples.mean() == pytest.approx(spread.mean, rel=0.005)


def test_ale_is_frequency_mean_times_magnitude_mean():
    frequency, magnitude = quant.Range(0.1, 0.3, 2.0), quant.Range(1e5, 1e6, 9.77e6)
    result = quant.simulate(quant.Scenario("r", frequency, magnitude), years=300_000, seed=5)
    assert result.ale == pytest.approx(frequency.mean * magnitude.mean, rel=0.02)


def test_the_same_seed_gives_the_same_years_and_a_treatment_scales_the_loss():
    scenario = quant.Scenario("r", quant.Range(0.2, 1, 3), quant.Range(1e4, 5e5, 2e6))
    first = quant.simulate(scenario, 50_000, seed=9)
    assert np.array_equal(first.years, quant.simulate(scenario, 50_000, seed=9).years)
    assert not np.array_equal(first.years, quant.simulate(scenario, 50_000, seed=10).years)
    halved = quant.simulate(scenario.treated(0.0, 0.5), 50_000, seed=9)
    assert halved.ale == pytest.approx(first.ale / 2, rel=1e-9)  # same events, half each loss
    rarer = quant.simulate(scenario.treated(0.6, 0.0), 100_000, seed=9)
    assert rarer.ale == pytest.approx(first.ale * 0.4, rel=0.05)
    both = scenario.treated(0.5, 0).treated(0.5, 0)
    assert both.frequency_reduction == pytest.approx(0.75)


def test_the_portfolio_adds_years_and_its_curve_falls():
    a = quant.simulate(quant.Scenario("a", fixed(1), fixed(100)), 10_000, 1)
    b = quant.simulate(quant.Scenario("b", fixed(2), fixed(10)), 10_000, 1)
    total = quant.portfolio([a, b])
    assert total.ale == pytest.approx(a.ale + b.ale)
    points = quant.curve_points([total])
    curve = total.exceedance(points)
    assert curve == sorted(curve, reverse=True) and curve[-1] < 0.01


@pytest.mark.parametrize("bad", [(1, 0.5, 2), (-1, 0, 1), (0, 3, 2)])
def test_ranges_must_be_ordered(bad):
    with pytest.raises(ValueError, match="minimum <= most likely <= maximum"):
        quant.Range(*bad)
