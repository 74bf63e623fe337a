"""A 200-risk portfolio simulated: 100,000 years per risk (FAIR, PERT ranges, Poisson events).

Reference in the same run: the bare floor — numpy drawing the same number of Poisson counts
and summing as many uniform losses, with no distributions to fit — to show what the
simulation's own logic costs on top.

Run:  python benchmarks/risk_portfolio.py [--risks 200] [--years 100000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hygeia.program import quant


def scenarios(count: int, seed: int) -> list[quant.Scenario]:
    rng = random.Random(seed)  # noqa: S311 - synthetic ranges, not secrets
    made = []
    for i in range(count):
        low = rng.choice([0.01, 0.02, 0.05, 0.1, 0.2, 0.5])
        likely = low * rng.uniform(1, 4)
        high = likely * rng.uniform(1.5, 6)
        m_low = rng.choice([5e3, 2e4, 1e5, 5e5])
        m_likely = m_low * rng.uniform(2, 10)
        m_high = m_likely * rng.uniform(2, 8)
        made.append(quant.Scenario(f"R-{i:04d}", quant.Range(low, likely, high),
                                   quant.Range(m_low, m_likely, m_high)))  # fmt: skip
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--risks", type=int, default=200)
    parser.add_argument("--years", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    portfolio_in = scenarios(args.risks, args.seed)

    started = time.perf_counter()
    results = [quant.simulate(s, args.years, args.seed) for s in portfolio_in]
    total = quant.portfolio(results)
    curve = total.exceedance(quant.curve_points([total]))
    elapsed = time.perf_counter() - started
    events = sum(int((r.years > 0).sum()) for r in results)
    years = args.risks * args.years
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"hygeia: {args.risks} risks x {args.years:,} years in {elapsed:.2f} s "
          f"({years / elapsed:,.0f} risk-years/s); portfolio ALE ${total.ale:,.0f}, "
          f"p90 ${total.percentile(90):,.0f}, p99 ${total.percentile(99):,.0f}; "
          f"{len(curve)} curve points; {events:,} years with a loss; "
          f"peak RSS {peak:,.0f} MB")  # fmt: skip

    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    for scenario in portfolio_in:
        counts = rng.poisson(scenario.frequency.mean, args.years)
        losses = rng.random(int(counts.sum()))
        np.bincount(np.repeat(np.arange(args.years), counts), weights=losses, minlength=args.years)
    floor = time.perf_counter() - started
    print(f"numpy floor (reference): the same Poisson draws and sums in {floor:.2f} s "
          f"({years / floor:,.0f} risk-years/s)")  # fmt: skip


if __name__ == "__main__":
    main()
