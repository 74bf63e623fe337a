"""A manufacturer's MDS2 form and a CAIQ v4 spreadsheet, as the user would hand them over."""

from __future__ import annotations

import io

import openpyxl
import pytest

from hygeia.vendors.importers import caiq, mds2, sheets
from hygeia.vendors.models import Answer, Questionnaire

pytestmark = pytest.mark.django_db


def _xlsx(rows_by_sheet: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in rows_by_sheet.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_completed_mds2_form_becomes_a_submitted_assessment(product):
    # Laid out as manufacturers do: a title block, then one row per question with the id in
    # the second column, the answer a few cells later and a note after it.
    raw = _xlsx(
        {
            "MDS2": [
                ["Manufacturer Disclosure Statement for Medical Device Security -- MDS2"],
                [None, "DOC-1", "Manufacturer Name", None, "Meridian Infusion Technologies"],
                [
                    None,
                    "AUTH-1",
                    "Does the device prevent access to unauthorized users?",
                    None,
                    "Yes",
                    "Role-based login",
                ],
                [
                    None,
                    "PAUT-2",
                    "Can default passwords be changed?",
                    None,
                    "No",
                    "Service password is fixed",
                ],
                [
                    None,
                    "TXCF-1",
                    "Can PII be transmitted only via encrypted connection?",
                    None,
                    "See Note",
                    "TLS 1.2 when enabled",
                ],
                [None, "MLDP-1", "Is the device capable of hosting anti-malware?", None, "N/A"],
                [
                    None,
                    "AUTH-1.1",
                    "Can the device be configured to force reauthorization?",
                    None,
                    "Yes",
                ],
                [None, "XYZ-1", "Not an MDS2 section", None, "Yes"],
            ]
        }
    )
    assessment = mds2.import_form(product, "pump-mds2.xlsx", io.BytesIO(raw), len(raw))
    assert assessment.state == "submitted" and assessment.questionnaire.key == "mds2"
    answers = {a.question_id: a for a in assessment.answers.all()}
    assert set(answers) == {"DOC-1", "AUTH-1", "PAUT-2", "TXCF-1", "MLDP-1", "AUTH-1.1"}
    assert answers["PAUT-2"].value == "no" and answers["PAUT-2"].note == "Service password is fixed"
    assert answers["TXCF-1"].value == "see note" and answers["MLDP-1"].value == "n/a"
    assert answers["DOC-1"].value == "Meridian Infusion Technologies"
    # An id the bundled structure does not list keeps the manufacturer's question text.
    assert "force reauthorization" in answers["AUTH-1.1"].note
    assert 0 < assessment.score < 100


def test_a_file_without_mds2_ids_is_refused(product):
    raw = _xlsx({"Sheet": [["Question", "Answer"], ["Do you encrypt?", "Yes"]]})
    with pytest.raises(mds2.Mds2Error, match="no MDS2 question ids"):
        mds2.import_form(product, "notes.xlsx", io.BytesIO(raw), len(raw))


CAIQ_HEADER = [
    "Question ID",
    "Question",
    "CSP CAIQ Answer",
    "SSRM Control Ownership",
    "CSP Implementation Description",
    "CCM Control ID",
    "CCM Domain Title",
]


def test_a_caiq_v4_spreadsheet_builds_a_questionnaire_and_its_answers(product):
    raw = _xlsx(
        {
            "Introduction": [["Consensus Assessments Initiative Questionnaire"]],
            "CAIQv4.0.3": [
                ["CAIQ v4.0.3"],
                [],
                CAIQ_HEADER,
                [
                    "A&A-01.1",
                    "Are audit policies established?",
                    "Yes",
                    "CSP-owned",
                    "Yearly",
                    "A&A-01",
                    "Audit & Assurance",
                ],
                [
                    "A&A-02.1",
                    "Are independent audits performed?",
                    "No",
                    "CSP-owned",
                    "",
                    "A&A-02",
                    "Audit & Assurance",
                ],
                [
                    "IAM-14.1",
                    "Is strong authentication required?",
                    "NA",
                    "Shared",
                    "",
                    "IAM-14",
                    "Identity & Access Management",
                ],
                ["Not a question", "", "", "", "", "", ""],
            ],
        }
    )
    row, assessment = caiq.import_file(
        "provider-caiq.xlsx", io.BytesIO(raw), len(raw), product.vendor
    )
    assert (row.key, row.version) == ("caiq", "v4.0.3")
    sections = {s["id"]: s for s in row.definition["sections"]}
    assert set(sections) == {"A&A", "IAM"} and sections["A&A"]["title"] == "Audit & Assurance"
    assert assessment is not None and assessment.state == "submitted"
    answers = dict(Answer.objects.filter(assessment=assessment).values_list("question_id", "value"))
    assert answers == {"A&A-01.1": "yes", "A&A-02.1": "no", "IAM-14.1": "n/a"}
    assert assessment.score == round(100 * 2 / 3, 1)
    # The blank questionnaire alone (no vendor) installs the questions once.
    again, none = caiq.import_file("blank.xlsx", io.BytesIO(raw), len(raw))
    assert (
        none is None
        and again.pk == row.pk
        and Questionnaire.objects.filter(key="caiq").count() == 1
    )


def test_caiq_as_csv_and_a_wrong_file(product):
    text = (
        ",".join(CAIQ_HEADER)
        + "\nDSP-01.1,Is data classified?,Yes,CSP-owned,,DSP-01,Data Security\n"
    )
    row, _ = caiq.import_file("caiq.csv", io.BytesIO(text.encode()), len(text))
    assert row.definition["sections"][0]["questions"][0]["id"] == "DSP-01.1"
    with pytest.raises(caiq.CaiqError, match="no CAIQ questions"):
        caiq.import_file("other.csv", io.BytesIO(b"a,b\n1,2\n"), 8)
    with pytest.raises(sheets.SheetError, match="damaged"):
        caiq.import_file("caiq.xlsx", io.BytesIO(b"PK\x03\x04broken"), 14)
