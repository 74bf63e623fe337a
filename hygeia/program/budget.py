"""Budget alignment: what each budget line buys in quantified risk reduction, which high
risks nothing in the budget addresses, and how the years compare."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hygeia.program import risks
from hygeia.program.models import BudgetLine, Risk

HIGH_QUALITATIVE = 15  # likelihood x impact at or above which a risk counts as high


@dataclass
class LineView:
    line: BudgetLine
    reduction: float  # expected yearly loss avoided, shared among the lines on the same risk
    per_dollar: float | None


def alignment(
    year: int, seed: int = 1, simulated: list[risks.Simulated] | None = None
) -> dict[str, Any]:
    """`simulated`: the register already simulated by the caller (the board report), so that
    it is not simulated twice."""
    lines = list(BudgetLine.objects.filter(year=year).prefetch_related("risks", "requirements"))
    if simulated is None:
        simulated, _ = risks.simulate_register(seed=seed, years=20_000)
    reduction = {s.risk.pk: (s.before.ale - s.after.ale) if s.after else 0.0 for s in simulated}
    ale = {s.risk.pk: s.before.ale for s in simulated}
    sharing: dict[int, int] = defaultdict(int)
    for line in lines:
        for risk in line.risks.all():
            sharing[risk.pk] += 1
    views = []
    for line in lines:
        gained = sum(reduction.get(r.pk, 0.0) / sharing[r.pk] for r in line.risks.all())
        views.append(LineView(line, gained, gained / float(line.amount) if line.amount else None))
    covered = {r.pk for line in lines for r in line.risks.all()}
    open_risks = Risk.objects.exclude(status__in=[Risk.Status.CLOSED, Risk.Status.ACCEPTED])
    unaddressed = sorted(
        (r for r in open_risks
         if r.pk not in covered and (r.qualitative >= HIGH_QUALITATIVE or ale.get(r.pk, 0) > 0)),
        key=lambda r: -ale.get(r.pk, 0.0),
    )  # fmt: skip
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_kind[line.get_kind_display()] += line.amount
    return {
        "year": year,
        "lines": sorted(views, key=lambda v: -(v.per_dollar or 0)),
        "total": sum((line.amount for line in lines), Decimal(0)),
        "by_kind": dict(by_kind),
        "unaddressed": [(r, ale.get(r.pk, 0.0)) for r in unaddressed
                        if r.qualitative >= HIGH_QUALITATIVE or ale.get(r.pk, 0) >= 1e6],
        "reduction": sum(v.reduction for v in views),
    }  # fmt: skip


def year_over_year() -> list[tuple[int, dict[str, Decimal]]]:
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in BudgetLine.objects.all():
        totals[line.year][line.get_kind_display()] += line.amount
        totals[line.year]["total"] += line.amount
    return [(year, dict(values)) for year, values in sorted(totals.items())]


def export_csv(year: int) -> str:
    """For the finance office: one row per line, with what it addresses."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["year", "line", "kind", "amount_usd", "owner", "risks", "requirements",
                     "expected_yearly_loss_avoided_usd"])  # fmt: skip
    for view in alignment(year)["lines"]:
        line = view.line
        writer.writerow([
            line.year, line.title, line.get_kind_display(), f"{line.amount:.2f}", line.owner,
            "; ".join(r.reference for r in line.risks.all()),
            "; ".join(r.ref for r in line.requirements.all()),
            f"{view.reduction:.0f}",
        ])  # fmt: skip
    return out.getvalue()
