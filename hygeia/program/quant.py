"""FAIR-style loss quantification by Monte Carlo.

Each simulated year draws the loss event frequency from its range, the number of loss events
from a Poisson distribution with that rate, and each event's loss magnitude from its range;
the year's loss is their sum. Ranges are (minimum, most likely, maximum) read as Beta-PERT
distributions, the usual choice in FAIR because experts can give those three numbers. A
treatment scales frequency and/or magnitude down. Everything is seeded: the same register
and seed give the same figures.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

YEARS = 100_000
PERCENTILES = (50, 90, 99)


@dataclass(frozen=True)
class Range:
    low: float
    likely: float
    high: float

    def __post_init__(self) -> None:
        if not (0 <= self.low <= self.likely <= self.high):
            raise ValueError(
                f"a range needs 0 <= minimum <= most likely <= maximum "
                f"(got {self.low:g}, {self.likely:g}, {self.high:g})"
            )

    @property
    def mean(self) -> float:
        """The Beta-PERT mean."""
        return (self.low + 4 * self.likely + self.high) / 6

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.high == self.low:
            return np.full(size, self.low, dtype=float)
        span = self.high - self.low
        alpha = 1 + 4 * (self.likely - self.low) / span
        beta = 1 + 4 * (self.high - self.likely) / span
        return self.low + rng.beta(alpha, beta, size) * span


@dataclass(frozen=True)
class Scenario:
    key: str
    frequency: Range  # loss events a year
    magnitude: Range  # loss an event
    frequency_reduction: float = 0.0
    magnitude_reduction: float = 0.0

    def treated(self, frequency_reduction: float, magnitude_reduction: float) -> Scenario:
        """The same risk with a control in place (reductions combine multiplicatively)."""
        return Scenario(
            self.key,
            self.frequency,
            self.magnitude,
            1 - (1 - self.frequency_reduction) * (1 - frequency_reduction),
            1 - (1 - self.magnitude_reduction) * (1 - magnitude_reduction),
        )


@dataclass(frozen=True)
class Result:
    years: np.ndarray  # the loss of each simulated year

    @property
    def ale(self) -> float:
        """Annualized loss expectancy: the mean yearly loss."""
        return float(self.years.mean())

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.years, q))

    def exceedance(self, thresholds: Sequence[float]) -> list[float]:
        """P(yearly loss > x) for each x: the loss-exceedance curve."""
        ordered = np.sort(self.years)
        above = len(ordered) - np.searchsorted(ordered, np.asarray(thresholds), side="right")
        return [float(a) / len(ordered) for a in above]

    def summary(self) -> dict[str, float]:
        figures = {"ale": round(self.ale, 2)}
        for q in PERCENTILES:
            figures[f"p{q}"] = round(self.percentile(q), 2)
        figures["p_any_loss"] = round(float((self.years > 0).mean()), 5)
        return figures


def seed_for(key: str, seed: int) -> int:
    """A per-risk seed: stable across runs and independent of the register's order."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:8], "big")


def simulate(scenario: Scenario, years: int = YEARS, seed: int = 1) -> Result:
    rng = np.random.default_rng(seed_for(scenario.key, seed))
    rates = scenario.frequency.sample(rng, years) * (1 - scenario.frequency_reduction)
    counts = rng.poisson(rates)
    total = int(counts.sum())
    magnitudes = scenario.magnitude.sample(rng, total) * (1 - scenario.magnitude_reduction)
    owner = np.repeat(np.arange(years), counts)
    losses = np.bincount(owner, weights=magnitudes, minlength=years)
    return Result(losses)


def portfolio(results: Sequence[Result]) -> Result:
    """The organization's yearly loss: the risks' simulated years added (independent risks,
    each from its own seed)."""
    if not results:
        return Result(np.zeros(1))
    return Result(np.sum([r.years for r in results], axis=0))


def curve_points(results: Sequence[Result], points: int = 24) -> list[float]:
    """Loss thresholds (log-spaced) that show the curves from the common to the rare."""
    top = max((r.percentile(99.9) for r in results), default=0.0)
    if top <= 0:
        return [0.0]
    low = max(top / 10_000, 1.0)
    return [float(x) for x in np.geomspace(low, top, points)]
