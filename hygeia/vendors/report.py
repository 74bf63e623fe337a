"""An assessment as a PDF for the committee that decides on the vendor: the facts, the
score, every answer with its review, the findings, corrective actions and accepted risks."""

from __future__ import annotations

from django.utils import timezone

from hygeia.core.pdf import Document
from hygeia.vendors.models import Assessment


def assessment_pdf(item: Assessment, rows: list[dict]) -> bytes:
    vendor = item.vendor
    doc = Document(
        f"Vendor assessment {item.number}",
        f"{vendor.legal_name}" + (f" — {item.product.name}" if item.product else ""),
        footer=f"Hygeia · {timezone.localdate():%Y-%m-%d} · confidential",
    )
    doc.facts(
        [
            ("Questionnaire", f"{item.questionnaire.title} (v{item.questionnaire.version})"),
            ("State", item.get_state_display()),
            ("Sent / submitted", f"{item.sent_at:%Y-%m-%d}" if item.sent_at else "—"),
            ("Due", f"{item.due_on:%Y-%m-%d}" if item.due_on else "—"),
            ("Score", "—" if item.score is None else f"{item.score:g} / 100"),
            ("Inherent tier", vendor.tier or "—"),
            ("Conclusion", item.get_conclusion_display() or "—"),
            ("Residual risk", item.get_residual_risk_display() or "—"),
        ]
    )
    if item.conclusion_note:
        doc.heading("Rationale")
        doc.paragraph(item.conclusion_note)
    findings = list(item.findings.prefetch_related("actions", "acceptances__approver"))
    doc.heading("Findings")
    if findings:
        doc.grid(
            ["Finding", "Severity", "Status", "Corrective actions and acceptances"],
            [
                [
                    f.title,
                    f.get_severity_display(),
                    f.get_status_display(),
                    "\n".join(
                        [f"{c.description} — {c.owner}, due {c.due_on:%Y-%m-%d}: "
                         f"{c.get_status_display()}" for c in f.actions.all()]
                        + [f"Accepted by {r.approver} until {r.expires_on:%Y-%m-%d}: {r.reason}"
                           for r in f.acceptances.all()]
                    ) or "—",
                ]
                for f in findings
            ],
            [70, 20, 25, 65],
        )  # fmt: skip
    else:
        doc.paragraph("No findings.")
    doc.heading("Answers")
    doc.grid(
        ["Question", "Answer", "Review"],
        [
            [
                f"{row['question'].id if row['question'] else row.get('qid', '')} "
                f"{row['question'].text if row['question'] else ''}",
                (row["shown"] or "—")
                + (f"\n{row['answer'].note}" if row["answer"] and row["answer"].note else ""),
                (
                    f"{row['answer'].get_review_display()}: {row['answer'].review_comment}"
                    if row["answer"] and row["answer"].review
                    else ""
                ),
            ]
            for row in rows
        ],
        [85, 55, 40],
    )
    return doc.render()
