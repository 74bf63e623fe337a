"""Identity: a record that differs is never a duplicate, whatever reader it came through, and
two systems named with --source never share an id."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hygeia.privacy.events import EVENTS
from hygeia.privacy.formats import FHIR_FORMATS
from hygeia.privacy.ingest import ingest, lake
from tests.privacy.helpers import audit_event, patient, write_ndjson
from tests.privacy.test_ingest_crash import env_for

pytestmark = pytest.mark.django_db
DAY = "2026-03-08"


def hospital(folder, users: str, patients: int = 4, events: int = 40):
    """A hospital's bulk export whose AuditEvent and Patient ids (e0, e1…, p0, p1…) every
    other hospital written by this function also uses, for other users and times."""
    fhir = folder / "fhir"
    write_ndjson(
        fhir / "Patient.ndjson",
        [patient(f"p{i}", f"{users}-M{i}", family=users.title()) for i in range(patients)],
    )
    write_ndjson(
        fhir / "AuditEvent.ndjson",
        [
            audit_event(
                f"e{i}", patient=f"p{i % patients}", when=f"{DAY}T{8 + i % 9:02}:00:00Z",
                login=f"{users}{i % 5}",
            )
            for i in range(events)
        ],
    )  # fmt: skip
    return fhir


def events() -> list[dict]:
    return lake().read_table(EVENTS, ["event_id", "user_login"]).to_pylist()


def auditevents(report):
    return next(f for f in report.files if f.format == "fhir-auditevent")


def test_two_hospitals_whose_ids_collide_lose_nothing(tmp_path):
    ingest([hospital(tmp_path / "north", "north")])
    report = ingest([hospital(tmp_path / "south", "south")])
    found = auditevents(report)
    assert (found.read, found.stored, found.duplicate, found.quarantined) == (40, 40, 0, 0)
    assert found.conflicts == 40 and found.conflict_lines == [1, 2, 3, 4, 5]
    assert report.needs_attention
    stored = events()
    assert len(stored) == len({e["event_id"] for e in stored}) == 80
    assert sum(e["user_login"].startswith("south") for e in stored) == 40
    again = ingest([hospital(tmp_path / "south", "south")])  # idempotent: all found stored
    assert (auditevents(again).stored, auditevents(again).duplicate) == (0, 40)
    assert auditevents(again).conflicts == 0


def test_named_sources_never_meet(tmp_path):
    north = ingest([hospital(tmp_path / "north", "north")], source="north-ehr")
    south = ingest([hospital(tmp_path / "south", "south")], source="south-ehr")
    assert (auditevents(south).stored, auditevents(south).conflicts) == (40, 0)
    assert not auditevents(north).conflicts
    assert len({e["event_id"] for e in events()}) == 80
    # The patients' ids collide too: the second source's versions are stored and counted.
    patients = next(f for f in south.files if f.format == "fhir-patient")
    assert (patients.stored, patients.conflicts) == (4, 4)
    origins = lake().read_table(FHIR_FORMATS["Patient"].table, ["origin"])["origin"]
    assert sorted(set(origins.to_pylist())) == ["north-ehr", "south-ehr"]
    same_again = ingest([hospital(tmp_path / "south", "south")], source="south-ehr")
    assert same_again.total("stored") == 0 and not same_again.needs_attention


def test_the_observer_reference_identifies_the_source(tmp_path):
    """Two systems that show the same display name but say who they are are kept apart."""

    def observed(reference: str) -> list[dict]:
        return [
            audit_event(f"e{i}", when=f"{DAY}T09:0{i}:00Z", login=reference[-1] + str(i))
            | {"source": {"observer": {"display": "Epic", "reference": reference}}}
            for i in range(3)
        ]

    write_ndjson(tmp_path / "a" / "AuditEvent.ndjson", observed("Device/ehr-a"))
    write_ndjson(tmp_path / "b" / "AuditEvent.ndjson", observed("Device/ehr-b"))
    ingest([tmp_path / "a"])
    report = ingest([tmp_path / "b"])
    assert (report.total("stored"), report.total("conflicts")) == (3, 0)


def test_atna_and_csv_records_of_two_named_sources_stay_apart(tmp_path):
    message = (
        '<AuditMessage><EventIdentification EventActionCode="R" '
        'EventDateTime="2026-03-08T10:00:00Z"><EventID csd-code="110110"/>'
        "</EventIdentification>"
        '<ActiveParticipant UserID="jdoe" UserIsRequestor="true"/>'
        '<AuditSourceIdentification AuditSourceID="EHR"/>'
        '<ParticipantObjectIdentification ParticipantObjectID="M1^^^H" '
        'ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"/></AuditMessage>'
    )
    atna = tmp_path / "atna.xml"
    atna.write_text(f"<Messages>{message}</Messages>", encoding="utf-8")
    csv = tmp_path / "access.csv"
    csv.write_text(
        "event_id,occurred,user_login,patient_id,action\n77,2026-03-08T10:00:00Z,jdoe,p1,read\n",
        encoding="utf-8",
    )
    for source in ("east", "west"):
        report = ingest([atna, csv], profile="canonical", source=source)
        assert (report.total("stored"), report.total("duplicate")) == (2, 0), source
    assert ingest([atna, csv], profile="canonical", source="east").total("duplicate") == 2
    assert len(events()) == 4


@pytest.mark.database_independent  # a child process on its own SQLite file
def test_the_command_line_says_conflicts_and_exits_1(tmp_path):
    data = tmp_path / "var"
    env = env_for(data)
    run = [sys.executable, "-m", "hygeia.cli"]
    assert subprocess.run([*run, "init", "--no-input"], env=env, check=False).returncode == 0
    first = subprocess.run(
        [*run, "privacy", "ingest", str(hospital(tmp_path / "n", "north"))],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    second = subprocess.run(
        [*run, "privacy", "ingest", str(hospital(tmp_path / "s", "south")), "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert second.returncode == 1
    assert json.loads(second.stdout)["conflicts"] == 40
    text = subprocess.run(
        [*run, "privacy", "ingest", str(hospital(tmp_path / "w", "west"))],
        env=env, capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    assert "conflicts 40 (stored, under ids of their own)" in text and "--source NAME" in text
    wrong = subprocess.run(
        [*run, "privacy", "ingest", str(tmp_path / "w"), "--source", "bad name!"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert wrong.returncode == 2 and "is not a source name" in wrong.stderr


@pytest.mark.django_db(transaction=True)
def test_the_listener_names_its_source(tmp_path):
    """The syslog listener commits through the same path: --source keeps senders apart."""
    from hygeia.privacy.listen import Listener
    from hygeia.privacy.sources import atna
    from tests.privacy.sources.test_atna import message

    xml = tmp_path / "one.xml"
    xml.write_text(message(), encoding="utf-8")
    received = list(atna.read(xml))
    stored = []
    for source in ("east", "west", "east"):
        listener = Listener("127.0.0.1", None, None, None, None, 5.0, 100, source=source)
        listener._commit(received)
        stored.append(listener.totals["stored"])
    assert stored == [1, 1, 0]
    assert len(events()) == 2


@pytest.mark.database_independent  # a child process on its own SQLite file
def test_what_a_reader_could_not_read_is_counted_and_fails_the_run(tmp_path):
    """ATNA day files: a bad `&` costs one message; a file that declares a DTD is not read
    (entities are never expanded), and what it holds is counted as unread, on its own line,
    in --json, and with exit status 1."""
    from tests.privacy.sources.test_atna import day_of_messages

    folder = tmp_path / "atna"
    folder.mkdir()
    (folder / "monday.xml").write_text(day_of_messages(300, {2: "A & B"}), encoding="utf-8")
    tuesday = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "e">]>\n' + day_of_messages(40, {})
    (folder / "tuesday.xml").write_text(tuesday, encoding="utf-8")
    data = tmp_path / "var"
    env = env_for(data)
    run = [sys.executable, "-m", "hygeia.cli"]
    assert subprocess.run([*run, "init", "--no-input"], env=env, check=False).returncode == 0
    done = subprocess.run(
        [*run, "privacy", "ingest", str(folder), "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    monday, tuesday_report = report["files"]
    assert (monday["stored"], monday["quarantined"], monday["unread_bytes"]) == (299, 1, 0)
    assert (tuesday_report["stored"], tuesday_report["unread_records"]) == (0, 40)
    assert 0 < tuesday_report["unread_bytes"] <= len(tuesday)
    assert report["unread_records"] == 40
    again = subprocess.run(
        [*run, "privacy", "ingest", str(folder)], env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert again.returncode == 1
    assert "unread " in again.stdout and "40 records" in again.stdout
