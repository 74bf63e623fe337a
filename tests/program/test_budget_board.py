"""Budget alignment and the board report (PDF text and the HTML dashboard)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from hygeia.program import board, budget, demo
from hygeia.program.models import BudgetLine, Risk
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _risk(reference, title, qualitative_high=False, treated=False):
    risk = Risk.objects.create(
        reference=reference,
        title=title,
        likelihood=5 if qualitative_high else 2,
        impact=4,
        lef_min=1,
        lef_likely=1,
        lef_max=1,
        lm_min=1e6,
        lm_likely=1e6,
        lm_max=1e6,
    )
    if treated:
        risk.treatments.create(title="halve it", magnitude_reduction=0.5)
    return risk


def test_spend_against_risk_reduction_and_unaddressed_risks():
    funded = _risk("R-0001", "Ransomware", qualitative_high=True, treated=True)
    _risk("R-0002", "Insider snooping", qualitative_high=True)
    line = BudgetLine.objects.create(year=2026, title="Backups", amount=Decimal("250000"))
    line.risks.add(funded)
    shared = BudgetLine.objects.create(
        year=2026, title="Backup staff", kind="staff", amount=Decimal("100000")
    )
    shared.risks.add(funded)
    BudgetLine.objects.create(year=2025, title="Old", amount=Decimal("50000"))
    aligned = budget.alignment(2026)
    # $1M a year expected, halved by the planned treatment: $500k avoided, shared by two lines
    reductions = {v.line.title: v.reduction for v in aligned["lines"]}
    assert reductions["Backups"] == pytest.approx(250_000, rel=0.03)
    assert reductions["Backup staff"] == pytest.approx(250_000, rel=0.03)
    assert [v.line.title for v in aligned["lines"]] == ["Backup staff", "Backups"]  # per dollar
    assert [r.reference for r, _ in aligned["unaddressed"]] == ["R-0002"]
    assert aligned["total"] == Decimal("350000")
    assert [(y, v["total"]) for y, v in budget.year_over_year()] == [
        (2025, Decimal("50000")),
        (2026, Decimal("350000")),
    ]
    rows = list(csv.DictReader(io.StringIO(budget.export_csv(2026))))
    assert {r["line"] for r in rows} == {"Backups", "Backup staff"}
    assert rows[0]["risks"] == "R-0001" and float(rows[0]["expected_yearly_loss_avoided_usd"]) > 0


def test_quarters():
    assert board.quarter_of(date(2026, 11, 30)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "Q4 2026",
    )
    assert board.quarter_of(date(2026, 2, 1))[2] == "Q1 2026"


def test_board_report_pdf_and_dashboard(make_user):
    demo.seed()
    client = signed_in_client(make_user("ciso", "Security Officer"))
    page = client.get("/program/board/").content.decode()
    assert "Cybersecurity report to the board" in page and "Ransomware shuts down the EHR" in page
    response = client.get("/program/board/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Posture against the frameworks",
        "Top risks in money",
        "Ransomware shuts down the EHR",
        "Budget alignment",
        "Privacy monitoring",
        "AI governance",
        "Vendor risk",
        "Workforce",
        "KnowBe4",
    ):
        assert expected in text, expected
