"""The risk register, simulated: each risk's yearly loss distribution before and after its
planned treatments, and the portfolio's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hygeia.program import quant
from hygeia.program.models import Risk, Treatment


def scenario(risk: Risk, with_treatments: bool = False) -> quant.Scenario:
    base = quant.Scenario(
        risk.reference,
        quant.Range(risk.lef_min, risk.lef_likely, risk.lef_max),
        quant.Range(risk.lm_min, risk.lm_likely, risk.lm_max),
    )
    if not with_treatments:
        return base
    for treatment in risk.treatments.exclude(status=Treatment.Status.DONE):
        base = base.treated(treatment.frequency_reduction, treatment.magnitude_reduction)
    return base


@dataclass
class Simulated:
    risk: Risk
    before: quant.Result
    after: quant.Result | None

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"risk": self.risk.reference, "title": self.risk.title,
                               **self.before.summary()}  # fmt: skip
        if self.after is not None:
            row["treated"] = self.after.summary()
            row["reduction"] = round(self.before.ale - self.after.ale, 2)
        return row


def simulate_register(
    seed: int = 1, years: int = quant.YEARS, risks: Any = None
) -> tuple[list[Simulated], quant.Result]:
    """Every risk (open or being treated) simulated; the portfolio is their sum."""
    chosen = risks if risks is not None else Risk.objects.exclude(status=Risk.Status.CLOSED)
    done: list[Simulated] = []
    for risk in chosen.prefetch_related("treatments"):
        before = quant.simulate(scenario(risk), years, seed)
        pending = [t for t in risk.treatments.all() if t.status != Treatment.Status.DONE]
        after = quant.simulate(scenario(risk, True), years, seed) if pending else None
        done.append(Simulated(risk, before, after))
    return done, quant.portfolio([s.before for s in done])
