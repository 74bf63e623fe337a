"""The quarterly board report: the same figures as a PDF and as an HTML dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from hygeia.core.pdf import Document
from hygeia.program import assess, budget, education, frameworks, registry, risks
from hygeia.program.models import FrameworkAssessment


def quarter_of(day: date) -> tuple[date, date, str]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month == 10), (first_month + 3 - 1) % 12 + 1, 1) - timedelta(1)
    return start, end, f"Q{(first_month - 1) // 3 + 1} {day.year}"


def money(value: float) -> str:
    """$9.8M, $250k, $900: how loss figures are read aloud in a board room."""
    if value >= 1e6:
        return f"${value / 1e6:,.1f}M"
    if value >= 1e3:
        return f"${value / 1e3:,.0f}k"
    return f"${value:,.0f}"


@dataclass
class BoardFigures:
    quarter: str
    start: date
    end: date
    posture: list[tuple[str, str, str]] = field(default_factory=list)  # framework, met, assessed
    posture_bars: list[tuple[str, float]] = field(default_factory=list)
    top_risks: list[tuple[str, str, str, str]] = field(default_factory=list)
    top_risk_bars: list[tuple[str, float]] = field(default_factory=list)
    department_clicks: list[tuple[str, float]] = field(default_factory=list)
    portfolio: dict[str, str] = field(default_factory=dict)
    budget: dict[str, Any] = field(default_factory=dict)
    privacy: dict[str, Any] = field(default_factory=dict)
    ai: dict[str, Any] = field(default_factory=dict)
    vendors: dict[str, Any] = field(default_factory=dict)
    workforce: dict[str, Any] = field(default_factory=dict)


def _share(value: float | None) -> str:
    return "not assessed" if value is None else f"{100 * value:.0f}%"


def figures(today: date | None = None) -> BoardFigures:
    today = today or timezone.localdate()
    start, end, label = quarter_of(today)
    result = BoardFigures(label, start, end)
    latest = FrameworkAssessment.objects.select_related("framework").order_by("-started_on", "-id")
    source = latest.first()
    for key in ("hhs-cpg", "nist-csf"):
        framework = frameworks.latest(key)
        if framework is None:
            continue
        own = latest.filter(framework=framework).first()
        if own is not None:
            whole = assess.scores(own)[0]
            result.posture.append((framework.title, _share(whole.implemented_share),
                                   f"{whole.assessed} of {whole.total} assessed"))  # fmt: skip
            result.posture_bars.append(
                (framework.key.upper(), round(100 * (whole.implemented_share or 0)))
            )
        elif source is not None:
            carried = [c.share for c in assess.carry(source, framework) if c.share is not None]
            share = sum(carried) / len(carried) if carried else None
            result.posture.append((framework.title, _share(share),
                                   f"carried from {source.framework.title}"))  # fmt: skip
            result.posture_bars.append((framework.key.upper(), round(100 * (share or 0))))
    simulated, portfolio = risks.simulate_register(years=50_000)
    for s in sorted(simulated, key=lambda s: -s.before.ale)[:5]:
        result.top_risks.append((s.risk.reference, s.risk.title, money(s.before.ale),
                                 money(s.before.percentile(90))))  # fmt: skip
        result.top_risk_bars.append(
            (f"{s.risk.reference} {s.risk.title}", round(s.before.ale / 1e6, 2))
        )
    if simulated:
        summary = portfolio.summary()
        result.portfolio = {k: money(summary[k]) for k in ("ale", "p90", "p99")}
    aligned = budget.alignment(today.year, simulated=simulated)
    result.budget = {
        "total": money(float(aligned["total"])),
        "reduction": money(aligned["reduction"]),
        "unaddressed": [f"{r.reference} {r.title} ({money(a)} a year)"
                        for r, a in aligned["unaddressed"][:5]],
    }  # fmt: skip
    from hygeia.privacy.cases.models import Case
    from hygeia.privacy.models import Alert

    in_quarter = {"first_event__date__gte": start, "first_event__date__lte": end}
    result.privacy = {
        "alerts": Alert.objects.filter(**in_quarter).count(),
        "reviewed": Alert.objects.filter(**in_quarter).exclude(status="new").count(),
        "cases_opened": Case.objects.filter(
            created_at__date__gte=start, created_at__date__lte=end
        ).count(),
        "cases_open": Case.objects.exclude(status="closed").count(),
    }  # fmt: skip
    from hygeia.ai.models import APPROVED_STATES, AITool

    result.ai = {
        "inventory": AITool.objects.count(),
        "approved": AITool.objects.filter(state__in=APPROVED_STATES).count(),
        "in_review": AITool.objects.filter(state__in=["proposed", "in_review"]).count(),
    }
    from hygeia.vendors.exposure import exposure
    from hygeia.vendors.summary import assessment_coverage, baa_coverage

    baa = baa_coverage(today)
    rows = exposure()
    result.vendors = {
        "baa": f"{baa['covered']} of {baa['handling']}",
        "baa_share": baa["share"],
        "assessed": assessment_coverage(today),
        "kev_products": sum(1 for r in rows if r["kev"]),
        "sbom_products": len(rows),
    }
    done = education.completion(today)
    campaigns = education.rates_over_time()
    baseline = registry.reference_figures()["phishing_click_untrained"]
    if campaigns:
        by_department = education.rates_by_department(campaigns[-1][0])
        result.department_clicks = sorted(
            ((d, round(100 * (r.click_rate or 0), 1)) for d, r in by_department.items()),
            key=lambda pair: -pair[1],
        )[:12]
    result.workforce = {
        "training": _share(done["rate"]) if done["due"] else "no records",
        "phishing": (f"{100 * campaigns[-1][1].click_rate:.1f}% clicked in {campaigns[-1][0].name}"
                     if campaigns and campaigns[-1][1].click_rate is not None else "no simulation"),
        "baseline": f"{100 * baseline['value']:.1f}% ({baseline['source']})",
        "repeat": len(education.repeat_clickers()),
    }  # fmt: skip
    return result


def pdf(data: BoardFigures, organization: str) -> bytes:
    doc = Document(
        f"Cybersecurity report to the board — {data.quarter}",
        organization,
        footer=f"Hygeia · {timezone.localdate():%Y-%m-%d} · confidential",
    )
    doc.heading("Posture against the frameworks")
    if data.posture:
        doc.grid(["Framework", "Requirements met", "Basis"], data.posture, [80, 40, 60])
        doc.bars("Share of requirements met", data.posture_bars, "%")
    else:
        doc.paragraph("No framework assessment yet.")
    doc.heading("Top risks in money")
    if data.top_risks:
        doc.paragraph(
            f"Expected loss a year across the register: {data.portfolio['ale']}; a one-in-ten "
            f"year: {data.portfolio['p90']}; a one-in-a-hundred year: {data.portfolio['p99']}."
        )
        doc.grid(["Risk", "Title", "Expected a year", "1 in 10 years"], data.top_risks,
                 [20, 90, 35, 35])  # fmt: skip
        doc.bars("Expected loss a year ($ millions)", data.top_risk_bars)
    else:
        doc.paragraph("The risk register is empty.")
    doc.heading("Budget alignment")
    doc.paragraph(
        f"Security budget this year: {data.budget['total']}; expected yearly loss avoided by "
        f"what it funds: {data.budget['reduction']}."
    )
    if data.budget["unaddressed"]:
        doc.paragraph("High risks nothing in the budget addresses: "
                      + "; ".join(data.budget["unaddressed"]) + ".")  # fmt: skip
    doc.heading("Privacy monitoring")
    doc.facts([
        ("Alerts this quarter", data.privacy["alerts"]),
        ("Reviewed", data.privacy["reviewed"]),
        ("Cases opened", data.privacy["cases_opened"]),
        ("Cases still open", data.privacy["cases_open"]),
    ])  # fmt: skip
    doc.heading("AI governance")
    doc.facts([
        ("AI inventory", data.ai["inventory"]),
        ("Approved", data.ai["approved"]),
        ("Awaiting review", data.ai["in_review"]),
    ])  # fmt: skip
    doc.heading("Vendor risk")
    doc.facts([
        ("BAA coverage", f"{data.vendors['baa']} vendors handling PHI"),
        ("Assessed on schedule",
         f"{data.vendors['assessed']['current']} of {data.vendors['assessed']['critical']} "
         "tier 1-2 vendors"),
        ("Known-exploited", f"{data.vendors['kev_products']} of {data.vendors['sbom_products']} "
         "products with an SBOM"),
    ])  # fmt: skip
    doc.heading("Workforce")
    doc.facts([
        ("Training completed", data.workforce["training"]),
        ("Latest simulation", data.workforce["phishing"]),
        ("Untrained baseline", data.workforce["baseline"]),
        ("Repeat clickers", data.workforce["repeat"]),
    ])  # fmt: skip
    doc.bars("Click rate by department, latest simulation", data.department_clicks, "%")
    return doc.render()
