"""Explanations: named on care, department, templates mined from the site's own work;
windows; missing context."""

from __future__ import annotations

from hygeia.privacy.detection.engines import DuckDBEngine
from tests.privacy.detection.scenario import Scenario, at


def accesses(sc: Scenario) -> list[dict]:
    """The explained accesses detection kept, by patient, oldest first."""
    engine = DuckDBEngine(sc.write())
    try:
        sc.detect(engine=engine)
        return engine.query(
            "SELECT user_id, patient_id, t, explained FROM access ORDER BY patient_id, t"
        ).to_pylist()
    finally:
        engine.close()


def explained(sc: Scenario) -> dict[tuple[str, str], int]:
    return {(r["user_id"], r["patient_id"]): r["explained"] for r in accesses(sc)}


def hospital(tmp_path) -> Scenario:
    sc = Scenario(tmp_path)
    sc.person("doc", "Emergency", job="Physician")
    sc.person("nurse", "Emergency")
    sc.person("reg", "Registration", job="Patient Access Representative", practitioner=False)
    sc.person("coder", "Health Information Management", job="Medical Coder", practitioner=False)
    sc.person("lab", "Laboratory", job="Laboratory Technologist")  # practitioner=True
    sc.person("cardio", "Cardiology")
    sc.person("stranger", "Cardiology")
    for p in ("pt-a", "pt-b", "pt-c", "pt-d"):
        sc.patient(p)
    sc.encounter("pt-a", "Emergency", at(3, 8), hours=6, klass="EMER", participants=("doc",))
    sc.access("doc", "pt-a", at(3, 9))  # named on the encounter
    sc.access("doc", "pt-a", at(3, 9), by_practitioner=True)  # known by practitioner only
    sc.access("nurse", "pt-a", at(3, 10))  # same department
    sc.access("lab", "pt-a", at(3, 11))  # ancillary duty during the stay
    sc.access("coder", "pt-a", at(6, 10))  # coding after discharge
    sc.access("stranger", "pt-a", at(3, 12))  # nothing
    sc.appointment("pt-b", at(10, 10), "cardio")
    sc.access("reg", "pt-b", at(9, 14))  # registration before the visit
    sc.access("cardio", "pt-b", at(10, 10))  # the appointment
    sc.access("reg", "pt-c", at(9, 14))  # registration with no visit: unexplained
    sc.care_team("pt-d", at(12, 0), 3, ("cardio",))
    sc.access("cardio", "pt-d", at(13, 9))  # care team
    sc.access("cardio", "pt-d", at(30, 9))  # long after the care team's window
    workload(sc)
    return sc


def workload(sc: Scenario) -> None:
    """A month of ordinary work by laboratory, coding and registration staff, never named on
    the care: what the mining learns their explanations from. Many patients have no episode,
    so the random pairing rarely lands on one."""
    for k in range(300):
        sc.patient(f"pt-quiet-{k}")
    for n in range(1, 5):  # the ward's nurses, who treat patients of their own
        sc.person(f"cn{n}", "Cardiology")
        sc.routine(f"cn{n}", range(0, 30, 2))
    for role, department, job in (
        ("lab", "Laboratory", "Laboratory Technologist"),
        ("coder", "Health Information Management", "Medical Coder"),
        ("reg", "Registration", "Patient Access Representative"),
    ):
        for n in range(1, 4):
            sc.person(f"{role}{n}", department, job=job, practitioner=role == "lab")
    for k in range(60):
        patient = sc.patient(f"pt-work-{k}")
        day = 1 + k % 30
        sc.encounter(patient, "Emergency", at(day, 8), hours=6, participants=("doc",))
        sc.appointment(patient, at(day + 5, 10), "cardio")
        member = 1 + k % 3
        sc.access(f"lab{member}", patient, at(day, 10 + k // 3 % 3))  # tests during the visit
        sc.access(f"coder{member}", patient, at(day + 2 + k // 3 % 2, 11))  # coding after it
        sc.access(f"reg{member}", patient, at(day + 4, 15))  # registration the day before


def test_each_kind_of_explanation(tmp_path):
    found = explained(hospital(tmp_path))
    assert found[("doc", "pt-a")] == 1  # encounter participant (either way of naming)
    assert found[("nurse", "pt-a")] == 4  # department
    # mined: the role groups' own work, learned from the workload
    assert found[("lab", "pt-a")] > 4 and found[("coder", "pt-a")] > 4
    assert found[("reg", "pt-b")] > 4
    assert found[("stranger", "pt-a")] == 0
    assert found[("reg", "pt-c")] == 0


def test_windows_bound_the_care_relationship(tmp_path):
    sc = hospital(tmp_path)
    rows = [r for r in accesses(sc) if (r["user_id"], r["patient_id"]) == ("cardio", "pt-d")]
    assert [r["explained"] for r in rows] == [2, 0]  # care team, then nothing


def test_report_counts_and_names_missing_context(tmp_path):
    sc = Scenario(tmp_path)
    sc.person("doc", "Emergency")
    sc.patient("pt-a")
    sc.encounter("pt-a", "Emergency", at(1, 8), participants=("doc",))
    sc.access("doc", "pt-a", at(1, 9))
    sc.access("doc", "pt-b", at(1, 9))
    summary = sc.detect().summary
    assert summary["accesses"] == 2 and summary["explained"] == 1
    assert summary["explained_share"] == 0.5
    assert summary["explained_by"] == {"named on the patient's encounter": 1}
    assert {"care_team", "appointment"} <= set(summary["context_missing"])


def test_login_case_and_practitioner_references_resolve_to_one_user(tmp_path):
    sc = Scenario(tmp_path)
    sc.person("doc", "Emergency")
    sc.patient("pt-a")
    sc.encounter("pt-a", "Emergency", at(1, 8), participants=("doc",))
    sc.access("DOC", "pt-a", at(1, 9))
    found = explained(sc)
    assert found == {("doc", "pt-a"): 1}


def test_an_episode_of_an_earlier_month_still_explains_an_access(tmp_path):
    """Accesses are explained a month at a time against only the episodes within reach of
    that month: an encounter that ended in the first month explains a look days later, in
    the second, and one far beyond reach explains nothing."""
    sc = Scenario(tmp_path)
    sc.person("doc", "Emergency")
    sc.routine("doc", range(0, 45), per_day=1)  # accesses on 45 days: two months to explain
    for patient in ("pt-near", "pt-far"):
        sc.patient(patient)
    sc.encounter("pt-near", "Emergency", at(29, 8), hours=12, participants=("doc",))
    sc.encounter("pt-far", "Emergency", at(0, 8), hours=2, participants=("doc",))
    sc.access("doc", "pt-near", at(29, 9))  # the first month
    sc.access("doc", "pt-near", at(33, 9))  # the second: 4 days after the visit ended
    sc.access("doc", "pt-far", at(0, 9))
    sc.access("doc", "pt-far", at(50, 9))  # 50 days after, outside the named window
    rows = [r for r in accesses(sc) if r["patient_id"].startswith("pt-")]
    assert [(r["patient_id"], r["explained"]) for r in rows] == [
        ("pt-far", 1),
        ("pt-far", 0),
        ("pt-near", 1),
        ("pt-near", 1),
    ]


def test_a_patients_general_practitioner_needs_no_visit_and_their_colleague_does(tmp_path):
    """Patient.generalPractitioner names the patient's own doctor: their looks at any time
    count as the care team's, with no visit in the context. The doctor's colleague of the
    same clinic is not the patient's doctor, and a patient with no GP explains nothing."""
    sc = Scenario(tmp_path)
    sc.person("gp", "Cardiology", job="Physician")
    sc.person("colleague", "Cardiology", job="Physician")
    sc.patient("pt-panel", doctor="gp")
    sc.patient("pt-other")
    sc.access("gp", "pt-panel", at(20, 9))
    sc.access("colleague", "pt-panel", at(20, 10))
    sc.access("gp", "pt-other", at(20, 11))
    found = explained(sc)
    assert found[("gp", "pt-panel")] == 2  # on the patient's care team
    assert found[("colleague", "pt-panel")] == 0
    assert found[("gp", "pt-other")] == 0
