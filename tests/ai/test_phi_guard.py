"""The PHI guard: each Safe Harbor type found, non-identifiers left alone, the patient index
finding real patients where no pattern would, masking, the measured corpus, and no
identifier from a scanned prompt in any log line, database row or error message."""

from __future__ import annotations

import json
import logging

import pytest

from hygeia.ai.phi_guard import PatientIndex, Scanner
from hygeia.ai.prompt_corpus import Corpus
from hygeia.cli import main
from hygeia.core.models import AuditEntry
from tests.conftest import signed_in_client


def types(text: str, scanner: Scanner | None = None) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in (scanner or Scanner()).scan(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mrs. Rosalind Petrov came in", ("NAME", "Rosalind Petrov")),
        ("seen 03/14/2024 for review", ("DATE", "03/14/2024")),
        ("admitted on March 2nd, 2025", ("DATE", "March 2nd, 2025")),
        ("a 94-year-old man", ("AGE", "94")),
        ("call 614-555-0101 after 5", ("PHONE", "614-555-0101")),
        ("fax results to (614) 555-0199", ("FAX", "(614) 555-0199")),
        ("write to rp@example.org today", ("EMAIL", "rp@example.org")),
        ("SSN 123-45-6789 on file", ("SSN", "123-45-6789")),
        ("MRN: A1234567", ("MRN", "A1234567")),
        ("member ID XJH12345678", ("HEALTH_PLAN", "XJH12345678")),
        ("account # 99887766", ("ACCOUNT", "99887766")),
        ("DEA AB1234563 on the script", ("LICENSE", "AB1234563")),
        ("pump serial SN-44719 alarmed", ("DEVICE", "SN-44719")),
        ("VIN 1HGCM82633A004352", ("VEHICLE", "1HGCM82633A004352")),
        ("see https://portal.example.org/p/1", ("URL", "https://portal.example.org/p/1")),
        ("from 192.168.10.4 at night", ("IP", "192.168.10.4")),
        ("lives at 22 Kestrel Ct, Apt 4", ("ADDRESS", "22 Kestrel Ct, Apt 4")),
        ("Riverbend, OH 43701", ("ZIP", "43701")),
        # the 18 Safe Harbor identifiers in the phrasings clinicians and billers type
        ("Claim CLM2026-004512 was denied", ("ACCOUNT", "CLM2026-004512")),
        ("HAR 400012345 needs a charge correction", ("ACCOUNT", "400012345")),
        ("Aetna ID W123456789 on the card", ("HEALTH_PLAN", "W123456789")),
        ("Zip code is 60614.", ("ZIP", "60614")),
        ("Eugene, Oregon^97401", ("ZIP", "97401")),
        ("seen on 3/4 for follow up", ("DATE", "3/4")),
        ("the 4th of March she fell", ("DATE", "the 4th of March")),
        ("the fourth of March", ("DATE", "the fourth of March")),
        ("DOS 03042026 billed twice", ("DATE", "03042026")),
        ("readmitted 26DEC2001 after", ("DATE", "26DEC2001")),
        ("moved to 12B elm street apt 3", ("ADDRESS", "12B elm street apt 3")),
        ("4410 N 32nd St, Phoenix", ("ADDRESS", "4410 N 32nd St")),
        ("PO Box 1142, Tulsa OK 74101", ("ADDRESS", "PO Box 1142")),
        ("RR 2 Box 14, Harlan", ("ADDRESS", "RR 2 Box 14")),
        ("HHA to visit 8478 Hwy 99 weekly", ("ADDRESS", "8478 Hwy 99")),
        ("she lives in Harborview, WA now", ("ADDRESS", "Harborview, WA")),
        ("Birth certificate no. 142-2019-004417", ("LICENSE", "142-2019-004417")),
        ("prescriber DEA AB1234563", ("LICENSE", "AB1234563")),
        ("car with plate NF 30997 in the bay", ("VEHICLE", "NF 30997")),
        ("found 1HGCM82633A004352 on the dash", ("VEHICLE", "1HGCM82633A004352")),
        ("UDI (01)00843197012345(17)261231", ("DEVICE", "(01)00843197012345(17)261231")),
        ("monitor MAC 00:1A:2B:3C:4D:5E", ("DEVICE", "00:1A:2B:3C:4D:5E")),
        ("biomed asset tag SN5656.", ("DEVICE", "SN5656")),
        ("fingerprint template ID FP-00918273", ("BIOMETRIC", "FP-00918273")),
        ("voice sample voice_0423.wav", ("BIOMETRIC", "voice_0423.wav")),
        ("attached IMG_4412.jpg of her face", ("PHOTO", "IMG_4412.jpg")),
        ("study subject SUBJ-00412 withdrew", ("ID", "SUBJ-00412")),
        ("tracking 1Z999AA10123456784 shipped", ("ID", "1Z999AA10123456784")),
        ("facebook.com/jane.doe.77 posted", ("URL", "facebook.com/jane.doe.77")),
        ("she turned 99 on Sunday", ("AGE", "99")),
        ("ED board: Okafor 96M bay 4", ("AGE", "96")),
    ],
)
def test_each_type(text, expected):
    assert expected in types(text)


@pytest.mark.parametrize(
    "text",
    [
        "a 72-year-old man with BP 130/80 and HbA1c 7.2%",
        "diagnosed in 2019; metformin 500 mg twice daily",
        "discussed with Dr. Lee and Dr. Michael Chen in Cardiology",
        "Thanks! Can you summarize the discharge plan in plain language?",
        "Troponin 0.04 ng/mL, potassium 4.1, creatinine 1.2",
        "pain 7/10, strength 5/5 bilaterally, 2/6 systolic murmur, take 1/2 tab",
        "CPT 99213, ICD-10 E11.9, NDC 0002-3227-30, lot EL9264, Rx BIN 610014",
        "temp is 99 and sats were 94 on room air; HR is 92",
        "reviewed by Dr. Smith, MD and Jones, PA in Cardiology",
        "see the ecg in the chart; platelets 98K; room 4417",
    ],
)
def test_non_identifiers_are_left_alone(text):
    assert types(text) == []


def test_pasted_tables_and_hl7_segments_are_read_by_column():
    """A cell is what its column says it is, whatever its own shape: a bare five-digit ZIP
    under "zip", a surname under "name"; an HL7 PID segment by field position."""
    table = "mrn,name,dob,zip\n12345678,okafor,11/14,02139\n87654321,lee,5/18,60614-2210"
    found = types(table)
    assert ("ZIP", "02139") in found and ("NAME", "okafor") in found and ("DATE", "5/18") in found
    markdown = "| Patient | DOB |\n|---|---|\n| lee | 3/4 |"
    assert types(markdown) == [("NAME", "lee"), ("DATE", "3/4")]
    pid = "PID|1||E1234567^^^NVH^MR||DOE^JANE||19560304|F|||12 ELM ST^^BANGOR^ME^04401||2075550143|"
    found = types(pid)
    assert {("MRN", "E1234567"), ("NAME", "DOE"), ("NAME", "JANE"), ("DATE", "19560304"),
            ("ZIP", "04401"), ("PHONE", "2075550143")} <= set(found)  # fmt: skip
    assert ("ADDRESS", "ME") not in found  # the state is not smaller than a state


def test_known_home_addresses_come_from_the_patient_index():
    index = PatientIndex()
    index.add("Ann", "Lee", street="77 Quail Run Rd")
    text = "she moved back to 77 quail run rd, near the lake"
    assert ("ADDRESS", "77 quail run rd") in types(text, Scanner(index))


def test_the_patient_index_finds_real_patients_where_patterns_cannot():
    index = PatientIndex()
    index.add("Thaddeus", "Wojcik", "QX77123", "(614) 555-0101")
    scanner = Scanner(index)
    assert ("NAME", "thaddeus wojcik") in types("summarize for thaddeus wojcik please", scanner)
    assert ("NAME", "Wojcik") in types("Wojcik refused the scan", scanner)
    assert ("MRN", "QX77123") in types("ref QX77123 in the chart", scanner)
    assert ("PHONE", "6145550101") in types("ring 6145550101", scanner)
    assert types("Wojcik refused the scan") == []  # without the index: no evidence


def test_mask_replaces_each_finding_with_its_type():
    scanner = Scanner()
    text = "Mrs. Rosalind Petrov, DOB 03/14/1931, call 614-555-0101."
    assert scanner.mask(text) == "Mrs. [NAME], DOB [DATE], call [PHONE]."


@pytest.mark.parametrize(("seed", "family"), [(2, 0), (3, 0), (12, 1), (13, 2)])
def test_corpus_recall_and_precision_meet_the_goals(seed, family):
    corpus = Corpus(seed, patients=100)
    scanner = Scanner(corpus.index)
    found = missed = wrong = 0
    for doc in corpus.documents(60, family):
        hits = scanner.scan(doc.text)
        for kind, a, b in doc.spans:
            if any(f.type == kind and f.start < b and a < f.end for f in hits):
                found += 1
            else:
                missed += 1
        wrong += sum(
            1 for f in hits
            if not any(f.type == k and f.start < b and a < f.end for k, a, b in doc.spans)
        )  # fmt: skip
    assert found / (found + missed) >= 0.95
    assert found / (found + wrong) >= 0.85


SECRET_PROMPT = "Summarize: Rosalind Zelwegger, MRN ZZ991177, phone 614-555-0142, born 02/29/1932."
SECRETS = ("Zelwegger", "ZZ991177", "614-555-0142", "02/29/1932")


@pytest.mark.django_db
def test_no_identifier_reaches_logs_rows_or_errors(make_user, caplog, capsys, tmp_path):
    from hygeia.privacy.models import Patient

    Patient.objects.create(mrn="ZZ991177", family_name="Zelwegger", given_name="Rosalind")
    caplog.set_level(logging.DEBUG)
    client = signed_in_client(make_user("nurse", "Staff"))
    response = client.post("/api/ai/scan", {"text": SECRET_PROMPT, "mask": True},
                           content_type="application/json")  # fmt: skip
    body = response.json()
    assert {f["type"] for f in body["findings"]} >= {"NAME", "MRN", "PHONE", "DATE"}
    assert all(s not in body["masked"] for s in SECRETS)
    assert "text" not in body["findings"][0]
    too_long = client.post("/api/ai/scan", {"text": SECRET_PROMPT * 2000},
                           content_type="application/json")  # fmt: skip
    assert too_long.status_code == 413
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(SECRET_PROMPT)
    assert main(["ai", "scan", str(prompt), "--json"]) == 1
    cli_out = capsys.readouterr().out
    assert all(s not in cli_out for s in SECRETS) and json.loads(cli_out)["counts"]["MRN"] == 1
    rows = json.dumps([(e.summary, e.details) for e in AuditEntry.objects.all()])
    logged = caplog.text + too_long.content.decode()
    for secret in SECRETS:
        assert secret not in rows and secret not in logged
    assert AuditEntry.objects.filter(object_type="ai.phi_scan").exists()


@pytest.mark.django_db
def test_scan_policy_mask_block_or_report(make_user, settings):
    client = signed_in_client(make_user("nurse", "Staff"))

    def scan(**extra):
        return client.post("/api/ai/scan", {"text": "SSN 123-45-6789", **extra},
                           content_type="application/json")  # fmt: skip

    masked = scan().json()
    assert (masked["policy"], masked["allowed"], masked["masked"]) == ("mask", True, "SSN [SSN]")
    blocked = scan(policy="block").json()
    assert (blocked["allowed"], blocked["masked"]) == (False, None)
    settings.PHI_GUARD_POLICY = "block"
    assert scan().json()["allowed"] is False
    assert scan(policy="report").json()["allowed"] is True
    assert scan(policy="shred").status_code == 422
