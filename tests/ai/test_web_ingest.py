"""Proxy logs into the event store: counts add up, re-ingesting stores nothing twice, bad
lines are quarantined with their line; the shadow report flags services without approval."""

from __future__ import annotations

import json

import pytest

from hygeia.ai import inventory, web
from hygeia.ai.models import AITool
from hygeia.cli import main

pytestmark = pytest.mark.django_db


def log_lines(start: int, count: int) -> list[str]:
    hosts = ["chatgpt.com", "claude.ai", "www.example.org", "api.openai.com"]
    return [
        f"{1735689600 + n}.000 5 10.0.0.{n % 4} TCP_TUNNEL/200 {10 * n} CONNECT "
        f"{hosts[n % 4]}:443 user{n % 3} HIER_DIRECT/1.1.1.1 -"
        for n in range(start, start + count)
    ]


def test_ingest_counts_duplicates_and_quarantine(tmp_path):
    first = tmp_path / "a.log"
    first.write_text("\n".join([*log_lines(0, 20), "not a squid line"]) + "\n")
    report = web.ingest([first])
    (f,) = report.files
    assert (f.read, f.stored, f.duplicate, f.quarantined) == (21, 20, 0, 1)
    overlap = tmp_path / "b.log"
    overlap.write_text("\n".join(log_lines(10, 20)) + "\n")  # 10 lines already stored
    (g,) = web.ingest([overlap]).files
    assert (g.read, g.stored, g.duplicate, g.quarantined) == (20, 10, 10, 0)
    (h,) = web.ingest([first]).files
    assert (h.stored, h.duplicate) == (0, 20)
    quarantined = web.lake().quarantine_path(_token(str(first))).read_text().splitlines()
    (entry,) = (json.loads(line) for line in quarantined)
    assert entry["line"] == 21 and "fewer than 9" in entry["reason"]
    assert entry["content"] == "not a squid line"


def _token(path: str) -> str:
    from hygeia.privacy.models import IngestFile

    return IngestFile.objects.filter(path=path).order_by("started_at").first().token


def test_shadow_report_marks_what_the_inventory_approves(tmp_path, capsys):
    log = tmp_path / "access.log"
    log.write_text("\n".join(log_lines(0, 40)) + "\n")
    web.ingest([log])
    approved = AITool(name="Enterprise ChatGPT", state="approved", domains=["chatgpt.com"])
    inventory.save(approved, "t")
    rows = {u.service: u for u in web.shadow_report()}
    assert set(rows) == {"ChatGPT", "Claude", "OpenAI API"}
    assert rows["ChatGPT"].approved and not rows["Claude"].approved
    assert rows["Claude"].requests == 10 and rows["Claude"].users == {"user0", "user1", "user2"}
    assert main(["ai", "shadow", "report", "--json"]) == 0
    printed = {r["service"]: r for r in json.loads(capsys.readouterr().out)}
    assert printed["Claude"]["approved"] is False and printed["Claude"]["users"] == 3
    assert main(["ai", "shadow", "report", "--by-user", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert {(p["service"], p["user"]) for p in people if p["service"] == "Claude"} == {
        ("Claude", "user0"),
        ("Claude", "user1"),
        ("Claude", "user2"),
    }
    assert set(printed["ChatGPT"]) >= {"service", "vendor", "category", "approved", "users",
                                       "departments", "requests", "bytes_in", "first_seen",
                                       "last_seen"}  # fmt: skip


def test_ingest_command_reports_the_counts(tmp_path, capsys):
    log = tmp_path / "access.log"
    log.write_text("\n".join([*log_lines(0, 5), "garbage"]) + "\n")
    assert main(["ai", "ingest", str(log), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert (body["read"], body["stored"], body["duplicate"], body["quarantined"]) == (6, 5, 0, 1)
    with pytest.raises(SystemExit) as refused:  # checked before anything is read
        main(["ai", "ingest", str(tmp_path / "missing.log")])
    assert refused.value.code == 2


ZEEK_TSV = """#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tdns
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype_name
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tstring\tstring
1735689600.100\tC1\t10.0.0.5\t53211\t10.0.0.1\t53\tudp\t1\tclaude.ai\tA
1735689601.200\tC2\t10.0.0.6\t53212\t10.0.0.1\t53\tudp\t2\twww.example.org\tAAAA
not-a-time\tC3\t10.0.0.7\t53213\t10.0.0.1\t53\tudp\t3\tchatgpt.com\tA
1735689602.300\tC4\t10.0.0.8
#close\t2025-01-01-00-00-00
"""
ZEEK_JSON = (
    '{"ts":1735689600.1,"uid":"C1","id.orig_h":"10.0.0.5","query":"gemini.google.com",'
    '"qtype_name":"A"}\n{"ts":"yesterday","query":"x.example"}\n[1,2]\n'
)
BIND_LOG = (
    "01-Jan-2025 00:00:01.123 queries: info: client @0x7f3a 10.0.0.9#41234 (chatgpt.com): "
    "query: chatgpt.com IN A +E(0)K (10.0.0.1)\n"
    "01-Jan-2025 00:00:02.456 client 10.0.0.9#41235 (claude.ai): query: claude.ai IN AAAA + "
    "(10.0.0.1)\n"
    "this is not bind\n"
)


@pytest.mark.parametrize(
    ("fmt", "name", "text", "counts", "hosts"),
    [
        ("zeek-dns", "dns.log", ZEEK_TSV, (4, 2, 0, 2), {"claude.ai", "www.example.org"}),
        ("zeek-dns", "dns.json", ZEEK_JSON, (3, 1, 0, 2), {"gemini.google.com"}),
        ("bind", "query.log", BIND_LOG, (3, 2, 0, 1), {"chatgpt.com", "claude.ai"}),
    ],
)
def test_dns_logs(tmp_path, fmt, name, text, counts, hosts):
    path = tmp_path / name
    path.write_text(text)
    (f,) = web.ingest([path], fmt).files
    assert (f.read, f.stored, f.duplicate, f.quarantined) == counts
    stored = web.lake().read_table(web.WEB)
    assert set(stored["host"].to_pylist()) == hosts
    assert set(stored["method"].to_pylist()) == {"DNS"}


def test_a_zeek_file_without_its_header_is_refused_by_name(tmp_path):
    path = tmp_path / "dns.log"
    path.write_text("1735689600.1\tC1\t10.0.0.5\n")
    (f,) = web.ingest([path], "zeek-dns").files
    assert f.stored == 0 and f.quarantined == 1


ZSCALER_KV = (
    "epochtime=1735689600\tuser=nurse.a@hospital.example\tClientIP=10.0.0.5\turl=chatgpt.com:443"
    "\thostname=chatgpt.com\trequestmethod=CONNECT\tstatus=200\trequestsize=2048000"
    "\tresponsesize=5120\tdepartment=Nursing\n"
    "datetime=Wed Jan 01 00:00:05 2025\tuser=dr.b@gmail.example\tClientIP=10.0.0.6"
    "\turl=https://claude.ai/chat/1\trequestmethod=POST\trequestsize=900\tresponsesize=100\n"
    "user=nobody\turl=x.example\n"
)
ZSCALER_TSV = (
    "Time\tUser\tClient IP\tURL\tRequest Method\tRequest Size\tResponse Size\n"
    "Wed Jan 01 00:00:05 2025\tnurse.a\t10.0.0.5\thttps://gemini.google.com/app\tPOST\t500\t20\n"
    "yesterday\tnurse.a\t10.0.0.5\thttps://gemini.google.com/app\tPOST\t500\t20\n"
)


def test_zscaler_key_value_feed_keeps_upload_sizes(tmp_path, settings):
    settings.ORG_EMAIL_DOMAINS = ["hospital.example"]
    path = tmp_path / "nss.log"
    path.write_text(ZSCALER_KV)
    (f,) = web.ingest([path], "zscaler").files
    assert (f.read, f.stored, f.quarantined) == (3, 2, 1)
    stored = {r["host"]: r for r in web.lake().read_table(web.WEB).to_pylist()}
    assert stored["chatgpt.com"]["bytes_out"] == 2048000
    assert stored["claude.ai"]["user"] == "dr.b@gmail.example"
    usage = {u.service: u for u in web.shadow_report()}
    assert usage["ChatGPT"].large_uploads == 1 and usage["Claude"].large_uploads == 0
    assert usage["ChatGPT"].personal_accounts == set()
    assert usage["Claude"].personal_accounts == {"dr.b@gmail.example"}


def test_header_exports_through_a_profile_and_bad_profiles_are_named(tmp_path, capsys):
    path = tmp_path / "export.tsv"
    path.write_text(ZSCALER_TSV)
    (f,) = web.ingest([path], "csv", "zscaler-tsv").files
    assert (f.read, f.stored, f.quarantined) == (2, 1, 1)
    assert web.lake().read_table(web.WEB)["path"].to_pylist() == ["/app"]
    assert main(["ai", "ingest", str(path), "--format", "csv", "--profile", "nope"]) == 2
    assert "no web-log profile 'nope'" in capsys.readouterr().err
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    (g,) = web.ingest([wrong], "csv").files
    assert g.stored == 0 and g.quarantined == 1


def test_squid_common_and_combined_formats(tmp_path):
    path = tmp_path / "access.log"
    path.write_text(
        '10.1.2.3 - alice [01/Jan/2025:00:00:01 +0000] "CONNECT claude.ai:443 HTTP/1.1" 200 '
        '4821 "-" "Mozilla/5.0" TCP_TUNNEL:HIER_DIRECT\n'
        '10.1.2.4 - - [01/Jan/2025:01:00:01 +0100] "GET http://www.bing.com/images/create?q=1 '
        'HTTP/1.1" 200 512\n'
        "not an access log line\n"
    )
    (f,) = web.ingest([path], "squid-common").files
    assert (f.read, f.stored, f.quarantined) == (3, 2, 1)
    rows = {r["host"]: r for r in web.lake().read_table(web.WEB).to_pylist()}
    assert rows["claude.ai"]["user"] == "alice" and rows["claude.ai"]["bytes_in"] == 4821
    assert rows["www.bing.com"]["path"] == "/images/create"
    assert rows["www.bing.com"]["occurred_utc"].isoformat() == "2025-01-01T00:00:01+00:00"


def test_dns_queries_are_attributed_through_the_ip_table(tmp_path, settings):
    path = tmp_path / "query.log"
    path.write_text(BIND_LOG)
    web.ingest([path], "bind")
    assert web.shadow_report()[0].users == set()
    (settings.DATA_DIR / "ai").mkdir()
    (settings.DATA_DIR / "ai" / "ip_users.csv").write_text("ip,user\n10.0.0.9,Nurse.A\n")
    assert {u.service: u.users for u in web.shadow_report()} == {
        "ChatGPT": {"nurse.a"},
        "Claude": {"nurse.a"},
    }


def test_a_gzip_cut_in_its_header_is_reported_not_a_crash(tmp_path):
    """The header is read before the lines: a stream that breaks there is reported as the
    line reader reports a break."""
    import gzip

    from hygeia.lake.records import Rejected
    from hygeia.privacy.formats import ReadContext

    whole = gzip.compress(b"time,host,user\n" + b"1735689600,chatgpt.com,u1\n" * 100)
    path = tmp_path / "export.csv.gz"
    path.write_bytes(whole[:12])
    (item,) = web.FORMATS["csv"].read(path, ReadContext(token="t"))
    assert isinstance(item, Rejected) and item.location.line == 1
    assert item.reason == "file is truncated or corrupt from here on (EOFError)"
