"""One small hospital with a case (and a look-alike that must not fire) for every detector,
analysed once per module."""

from __future__ import annotations

from datetime import date

import pytest

from tests.privacy.detection.scenario import Found, Scenario, at


def clinic(root) -> Scenario:
    sc = Scenario(root)
    homes = {1: "10 Quarry St"}  # c1's neighbour lives at 14 Quarry Street
    nurses = [
        sc.person(f"c{i}", "Cardiology", address=homes.get(i, f"{10 + i} Birch Lane {i}"))
        for i in range(1, 9)
    ]
    for user in nurses:
        sc.routine(user, range(0, 40, 2))
    ed = [sc.person(f"e{i}", "Emergency") for i in range(1, 9)]
    for user in ed:
        sc.routine(user, range(1, 40, 2))

    # self, and a namesake with another birth date
    sc.own_record("c3", "pt-self")
    sc.access("c3", "pt-self", at(5, 10))
    c4 = next(s for s in sc.staff if s.user_id == "c4")
    sc.patient("pt-namesake", family=c4.family_name, given=c4.given_name, birth=date(1931, 5, 5))
    sc.access("c4", "pt-namesake", at(5, 10))  # unexplained, but not the user
    # family: someone at c5's address; c6 treats their own relative, named on the encounter
    c5 = next(s for s in sc.staff if s.user_id == "c5")
    sc.patient("pt-fam", family="Mensah", address=c5.address_line, city="Riverbend")
    sc.access("c5", "pt-fam", at(6, 11))
    c6 = next(s for s in sc.staff if s.user_id == "c6")
    sc.patient("pt-fam2", family="Mensah", address=c6.address_line, city="Riverbend")
    sc.encounter("pt-fam2", "Cardiology", at(6, 8), participants=("c6",))
    sc.access("c6", "pt-fam2", at(6, 9))
    # coworker: c7 opens c8's own record; c8 opening it is self, not coworker
    sc.own_record("c8", "pt-c8")
    sc.access("c7", "pt-c8", at(7, 10))
    sc.access("c8", "pt-c8", at(7, 10))
    # neighbour: c1 lives at 10 Quarry St
    sc.patient("pt-nb", address="14 Quarry Street", city="Riverbend")
    sc.access("c1", "pt-nb", at(8, 10))
    # labels: VIP and sensitive unexplained; VIP treated by c1 explained
    sc.patient("pt-vip", labels=("CEL",))
    sc.access("c2", "pt-vip", at(9, 10))
    sc.patient("pt-vip2", labels=("CEL",))
    sc.encounter("pt-vip2", "Cardiology", at(9, 8), participants=("c1",))
    sc.access("c1", "pt-vip2", at(9, 9))
    sc.patient("pt-hiv", labels=("HIV",))
    sc.access("c2", "pt-hiv", at(9, 11))
    sc.patient("pt-dead", deceased=True)
    sc.access("c2", "pt-dead", at(9, 12))
    sc.patient("pt-died", deceased=at(15, 8))  # a look before the death, and one after
    sc.access("c2", "pt-died", at(12, 14))
    sc.access("c2", "pt-died", at(16, 14))
    # break-the-glass: unexplained (c6) and by the ED clinician on the encounter (e1)
    sc.patient("pt-bg")
    sc.access("c6", "pt-bg", at(10, 10), break_glass=True)
    sc.patient("pt-ed")
    sc.encounter("pt-ed", "Emergency", at(10, 2), participants=("e1",))
    sc.access("e1", "pt-ed", at(10, 3), break_glass=True)
    # surge: eight unrelated users on one patient within hours; a busy ED patient is not one
    sc.patient("pt-news")
    for k, user in enumerate(["c1", "c2", "c3", "c4", "c6", "c7", "e2", "e3"]):
        sc.access(user, "pt-news", at(20, 9 + k / 2))
    sc.patient("pt-busy")
    sc.encounter("pt-busy", "Emergency", at(20, 1), hours=12, participants=("e1",))
    for k, user in enumerate(ed):
        sc.access(user, "pt-busy", at(20, 2 + k))
    # curiosity: q1 browses 20 unrelated patients
    sc.person("q1", "Cardiology")
    sc.routine("q1", range(0, 40, 2))
    for k in range(20):
        sc.access("q1", sc.patient(f"pt-browse-{k}"), at(10 + k % 3, 9 + k / 4))
    # repeated look-ups: 5 on 3 days; two on one day is not
    sc.patient("pt-rep")
    for day, hour in ((12, 9), (12, 10), (14, 9), (16, 9), (16, 11)):
        sc.access("c4", "pt-rep", at(day, hour))
    sc.patient("pt-twice")
    sc.access("c7", "pt-twice", at(12, 9))
    sc.access("c7", "pt-twice", at(12, 10))
    # data theft: 40 exports in a day, 5 days before the termination date
    sc.person("d1", "Cardiology", terminated=date(2025, 11, 5))
    sc.routine("d1", range(0, 30, 2))
    for k in range(40):
        sc.access(
            "d1", sc.patient(f"pt-x-{k}"), at(30, 9 + k / 8), action="export", subtype="110106"
        )
    # terminated: used after the termination date; t2 stops in time
    for user in ("t1", "t2"):
        sc.person(user, "Cardiology", terminated=DAY9)
        sc.routine(user, range(0, 9))
    for k in range(3):
        sc.access("t1", sc.patient(f"pt-after-{k}"), at(20, 9 + k))
    # dormant: an old IT account wakes up on day 35; a new starter is not dormant
    sc.person("z1", "Information Technology", job="Analyst", practitioner=False)
    sc.person("n1", "Cardiology", hired=date(2025, 11, 3))
    for k in range(3):
        sc.access("z1", sc.patient(f"pt-z-{k}"), at(35, 10 + k))
    sc.person("z2", "Information Technology", job="Analyst", practitioner=False)
    sc.access("z2", sc.patient("pt-z2"), at(35, 10))  # a single event is not an awakening
    sc.routine("n1", range(34, 40))
    # unusual hours: a day-shift nurse at 3 a.m.; a night-shift nurse at night is usual
    sc.person("u1", "Cardiology", shift="day")
    sc.routine("u1", range(0, 40, 2))
    for k in range(6):
        sc.access("u1", sc.patient(f"pt-night-{k}"), at(31, 3 + k / 8))
    sc.patient("pt-called-in")  # called in at night for a patient of their own: usual
    sc.encounter("pt-called-in", "Cardiology", at(33, 21), participants=("u1",))
    for k in range(6):
        sc.access("u1", "pt-called-in", at(33, 22 + k / 8))
    # an extra night on the user's own unit: its patients, not named on them, at 3 a.m.
    sc.person("u2", "Cardiology", shift="day")
    sc.routine("u2", range(0, 40, 2))
    for k in range(6):
        ward = sc.patient(f"pt-unit-{k}")
        sc.encounter(ward, "Cardiology", at(33, 0), hours=24, participants=("c1",))
        sc.access("u2", ward, at(33, 3 + k / 8))
    sc.person("n2", "Cardiology", shift="night")
    sc.routine("n2", range(0, 40, 2), hour=23.5)
    # explained by duty and department, without being named
    sc.person("r1", "Registration", job="Patient Access Representative", practitioner=False)
    sc.routine("r1", range(0, 40, 3))
    sc.patient("pt-appt")
    sc.appointment("pt-appt", at(22, 10), "c1")
    sc.access("r1", "pt-appt", at(21, 15))
    sc.access("c1", "pt-appt", at(22, 10.2))
    sc.person("l1", "Laboratory", job="Laboratory Technologist")
    sc.routine("l1", range(0, 40, 3))
    sc.patient("pt-stay")
    sc.encounter("pt-stay", "Emergency", at(23, 8), hours=10, participants=("e3",))
    sc.access("l1", "pt-stay", at(23, 12))
    sc.access("e4", "pt-stay", at(23, 13))  # the same department, not named
    sc.care_team("pt-stay", at(23, 8), 2, ("c2",))
    sc.access("c2", "pt-stay", at(24, 9))  # a consult on the care team
    accounts_outside_the_roster(sc)
    restricted_records(sc)
    training_charts(sc)
    return sc


def training_charts(sc: Scenario) -> None:
    """Six analysts and trainers, whom no care names, open the same charts every other day:
    a training chart nobody treats (left out), one flagged VIP (never taken for one), and one
    a reviewer marked real. c5 opens a chart a reviewer marked as a test record."""
    trainers = [
        sc.person(f"it{k}", "Information Technology", job="Analyst", practitioner=False)
        for k in range(1, 7)
    ]
    for chart, labels in (("pt-train", ()), ("pt-train-vip", ("CEL",)), ("pt-train-real", ())):
        sc.patient(chart, labels=labels)
        for day in range(2, 42, 2):
            for k, user in enumerate(trainers):
                # the look-alikes two trainers a day: no crowd for the surge baseline
                if chart == "pt-train" or (day // 2 + k) % 3 == 0:
                    sc.access(user, chart, at(day, 13 + k / 4))
    sc.test_marks["pt-train-real"] = "real"
    sc.patient("pt-demo")
    for day, hour in ((12, 9), (12, 10), (14, 9), (16, 9), (16, 11)):
        sc.access("c5", "pt-demo", at(day, hour))
    sc.test_marks["pt-demo"] = "test"


def restricted_records(sc: Scenario) -> None:
    """A very restricted record in a cardiology stay: c1 is named on it, c3 works on the unit
    during the stay and c7 of the same unit a day after discharge (finishing the notes), c4
    of the same unit looks four days after discharge, e5 of the emergency department during
    the stay. A record on the site's own list, with no label, opened by e6."""
    sc.patient("pt-very", labels=("V",))
    sc.encounter("pt-very", "Cardiology", at(27, 8), hours=48, participants=("c1",))
    sc.access("c1", "pt-very", at(27, 9))
    sc.access("c3", "pt-very", at(28, 10))
    sc.access("c7", "pt-very", at(30, 8))
    sc.access("c4", "pt-very", at(33, 20))
    sc.access("e5", "pt-very", at(28, 11))
    sc.restricted.append(sc.patient("pt-listed"))
    sc.patient("pt-starred", labels=("STARRED", "N"))  # the site's own flag, and a default
    sc.access("e6", "pt-listed", at(28, 12))


def accounts_outside_the_roster(sc: Scenario) -> None:
    """Accounts no roster lists: portal proxies (their own audit source, one of them with
    twenty records: a curiosity hit, were it staff), a family's account, an interface busy
    around the clock, and one that works like a clerk."""
    for k in range(1, 4):
        child = sc.patient(f"pt-child-{k}")
        for day in (11, 12, 15):
            sc.access(f"proxy{k}", child, at(day, 19), source="PORTAL")
    for k in range(20):
        sc.access("proxy4", sc.patient(f"pt-ward-{k}"), at(13, 20), source="PORTAL")
    # proxy2's adolescent, whose record is confidential (the portal hides it); an interface
    # engine with a source of its own reads it among thirty others, as its work
    sc.access("proxy2", sc.patient("pt-teen", labels=("R",)), at(16, 21), source="PORTAL")
    for k in range(30):
        sc.access("iface2", sc.patient(f"pt-adt-{k}"), at(17, 1 + k / 6), source="INTERFACE")
    sc.access("iface2", "pt-teen", at(17, 7), source="INTERFACE")
    for k in range(2):
        sc.access("family1", sc.patient(f"pt-sibling-{k}"), at(14, 18))
    for hour in range(24):
        sc.access("iface1", sc.patient(f"pt-feed-{hour}"), at(25, hour + 0.5))
    for k in range(12):
        sc.access("x1", sc.patient(f"pt-unrostered-{k}"), at(26, 9 + k / 3))


DAY9 = date(2025, 10, 10)


@pytest.fixture(scope="session")
def found(tmp_path_factory) -> Found:
    return clinic(tmp_path_factory.mktemp("clinic")).detect()
