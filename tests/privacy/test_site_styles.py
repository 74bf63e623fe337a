"""`hygeia privacy simulate --style`: each style writes a hospital in its own vocabulary,
without the context it declares missing, with every misuse category labelled, and the
files ingest whole, whatever form its access log takes (FHIR AuditEvents, the site's own
CSV export read through the profile written beside it, IHE ATNA messages)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
import yaml

from hygeia.lake.records import Parsed, Rejected, Unread
from hygeia.privacy import site_sim
from hygeia.privacy.formats import ReadContext
from hygeia.privacy.ingest import ingest
from hygeia.privacy.resolve import MRN_INDEX
from hygeia.privacy.sources import atna, csv_access

MISSING_FILES = {
    "care_team": "CareTeam.ndjson.gz",
    "appointment": "Appointment.ndjson.gz",
    "practitioner_role": "PractitionerRole.ndjson.gz",
}
SIZE = {"staff": 250, "days": 7, "seed": 3}
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Each style's hospital, written once for the tests of this module."""
    made: dict[str, tuple[Path, dict]] = {}

    def write(style: str) -> tuple[Path, dict]:
        if style not in made:
            out = tmp_path_factory.mktemp(style)
            made[style] = (out, site_sim.simulate_style(out, style, **SIZE))
        return made[style]

    return write


def resources(out: Path, kind: str) -> list[dict]:
    path = out / "fhir" / f"{kind}.ndjson.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def roster(out: Path) -> dict[str, dict[str, str]]:
    with (out / "staff.csv").open(newline="", encoding="utf-8") as handle:
        return {row["user_id"]: row for row in csv.DictReader(handle)}


def truth(out: Path, name: str = "ground_truth.csv") -> set[tuple[str, str, str]]:
    with (out / "truth" / name).open(newline="", encoding="utf-8") as handle:
        return {(r["user_id"], r["patient_id"], r["category"]) for r in csv.DictReader(handle)}


def confidential(patient: dict) -> set[str]:
    labels = (patient.get("meta") or {}).get("security") or []
    return {s["code"] for s in labels if s.get("system") == CONFIDENTIALITY}


@pytest.mark.django_db
@pytest.mark.database_independent
@pytest.mark.parametrize("style", site_sim.styles())
def test_a_style_writes_its_own_hospital(written, style):
    declared = yaml.safe_load((site_sim.STYLES / f"{style}.yaml").read_text())
    out, summary = written(style)
    categories = site_sim.Style.load(style).categories
    assert summary["style"] == style and summary["categories"] == len(categories)

    fhir = {p.name for p in (out / "fhir").iterdir()}
    for context, name in MISSING_FILES.items():
        assert (name in fhir) is (context not in declared.get("missing", [])), name
    assert ("AuditEvent.ndjson.gz" in fhir) is (summary["access_log"] == "fhir")

    staff = list(roster(out).values())
    departments = {u["name"] for u in declared["units"].values()}
    column = next(c for c in staff[0] if "depart" in c.lower())
    assert {row[column] for row in staff} <= departments
    assert len({row[column] for row in staff}) >= 10

    # every misuse's records, one row each: a behaviour row becomes its user's records
    labelled, pairs = truth(out), truth(out, "misuse_pairs.csv")
    assert {c for _, _, c in labelled} == set(categories)
    assert all(patient for _, patient, _ in pairs)
    assert {(u, c) for u, _, c in pairs} == {(u, c) for u, _, c in labelled}
    assert {row for row in labelled if row[1]} <= pairs
    browsing = {u for u, p, c in labelled if c == "curiosity"}
    assert all(sum(1 for u, _, c in pairs if u == user) >= 2 for user in browsing)

    paths, profile = site_sim.inputs(out, site_sim.Style.load(style))
    assert summary["ingest"] == site_sim.ingest_command(out, site_sim.Style.load(style))
    report = ingest(paths, profile=profile)
    assert not report.failed
    assert report.total("read") == report.total("stored") > 1000
    assert report.total("quarantined") == report.total("conflicts") == 0
    events = sum(f.stored for f in report.files if f.format in ("fhir-auditevent", "atna"))
    events += sum(f.stored for f in report.files if f.format.startswith("csv:"))
    assert events == summary["access_events"]
    assert not any(note.startswith("MRNs not found") for f in report.files for note in f.notes)


# The four styles written before the others, at one size and seed: the content of every file
# they write (decompressed). A change to the simulator must not change them.
UNCHANGED = {
    "academic": "2a8740f03ceb414a40c0a167",
    "community": "d96f00838fbad949423117ea",
    "integrated": "98e5e8b395517c210fbf7cc0",
    "safety_net": "8013c915b9778b049d79bf17",
}


def digest(out: Path) -> str:
    whole = hashlib.sha256()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        whole.update(str(path.relative_to(out)).encode())
        data = path.read_bytes()
        whole.update(gzip.decompress(data) if path.suffix == ".gz" else data)
    return whole.hexdigest()[:24]


@pytest.mark.parametrize("style", sorted(UNCHANGED))
def test_the_first_styles_write_what_they_always_wrote(tmp_path, style):
    site_sim.simulate_style(tmp_path, style, staff=120, days=5, seed=3)
    assert digest(tmp_path) == UNCHANGED[style]


# --- regional: the site's own CSV export ---------------------------------------------------


def export_rows(out: Path, style: site_sim.Style) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((out / style.log["folder"]).iterdir()):
        assert path.read_bytes()[:2] == b"\x1f\x8b", path  # gzip
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def mrn_index(out: Path):
    patients = resources(out, "Patient")
    table = pa.table(
        {
            "mrn": [p["identifier"][0]["value"] for p in patients],
            "fhir_id": [p["id"] for p in patients],
        },
        MRN_INDEX,
    )
    return lambda: table


def test_the_regional_profile_reads_its_export(written):
    out, summary = written("regional")
    style = site_sim.Style.load("regional")
    profile = csv_access.load_profile(out / style.log["profile"])
    assert profile.timezone == "America/Chicago" and profile.patient_id == "mrn"
    rows = export_rows(out, style)
    assert list(rows[0]) == list(style.log["columns"].values())  # the site's own columns
    assert len(rows) == summary["access_events"]

    read: list[dict] = []
    ctx = ReadContext(token="t", lookup_mrn=mrn_index(out))
    zone = ZoneInfo("America/Chicago")
    for path in sorted((out / style.log["folder"]).iterdir()):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            lines = list(csv.DictReader(handle))
        for item in csv_access.read(path, profile, ctx):
            assert not isinstance(item, Rejected | Unread), item
            for event in item.to_pylist():
                # the export's local wall-clock time is the zone's clock at the instant read
                line = lines[event["source_line"] - 2]  # the header is line 1
                local = event["occurred_utc"].astimezone(zone)
                assert local.strftime("%m/%d/%Y %H:%M:%S") == line["ACCESS_LOCAL_DTTM"]
                assert event["patient_identifier"] == line["PATIENT_MRN"]
                read.append(event)
    assert len(read) == len(rows)
    assert all(r["patient_ref"].startswith("Patient/") for r in read)
    assert {r["action"] for r in read} >= {"read", "search", "update"}
    assert {r["utc_offset_minutes"] for r in read} <= {-300, -360}


def test_regional_context_is_what_its_ehr_sends(written):
    out, _ = written("regional")
    roles = resources(out, "PractitionerRole")
    practitioners = resources(out, "Practitioner")
    staff = roster(out)
    doctors = {
        r["practitioner_id"]
        for r in staff.values()
        if site_sim.FUNCTIONS[function_of(r)][1] == "doctor"
    }
    assert {r["practitioner"]["reference"].split("/")[1] for r in roles} == doctors
    assert len(practitioners) > len(roles)
    visits = [e for e in resources(out, "Encounter") if e["class"]["code"] == "AMB"]
    bare = sum(1 for e in visits if not e["participant"]) / len(visits)
    assert 0.22 < bare < 0.38


def function_of(row: dict[str, str]) -> str:
    """A regional roster row's function, from its department and job title."""
    return REGIONAL_FUNCTIONS[row["department"], row["job_title"]]


REGIONAL_FUNCTIONS = {
    (unit["name"], title): function
    for unit in site_sim.Style.load("regional").units.values()
    for function, (title, _share) in unit["jobs"].items()
}


def test_regional_workflows_and_misuse_shapes(written):
    out, summary = written("regional")
    style = site_sim.Style.load("regional")
    staff = roster(out)
    patients = {p["id"]: p for p in resources(out, "Patient")}
    mrns = {p["identifier"][0]["value"]: p["id"] for p in patients.values()}
    treated = {e["subject"]["reference"].split("/")[1] for e in resources(out, "Encounter")}
    rows = export_rows(out, style)
    openers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        openers[mrns[row["PATIENT_MRN"]]].add(row["LOGIN_NAME"])
    labelled = truth(out)
    misusers = {u for u, _, _ in labelled}

    # test patients: never treated, opened by several applications and education staff,
    # named like anyone else
    trainers = {"analyst", "trainer", "educator"}
    test_patients = [
        p
        for p in patients
        if p not in treated
        and len({u for u in openers[p] if u in staff and function_of(staff[u]) in trainers}) >= 3
    ]
    assert 3 <= len(test_patients) <= 6
    for ident in test_patients:
        name = patients[ident]["name"][0]
        assert not any(
            w in f"{name['family']} {name['given'][0]}".lower() for w in ("test", "train")
        )
        assert not {p for _, p, _ in labelled} & {ident}

    # restricted records: R or V on about one patient in five hundred, cared for as usual,
    # and opened by people outside the care
    restricted = {i for i, p in patients.items() if confidential(p) & {"R", "V"}}
    assert 0 < len(restricted) < len(patients) * 0.01
    assert restricted & treated
    flagged = {p for _, p, c in labelled if c == "restricted"}
    assert flagged and flagged <= restricted

    # browsing: a front-desk worker over many shifts, a scheduler in one afternoon
    browsers = {u for u, _, c in labelled if c == "curiosity"}
    jobs = {function_of(staff[u]) for u in browsers}
    assert jobs == {"front_desk", "scheduler"}
    for user in browsers:
        days = Counter(r["ACCESS_LOCAL_DTTM"][:10] for r in rows if r["LOGIN_NAME"] == user)
        if function_of(staff[user]) == "scheduler":
            assert max(days.values()) >= 35
        else:
            assert len(days) >= 3

    # virtual nurses read inpatients of both campuses; outreach nurses, records no visit in
    # the window explains
    encounters = resources(out, "Encounter")
    campus_of = {f"Organization/org-{k}": style.campus(k) for k in style.units}
    inpatient_at: dict[str, set[str]] = defaultdict(set)
    for e in encounters:
        if e["class"]["code"] == "IMP":
            campus = campus_of[e["serviceProvider"]["reference"]]
            inpatient_at[e["subject"]["reference"].split("/")[1]].add(campus)
    virtual = {u for u, r in staff.items() if function_of(r) == "virtual_nurse"}
    reached = {
        c for r in rows if r["LOGIN_NAME"] in virtual for c in inpatient_at[mrns[r["PATIENT_MRN"]]]
    }
    assert {"Lakeshore", "Bluffton"} <= reached
    called = {mrns[r["PATIENT_MRN"]] for r in rows if r["ACCESS_REASON"] == "POPHLTH"}
    first = date.fromisoformat(summary["first_day"])
    in_window = {
        e["subject"]["reference"].split("/")[1]
        for e in encounters
        if date.fromisoformat(e["period"]["end"][:10]) >= first
    }
    assert called and not called & in_window

    # the surge: a dozen people of the other campus, over several days
    surge = {(u, p) for u, p, c in labelled if c == "surge"}
    (news,) = {p for _, p in surge}
    seen_on = {r["ACCESS_LOCAL_DTTM"][:10] for r in rows if mrns[r["PATIENT_MRN"]] == news}
    assert 10 <= len(surge) <= 14 and len(seen_on) >= 3
    campuses = {style.campus(unit_of(style, staff[u])) for u, _ in surge}
    assert len(campuses) == 1 and "" not in campuses
    assert misusers <= set(staff)


def unit_of(style: site_sim.Style, row: dict[str, str]) -> str:
    return next(k for k, u in style.units.items() if u["name"] == row["department"])


# --- pediatric: IHE ATNA, with accounts that are not staff -----------------------------------


@pytest.fixture(scope="module")
def pediatric_events(written) -> list:
    out, _ = written("pediatric")
    events = []
    files = sorted((out / "atna").iterdir())
    assert [p.suffix for p in files] == [".xml"] * len(files) and len(files) >= 7
    for path in files:
        for item in atna.read(path):
            assert isinstance(item, Parsed), item
            events.append(item.value)
    return events


def test_the_pediatric_feed_carries_portal_and_service_accounts_off_the_roster(
    written, pediatric_events
):
    out, summary = written("pediatric")
    style = site_sim.Style.load("pediatric")
    staff = roster(out)
    events = pediatric_events
    assert len(events) == summary["access_events"]
    by_source: dict[str, set[str]] = defaultdict(set)
    for event in events:
        by_source[event.source_system].add(event.user_login)
    portal = by_source[style.portal["source"]]
    assert set(by_source) == {style.log["source"], style.portal["source"], "LUMEN-INTERFACE-ENGINE"}
    assert len(portal) > len(staff)  # thousands of parents against a roster of hundreds
    assert not portal & set(staff)
    services = {i["login"] for i in style.interfaces}
    assert services <= set().union(*by_source.values()) and not services & set(staff)

    labelled = truth(out)
    users = {u for u, _, _ in labelled}
    assert not services & users
    proxies = {u for u, _, c in labelled if c == "proxy_confidential"}
    assert proxies and proxies <= portal
    assert not (users - proxies) & portal

    patients = {p["identifier"][0]["value"]: p for p in resources(out, "Patient")}
    households: dict[str, set[str]] = defaultdict(set)
    opened: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.user_login in portal:
            patient = patients[event.patient_identifier]
            households[event.user_login].add(patient["address"][0]["line"][0])
            opened[event.user_login].add(patient["id"])
    assert all(len(homes) == 1 for homes in households.values())  # their own children only
    first = date.fromisoformat(summary["first_day"])
    for ident in set().union(*opened.values()):
        (patient,) = [p for p in patients.values() if p["id"] == ident]
        assert (first - date.fromisoformat(patient["birthDate"])).days < 18 * 365.25

    # adolescents' confidential records: only the labelled proxies reach them
    hidden = {
        p["id"]
        for p in patients.values()
        if confidential(p) == {"R"}
        and 13 <= (first - date.fromisoformat(p["birthDate"])).days / 365.25 < 18.1
    }
    assert hidden
    reached = {(u, p) for u, ps in opened.items() for p in ps if p in hidden}
    assert reached == {(u, p) for u, p, c in labelled if c == "proxy_confidential"}

    # the account that works like a clerk and that no roster lists
    (ghost,) = [u for u, _, c in labelled if c == "unrostered_account"]
    assert ghost not in staff and ghost in by_source[style.log["source"]]
    assert len({e.patient_identifier for e in events if e.user_login == ghost}) > 50
    assert (users - proxies - {ghost}) <= set(staff)


def test_service_accounts_work_like_machines(pediatric_events):
    nightly = sorted(e.occurred_utc for e in pediatric_events if e.user_login == "svc_rpt_nightly")
    steps = Counter(round((b - a).total_seconds(), 3) for a, b in itertools.pairwise(nightly))
    assert steps.most_common(1)[0][0] == 0.25 and len(nightly) > 100
