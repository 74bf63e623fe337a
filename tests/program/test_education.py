"""Training completions and phishing results: imports (a real local HTTP server standing in
for GoPhish's API), rates by department and over time, repeat clickers, assignments."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from hygeia.program import education
from hygeia.program.models import PhishingCampaign, PhishingResult, TrainingRecord

pytestmark = pytest.mark.django_db

KEY = "0123456789abcdef"
CAMPAIGNS = [
    {
        "id": 4,
        "name": "Q1 invoice lure",
        "launch_date": "2026-02-03T09:00:00Z",
        "created_date": "2026-02-01T09:00:00Z",
        "results": [
            {
                "id": 1,
                "email": "Ann@Fairhaven.example",
                "position": "Nursing",
                "status": "Submitted Data",
                "reported": False,
            },
            {
                "id": 2,
                "email": "bob@fairhaven.example",
                "position": "Nursing",
                "status": "Email Opened",
                "reported": True,
            },
            {
                "id": 3,
                "email": "cy@fairhaven.example",
                "position": "Billing",
                "status": "Clicked Link",
                "reported": False,
            },
            {
                "id": 4,
                "email": "di@fairhaven.example",
                "position": "Billing",
                "status": "Email Sent",
                "reported": False,
            },
        ],
        "timeline": [
            {"email": "", "time": "2026-02-03T09:00:00Z", "message": "Campaign Created"},
            {
                "email": "bob@fairhaven.example",
                "time": "2026-02-03T09:05:00Z",
                "message": "Email Reported",
            },
        ],
    },
    {
        "id": 5,
        "name": "Q2 parcel lure",
        "launch_date": "2026-05-04T09:00:00Z",
        "results": [
            {
                "id": 5,
                "email": "ann@fairhaven.example",
                "position": "Nursing",
                "status": "Clicked Link",
            },
            {
                "id": 6,
                "email": "bob@fairhaven.example",
                "position": "Nursing",
                "status": "Email Sent",
            },
        ],
        "timeline": [],
    },
]


@pytest.fixture
def gophish():
    """A real HTTP server on localhost answering like GoPhish's API."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.headers.get("Authorization") not in (KEY, f"Bearer {KEY}"):
                self.send_response(401)
                self.end_headers()
                return
            body = json.dumps(CAMPAIGNS if self.path == "/api/campaigns/" else {}).encode()
            self.send_response(200 if self.path == "/api/campaigns/" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_gophish_api_import_rates_and_repeat_clickers(gophish):
    imported = education.import_gophish_api(gophish, KEY)
    assert [c["recipients"] for c in imported] == [4, 2]
    ann = PhishingResult.objects.get(campaign__external_id="4", email="ann@fairhaven.example")
    assert (ann.sent, ann.opened, ann.clicked, ann.submitted, ann.reported) == (
        True,
        True,
        True,
        True,
        False,
    )
    bob = PhishingResult.objects.get(campaign__external_id="4", email="bob@fairhaven.example")
    assert bob.reported and bob.opened and not bob.clicked
    q1 = PhishingCampaign.objects.get(external_id="4")
    rates = education.rates_by_department(q1)
    assert rates["Nursing"].click_rate == 0.5 and rates["Nursing"].report_rate == 0.5
    assert rates["Billing"].click_rate == 0.5 and rates["Billing"].submit_rate == 0.0
    over_time = education.rates_over_time()
    assert [c.name for c, _ in over_time] == ["Q1 invoice lure", "Q2 parcel lure"]
    assert [r.click_rate for _, r in over_time] == [0.5, 0.5]
    assert education.repeat_clickers() == [("ann@fairhaven.example", 2)]
    education.import_gophish_api(gophish, KEY)  # again: updated, not duplicated
    assert PhishingResult.objects.count() == 6
    assert education.assign_training(date(2026, 6, 1)) == 2  # ann and cy
    assert education.assign_training(date(2026, 6, 2)) == 0
    assert TrainingRecord.objects.get(person="cy@fairhaven.example").due_on == date(2026, 7, 1)


def test_gophish_api_errors_are_explained(gophish):
    with pytest.raises(education.EducationError, match="API key was refused"):
        education.import_gophish_api(gophish, "wrong")
    with pytest.raises(education.EducationError, match="not reachable"):
        education.import_gophish_api("http://127.0.0.1:9", KEY, timeout=2)


def test_gophish_csv_exports(tmp_path):
    results = tmp_path / "Q3 results.csv"
    results.write_text(
        "id,email,first_name,last_name,position,status,ip,latitude,longitude,send_date,reported,modified_date\n"
        "1,eve@fairhaven.example,Eve,E,Pharmacy,Clicked Link,,0,0,2026-08-01T10:00:00Z,false,\n"
        "2,fay@fairhaven.example,Fay,F,Pharmacy,Email Sent,,0,0,2026-08-01T10:00:00Z,true,\n"
    )
    summary = education.import_gophish_csv(results)
    assert summary == {"campaign": "Q3 results", "new": True, "recipients": 2}
    assert education.rates_by_department()["Pharmacy"].click_rate == 0.5
    assert PhishingResult.objects.get(email="fay@fairhaven.example").reported
    events = tmp_path / "events.csv"
    events.write_text(
        "campaign_id,email,time,message,details\n"
        "9,gus@fairhaven.example,2026-09-01T10:00:00Z,Email Sent,\n"
        "9,gus@fairhaven.example,2026-09-01T10:03:00Z,Clicked Link,{}\n"
    )
    assert education.import_gophish_csv(events, "Q4")["recipients"] == 1
    gus = PhishingResult.objects.get(email="gus@fairhaven.example")
    assert gus.clicked and gus.campaign.launched_at.month == 9
    other = tmp_path / "other.csv"
    other.write_text("name,score\nx,1\n")
    with pytest.raises(education.EducationError, match=r"other\.csv"):
        education.import_gophish_csv(other)


def test_training_import_and_completion(tmp_path):
    export = tmp_path / "lms.csv"
    export.write_text(
        "Employee Email,Full Name,Department,Course Title,Due Date,Completion Date\n"
        "ann@fairhaven.example,Ann A,Nursing,Security basics 2026,2026-03-31,2026-03-02\n"
        "bob@fairhaven.example,Bob B,Nursing,Security basics 2026,2026-03-31,\n"
        "cy@fairhaven.example,Cy C,Billing,Security basics 2026,03/31/2026,03/30/2026\n"
        "di@fairhaven.example,Di D,Billing,Security basics 2026,not a date,\n"
    )
    counts = education.import_training(export)
    assert (counts["read"], counts["stored"], len(counts["rejected"])) == (4, 3, 1)
    assert counts["rejected"][0]["line"] == 5
    assert education.import_training(export)["unchanged"] == 3
    done = education.completion(date(2026, 4, 1))
    assert (done["due"], done["completed"]) == (3, 2)
    assert done["by_department"] == {"Billing": 1.0, "Nursing": 0.5}
    with pytest.raises(education.EducationError, match="course column"):
        bad = tmp_path / "bad.csv"
        bad.write_text("email,score\nx,1\n")
        education.import_training(bad)


def test_training_import_cli(tmp_path, capsys):
    from hygeia.cli import main

    export = tmp_path / "lms.csv"
    export.write_text("email,course,due,completed\nann@x.example,Basics,2026-03-31,2026-03-01\n"
                      "bob@x.example,Basics,someday,\n")  # fmt: skip
    assert main(["program", "training", "import", str(export)]) == 1  # a row was rejected
    out = capsys.readouterr().out
    assert "2 rows read = 1 stored + 0 unchanged + 1 rejected" in out and "line 3" in out


def test_rejected_training_rows_keep_the_first_hundred_and_count_the_rest(tmp_path, capsys):
    from hygeia.cli import main

    export = tmp_path / "lms.csv"
    export.write_text(
        "email,course,due\n"
        + "ann@x.example,Basics,2026-03-31\n"
        + "bob@x.example,Basics,not a date\n" * 150
    )
    counts = education.import_training(export)
    assert (counts["read"], counts["stored"]) == (151, 1)
    assert len(counts["rejected"]) == 100 and counts["rejected_omitted"] == 50
    assert counts["rejected"][-1]["line"] == 102
    assert main(["program", "training", "import", str(export)]) == 1
    out = capsys.readouterr().out
    assert "150 rejected" in out and "and 50 more rejected rows" in out


def test_a_training_export_with_a_bad_byte_names_its_line(tmp_path):
    export = tmp_path / "lms.csv"
    rows = "".join(f"p{n}@x.example,Basics,2026-03-31\n" for n in range(3000))
    export.write_bytes(b"email,course,due\n" + rows.encode() + b"caf\xe9@x.example,Basics,\n")
    with pytest.raises(education.EducationError, match=r"^lms\.csv: line 3002: not UTF-8 text"):
        education.import_training(export)
    assert not TrainingRecord.objects.exists()  # the rows before it roll back


def test_a_gophish_export_is_read_row_by_row(tmp_path):
    events = tmp_path / "events.csv"
    lines = [
        f"9,p{n % 50}@fairhaven.example,2026-09-{1 + n % 20:02d}T10:00:00Z,Email Sent,\n"
        for n in range(400)
    ]
    lines.insert(0, "campaign_id,email,time,message,details\n")
    lines.append("9,p7@fairhaven.example,2026-08-31T09:00:00Z,Clicked Link,\n")
    events.write_text("".join(lines))
    summary = education.import_gophish_csv(events, "Q5")
    assert summary["recipients"] == 50
    campaign = PhishingCampaign.objects.get(name="Q5")
    assert campaign.launched_at.isoformat() == "2026-08-31T09:00:00+00:00"
    assert PhishingResult.objects.filter(campaign=campaign, clicked=True).count() == 1


def test_the_import_page_counts_every_rejected_row_beyond_those_it_lists(make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import signed_in_client

    client = signed_in_client(make_user("ciso", "Security Officer"))
    rows = b"".join(b"user%d@example.org,\n" % n for n in range(150))  # no course
    upload = SimpleUploadedFile("training.csv", b"email,course\nok@example.org,HIPAA\n" + rows)
    response = client.post("/program/education/import/", {"kind": "training", "file": upload},
                           follow=True)  # fmt: skip
    assert "151 rows = 1 stored + 0 unchanged + 150 rejected." in response.content.decode()
