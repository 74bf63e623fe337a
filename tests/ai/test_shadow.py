"""Shadow-AI monitoring: the catalog (at least 200 services, valid entries, subdomain and
path rules), the Squid reader (fields, CONNECT and full URLs, refused lines named), and the
scan's accounting (read = AI + other + refused) on a real file with a gzip tail cut off."""

from __future__ import annotations

import gzip
import random

import pyarrow as pa
import pytest

from hygeia.ai import catalog as catalog_module
from hygeia.ai.catalog import CATEGORIES, Catalog, CatalogError, catalog, parse
from hygeia.ai.shadow import scan_log
from hygeia.ai.sources import squid


def test_the_shipped_catalog():
    found = catalog()
    assert len(found.services) >= 200
    assert {s.category for s in found.services} <= set(CATEGORIES)
    assert {s.baa for s in found.services} <= {"yes", "no", "enterprise"}
    assert len({s.name for s in found.services}) == len(found.services)


def test_subdomains_match_and_paths_need_a_url():
    found = catalog()
    assert found.classify("chatgpt.com").name == "ChatGPT"
    assert found.classify("ab.chatgpt.com.").name == "ChatGPT"
    assert found.classify("notchatgpt.com") is None
    assert found.classify("api.openai.com").name == "OpenAI API"  # longest match
    assert found.classify("www.bing.com") is None  # a search engine is not AI by host alone
    assert found.classify("www.bing.com", "/images/create").name == "Bing Image Creator"


def test_site_entries_add_to_and_override_the_shipped_ones(settings):
    folder = settings.DATA_DIR / "ai"
    folder.mkdir()
    (folder / "services.yaml").write_text(
        "version: 1\nservices:\n"
        "  - [ChatGPT, OpenAI, chat, [chatgpt.com], baa: no]\n"
        "  - [Local LLM, Our IT, chat, [llm.hospital.example], baa: yes]\n"
    )
    found = catalog()
    assert found.classify("llm.hospital.example").name == "Local LLM"
    assert found.by_name()["ChatGPT"].baa == "no"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nservices:\n  - [A, B, chat]\n", "entry 1"),
        ("version: 1\nservices:\n  - [A, B, gossip, [a.example], baa: no]\n", "unknown category"),
        ("version: 1\nservices:\n  - [A, B, chat, [], baa: no]\n", "no domain"),
    ],
)
def test_bad_catalog_entries_are_named(text, message):
    with pytest.raises(CatalogError, match=message):
        parse(text, "site.yaml")


def block(*lines: str) -> pa.Table:
    return pa.table({"line": pa.array(range(1, len(lines) + 1), pa.int64()),
                     "raw": pa.array(list(lines))})  # fmt: skip


def test_squid_fields_connect_and_full_urls():
    rows, refused = squid.parse(block(
        "1735689600.123    183 10.1.2.3 TCP_TUNNEL/200 48211 CONNECT claude.ai:443 alice "
        "HIER_DIRECT/1.2.3.4 -",
        "1735689601.500 12 10.1.2.4 TCP_MISS/200 507 GET http://u@Www.Bing.com:8080/images/"
        "create?q=x - HIER_DIRECT/1.2.3.4 text/html",
    ))  # fmt: skip
    assert refused.num_rows == 0
    first, second = rows.to_pylist()
    assert (first["host"], first["path"], first["user"], first["bytes_in"], first["client"]) == (
        "claude.ai",
        "",
        "alice",
        48211,
        "10.1.2.3",
    )
    assert (second["host"], second["path"], second["method"]) == (
        "www.bing.com",
        "/images/create",
        "GET",
    )


def test_squid_refuses_lines_it_cannot_read_with_the_reason():
    rows, refused = squid.parse(block(
        "not a record",
        "yesterday 1 10.0.0.1 TCP_MISS/200 1 GET http://a.example/ - HIER_NONE/- -",
        "1735689601.5 12 10.0.0.1 TCP_MISS/200 507 GET - - HIER_DIRECT/1.2.3.4 text/html",
    ))  # fmt: skip
    assert rows.num_rows == 0
    assert refused.to_pylist() == [
        {"line": 1, "reason": "fewer than 9 space-separated fields"},
        {"line": 2, "reason": "the time is not Unix seconds"},
        {"line": 3, "reason": "no host in the URL"},
    ]


def test_scan_accounts_for_every_line_and_survives_a_cut_gzip(tmp_path, settings):
    lines = [
        f"17356896{n:02d}.000 5 10.0.0.{n % 3} TCP_TUNNEL/200 {100 * n} CONNECT "
        f"{'chatgpt.com' if n % 2 else 'www.example.org'}:443 user{n % 4} HIER_DIRECT/1.1.1.1 -"
        for n in range(40)
    ] + ["garbage"]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "access.log.gz"
    path.write_bytes(data)
    result = scan_log(path, catalog())
    assert (result.read, result.ai, result.other, result.refused_count) == (41, 20, 20, 1)
    usage = result.usage["ChatGPT"]
    assert usage.requests == 20 and usage.users == {"user1", "user3"}
    assert usage.bytes_in == sum(100 * n for n in range(1, 40, 2))
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(data[: len(data) // 2])
    broken = scan_log(cut, catalog())
    assert broken.read == broken.ai + broken.other + broken.refused_count
    assert any("truncated or corrupt" in reason for _, reason in broken.refused)
    assert broken.unread_bytes == 0  # a file cut short has nothing left to read


def test_scan_counts_what_a_corrupt_gzip_leaves_unread(tmp_path, settings):
    lines = [
        f"17356896{n:02d}.000 5 10.0.0.1 TCP_TUNNEL/200 100 CONNECT chatgpt.com:443 u1 "
        "HIER_DIRECT/1.1.1.1 -"
        for n in range(40)
    ]
    garbage = random.Random(11).randbytes(1 << 20)  # not a gzip member
    path = tmp_path / "access.log.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()) + garbage)
    result = scan_log(path, catalog())
    assert (result.read, result.ai, result.refused_count) == (41, 40, 1)
    assert 0 < result.unread_bytes <= len(garbage)
    assert result.as_dict()["unread_bytes"] == result.unread_bytes


def test_classify_column_classifies_each_distinct_destination_once(monkeypatch):
    calls = []
    found = Catalog(catalog_module.parse(
        "version: 1\nservices:\n  - [X, V, chat, [x.example], baa: no]\n", "t"))  # fmt: skip
    original = found.classify
    monkeypatch.setattr(found, "classify", lambda h, p="": calls.append(h) or original(h, p))
    names = found.classify_column(pa.array(["x.example", "y.example"] * 1000),
                                  pa.array(["", ""] * 1000))  # fmt: skip
    assert names.to_pylist()[:2] == ["X", None] and len(calls) == 2
