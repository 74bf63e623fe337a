"""Mining: what each role does is learned from the site's own accesses (no department name,
job title or window in the configuration), accepted by the documented rule, regrouped by
behaviour where titles say little, and overruled by a person's pin or rejection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hygeia.privacy.detection import mining
from hygeia.privacy.detection.config import load
from hygeia.privacy.detection.engines import DuckDBEngine
from hygeia.privacy.detection.run import analyse
from tests.privacy.detection.scenario import DAY0, Scenario, at

CASE = "care management / case manager"


def site(tmp_path, followers: int = 4) -> Scenario:
    """A ward whose nurses treat patients of their own, case managers who look at every
    admission half a day in without being named on it, and a quiet majority of patients."""
    sc = Scenario(tmp_path)
    for k in range(300):
        sc.patient(f"pt-quiet-{k}")
    for n in range(1, 5):
        sc.person(f"rn{n}", "Cardiology")
        sc.routine(f"rn{n}", range(0, 30, 2))
    for n in range(1, followers + 1):
        sc.person(f"cm{n}", "Care Management", job="Case Manager", practitioner=False)
    for k in range(48):
        patient = sc.patient(f"pt-stay-{k}")
        start = at(k % 30, 8)
        sc.encounter(patient, "Cardiology", start, hours=72, klass="IMP", participants=("rn1",))
        sc.access(f"cm{1 + k % followers}", patient, start + timedelta(hours=12 + k % 5))
    return sc


def run(sc: Scenario, decisions=None):
    lake = sc.write()
    engine = DuckDBEngine(lake)
    try:
        _, summary = analyse(lake, engine, load(), DAY0, DAY0 + timedelta(days=60), None,
                             decisions)  # fmt: skip
        access = engine.query("SELECT user_id, patient_id, explained FROM access").to_pylist()
        templates = engine.query("SELECT * FROM templates WHERE status <> 'prior'").to_pylist()
        staff = engine.query("SELECT user_id, role_group FROM staff").to_pylist()
    finally:
        engine.close()
    return summary, access, templates, {r["user_id"]: r["role_group"] for r in staff}


def test_a_role_nobody_configured_is_learned_from_its_work(tmp_path):
    summary, access, templates, _ = run(site(tmp_path))
    learned = {(t["role_group"], t["kind"], t["relation"], t["bin"]) for t in templates}
    assert (CASE, "IMP", "any", "d") in learned
    case_work = [a["explained"] for a in access if a["user_id"].startswith("cm")]
    assert case_work and set(case_work) == {mining.ROUTINE}
    assert summary["explained_share"] == 1.0 and summary["templates"]["mined"] >= 1


def test_the_care_that_explains_a_ward_teaches_it_no_routine(tmp_path):
    _, _, templates, _ = run(site(tmp_path))
    nurses = [t for t in templates if t["role_group"] == "cardiology / registered nurse"]
    assert all(t["relation"] != "any" for t in nurses), nurses


def test_a_coincidence_is_not_taken_for_a_pattern(tmp_path):
    sc = site(tmp_path)
    for n in range(1, 5):
        sc.person(f"x{n}", "Billing", job="Clerk", practitioner=False)
    for k in range(80):  # patients picked at random: no episode in reach more than by chance
        sc.access(f"x{1 + k % 4}", f"pt-quiet-{(k * 37) % 300}", at(k % 30, 10))
    _, access, templates, _ = run(sc)
    assert not [t for t in templates if t["role_group"] == "billing / clerk"]
    assert {a["explained"] for a in access if a["user_id"].startswith("x")} == {0}


def test_a_small_group_joins_the_group_it_behaves_like(tmp_path):
    sc = site(tmp_path)
    sc.person("cm-new", "Utilization Review", job="UR Nurse II", practitioner=False)
    for k in range(12):
        patient = sc.patient(f"pt-ur-{k}")
        start = at(k * 2, 8)
        sc.encounter(patient, "Cardiology", start, hours=72, klass="IMP", participants=("rn2",))
        sc.access("cm-new", patient, start + timedelta(hours=14))
    summary, access, _, groups = run(sc)
    assert groups["cm-new"] == CASE and groups["rn1"] == "cardiology / registered nurse"
    assert {a["explained"] for a in access if a["user_id"] == "cm-new"} == {mining.ROUTINE}
    assert summary["templates"]["regrouped_users"] == 1


def test_a_rejected_template_explains_nothing_and_a_pinned_one_always_applies(tmp_path):
    sc = site(tmp_path)
    sc.patient("pt-late")
    sc.encounter("pt-late", "Cardiology", at(5, 8), hours=24, klass="AMB", participants=("rn3",))
    sc.access("cm1", "pt-late", at(5, 10))  # an outpatient visit: nothing learned covers it
    decisions = {
        (CASE, "IMP", "any", "*", "d"): "rejected",
        (CASE, "AMB", "any", "*", "d"): "pinned",
    }
    _, access, templates, _ = run(sc, decisions)
    keys = {(t["role_group"], t["kind"], t["relation"], t["scope"], t["bin"]): t for t in templates}
    assert (CASE, "IMP", "any", "*", "d") not in keys
    assert keys[(CASE, "AMB", "any", "*", "d")]["status"] == "pinned"
    explained = {(a["user_id"], a["patient_id"]): a["explained"] for a in access}
    assert explained[("cm1", "pt-late")] > 0


@pytest.mark.parametrize(
    ("events", "random", "users", "accepted"),
    [
        (40, 2, 4, True),  # well above chance, by several users
        (40, 2, 1, False),  # one user's habit is not the role's
        (40, 30, 4, False),  # what random patients show as often
        (5, 0, 4, False),  # too few accesses to say
    ],
)
def test_the_acceptance_rule(events, random, users, accepted):
    candidate = {"events": events, "random_events": random, "users": users,
                 "group_events": 400, "group_users": 6}  # fmt: skip
    ok, lift = mining.accept(candidate, load().mining)
    assert ok is accepted
    assert lift == pytest.approx((events / 400) / ((random + 0.5) / 401))


def test_the_minute_an_appointment_is_booked_is_learned_as_the_schedulers_routine(tmp_path):
    """Schedulers, named on nothing, open each chart as they book an appointment for weeks
    later (Appointment.created): the booking is an episode of its own, learned as their
    routine at the minute it happened; the same schedulers opening charts nobody is booking
    are not explained by it."""
    sc = site(tmp_path)
    for n in range(1, 5):
        sc.person(f"sch{n}", "Registration", job="Scheduler", practitioner=False)
    for k in range(60):
        patient = sc.patient(f"pt-booked-{k}")
        booked = at(k % 30, 9 + (k % 7))
        sc.appointment(patient, booked + timedelta(days=40), "rn1", created=booked)
        sc.access(f"sch{1 + k % 4}", patient, booked + timedelta(minutes=2))
    sc.access("sch1", "pt-quiet-7", at(12, 15.5))  # nobody was booking that patient
    _, access, templates, _ = run(sc)
    learned = {
        (t["kind"], t["relation"]) for t in templates if t["role_group"].endswith("scheduler")
    }
    assert ("BOOK", "any") in learned
    explained = {a["patient_id"]: a["explained"] for a in access if a["user_id"].startswith("sch")}
    assert all(explained[f"pt-booked-{k}"] == mining.ROUTINE for k in range(60))
    assert explained["pt-quiet-7"] == 0


def test_what_two_of_eight_do_beyond_their_care_is_not_the_roles_routine(tmp_path):
    """Eight ward nurses whose care explains all their work but this: two of them open
    outpatients of another clinic ten days after each visit. Among the accesses the care
    leaves unexplained, those two are every user there is; of the ward they are two of eight,
    fewer than `min_users`, so their habit teaches the ward nothing (it may be their misuse)."""
    sc = site(tmp_path)
    for n in range(5, 9):
        sc.person(f"rn{n}", "Cardiology")
        sc.routine(f"rn{n}", range(1, 30, 2))
    for k in range(24):
        patient = sc.patient(f"pt-clinic-{k}")
        start = at(k % 12, 9)
        sc.encounter(patient, "Behavioral Health", start, hours=1, klass="AMB")
        sc.access(f"rn{1 + k % 2}", patient, start + timedelta(days=10, hours=k % 3))
    _, access, templates, _ = run(sc)
    ward = [t for t in templates if t["role_group"] == "cardiology / registered nurse"]
    assert all(t["relation"] != "any" for t in ward), ward
    looks = [a["explained"] for a in access if a["patient_id"].startswith("pt-clinic-")]
    assert len(looks) == 24 and set(looks) == {0}
