"""Proxy-log layouts that sites configure (key=value with tabs or spaces, LEEF 1.0/2.0, CEF,
Netskope-style CSV, JSON lines): each sample from tests/ai/samples ingests whole, with the
right hosts, users, times and upload sizes; a file none of whose lines reads says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from hygeia.ai import web
from hygeia.ai.sources import cef, keyvalue, leef
from hygeia.cli import main

SAMPLES = Path(__file__).parent / "samples"
ONE_AM = "2026-10-19T00:00:06+00:00"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "fmt", "profile", "lines"),
    [
        ("zscaler-nss-kv-spaces.log", "kv", None, 4),
        ("zscaler-nss-kv-spaces.log", "zscaler", None, 4),
        ("zscaler-nss-kv-tabs.log", "kv", None, 2),
        ("zscaler-nss-leef1.log", "leef", None, 2),
        ("leef2-separators.log", "leef", None, 3),
        ("zscaler-nss-cef.log", "cef", None, 1),
        ("cef-spaces.log", "cef", None, 2),
        ("netskope-page-events.csv", "csv", "netskope-csv", 3),
        ("ecs-web.jsonl", "jsonl", None, 3),
    ],
)
def test_each_layout_ingests_its_sample_whole(name, fmt, profile, lines):
    (f,) = web.ingest([SAMPLES / name], fmt, profile).files
    assert f.status == "committed", f.error
    assert (f.read, f.stored, f.duplicate, f.quarantined) == (lines, lines, 0, 0), f.reasons
    assert f.hint == ""
    rows = web.lake().read_table(web.WEB).to_pylist()
    hosts = {r["host"] for r in rows}
    assert hosts & {"chatgpt.com", "claude.ai", "gemini.google.com"}
    assert all(r["occurred_utc"].year == 2026 for r in rows)
    claude = [r for r in rows if r["host"] == "claude.ai"]
    if claude:  # the upload every sample carries
        assert claude[0]["bytes_out"] == 1523400 and claude[0]["user"] in (
            "b.okafor@hospital.example",
            "b.okafor",
        )
        assert claude[0]["occurred_utc"].isoformat() == "2026-10-19T00:00:09+00:00"
    chatgpt = [r for r in rows if r["host"] == "chatgpt.com"]
    if chatgpt:
        assert chatgpt[0]["occurred_utc"].replace(microsecond=0).isoformat() == ONE_AM
        assert chatgpt[0]["bytes_out"] == 2193 and chatgpt[0]["client"] == "10.1.2.3"
    (again,) = web.ingest([SAMPLES / name], fmt, profile).files
    assert (again.stored, again.duplicate) == (0, lines)


def test_space_separated_pairs_keep_quoted_escaped_and_empty_values():
    line = (
        'datetime="Mon Oct 19 00:00:06 2026" dept="Health \\"HIM\\"" empty= blank="" '
        "note=two words url=https://x.example/?a=b&c=d"
    )
    assert keyvalue.pairs(line) == {
        "datetime": "Mon Oct 19 00:00:06 2026",
        "dept": 'Health "HIM"',
        "empty": "",
        "blank": "",
        "note": "two words",
        "url": "https://x.example/?a=b&c=d",
    }
    with pytest.raises(keyvalue.NotPairs):
        keyvalue.pairs("1792368006.000 5 10.0.0.1 TCP_TUNNEL/200 10 CONNECT claude.ai:443 -")


def test_cef_header_escapes_and_extension_escapes():
    found = cef.record(
        "CEF:0|Acme|Gate|1|web\\|allowed|Name|3|request=https://x/?a\\=b msg=a \\\\ b suser=x"
    )
    assert found["cef.signature"] == "web|allowed"
    assert found["request"] == "https://x/?a=b" and found["msg"] == "a \\ b"
    with pytest.raises(ValueError, match="3 of its 7"):
        cef.record("CEF:0|Acme|Gate")


def test_leef_separators_and_java_time_patterns():
    assert leef.record("LEEF:2.0|A|B|1|e|x5E|src=1^usrName=u")["usrName"] == "u"
    assert leef.record("LEEF:2.0|A|B|1|e|;|src=1;usrName=u")["src"] == "1"
    assert leef.record("LEEF:1.0|A|B|1|e|src=1\tusrName=u v")["usrName"] == "u v"
    assert leef.java_format("MMM dd yyyy HH:mm:ss z") == "%b %d %Y %H:%M:%S %Z"
    assert leef.java_format("yyyy-MM-dd'T'HH:mm:ss.SSSXXX") == "%Y-%m-%dT%H:%M:%S.%f%z"
    with pytest.raises(ValueError, match=r"LEEF 2\.0 attribute separator"):
        leef.record("LEEF:2.0|A|B|1|e|xyz|src=1")
    with pytest.raises(ValueError, match="no 'LEEF"):
        leef.record("CEF:0|A|B|1|e|n|3|src=1")


def test_a_file_none_of_whose_lines_reads_names_the_problem_and_the_layout_that_would(
    tmp_path, capsys
):
    """The space-separated NSS feed read as the old tab-only reader would have: every line
    refused. Read as Squid now, it says why and that kv reads it."""
    path = SAMPLES / "zscaler-nss-kv-spaces.log"
    (f,) = web.ingest([path], "squid").files
    assert (f.read, f.stored, f.quarantined) == (4, 0, 4)
    assert f.hint.startswith("line 1: ")
    assert "tried Squid's native access.log" in f.hint
    assert "read as kv" in f.hint and "try --format kv" in f.hint
    assert main(["ai", "ingest", str(path), "--format", "leef"]) == 1  # nothing stored
    err = capsys.readouterr().err
    assert "nothing stored: line 1: no 'LEEF:1.0' or 'LEEF:2.0' header; tried LEEF" in err
    noise = tmp_path / "noise.log"
    noise.write_text("hello world\nsecond line\n")
    (g,) = web.ingest([noise], "kv").files
    assert "No other format reads its first lines either" in g.hint
    assert "no key=value pair" in g.hint


def test_a_file_with_some_lines_stored_has_no_hint(tmp_path):
    path = tmp_path / "mixed.log"
    path.write_text((SAMPLES / "cef-spaces.log").read_text() + "garbage\n")
    (f,) = web.ingest([path], "cef").files
    assert (f.stored, f.quarantined, f.hint) == (2, 1, "")
