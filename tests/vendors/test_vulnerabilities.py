"""KEV, OSV and VEX imports; version ranges; matching SBOM components and the exposure."""

from __future__ import annotations

import json
import zipfile

import pytest

from hygeia.vendors import exposure, matching, vulns
from hygeia.vendors.models import KevEntry, Match, Trigger, VexStatement, Vulnerability
from hygeia.vendors.versions import compare, in_ranges
from tests.vendors.conftest import KEV, SBOMS, VEX, osv

pytestmark = pytest.mark.django_db


def test_the_real_kev_catalog_imports_and_reimports_as_duplicates():
    first = vulns.import_path(KEV)
    declared = json.loads(KEV.read_text())["count"]
    assert first.kind == "kev" and first.read == declared == first.stored
    assert KevEntry.objects.count() == declared
    again = vulns.import_path(KEV)
    assert (again.read, again.stored, again.duplicate) == (declared, 0, declared)
    log4shell = KevEntry.objects.get(cve_id="CVE-2021-44228")
    assert (log4shell.vendor_project, log4shell.product) == ("Apache", "Log4j2")


def test_kev_entries_without_a_cve_are_quarantined(tmp_path):
    path = tmp_path / "kev.json"
    path.write_text(
        json.dumps(
            {
                "catalogVersion": "1",
                "vulnerabilities": [
                    {"cveID": "CVE-2024-0001", "vendorProject": "A", "product": "B"},
                    {"cveID": "bad"},
                    7,
                ],
            }
        )
    )
    report = vulns.import_path(path)
    assert (report.read, report.stored, report.quarantined) == (3, 1, 2)
    assert report.read == report.stored + report.duplicate + report.quarantined
    assert "entry 2" in report.problems[0]


def test_osv_single_list_and_zip(tmp_path):
    single = tmp_path / "GHSA-1.json"
    single.write_text(
        json.dumps(
            osv(
                "GHSA-1",
                "PyPI",
                "Django",
                {"introduced": "0"},
                {"fixed": "4.2.1"},
                aliases=["CVE-2023-1"],
            )
        )
    )
    assert vulns.import_path(single).stored == 1
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([osv("GHSA-2", "npm", "lodash", versions=["4.17.20"]), {"x": 1}]))
    report = vulns.import_path(listed)
    assert (report.read, report.stored, report.quarantined) == (2, 1, 1)
    dump = tmp_path / "all.zip"
    with zipfile.ZipFile(dump, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("GHSA-1.json", single.read_text())  # unchanged: a duplicate
        archive.writestr("GHSA-3.json", json.dumps(osv("GHSA-3", "Go", "golang.org/x/net")))
        archive.writestr("broken.json", "{not json")
        archive.writestr("README.txt", "hello")
    report = vulns.import_path(dump)
    assert (report.read, report.stored, report.duplicate, report.quarantined) == (4, 1, 1, 2)
    assert any("broken.json" in p and "line 1" in p for p in report.problems)
    assert Vulnerability.objects.count() == 3


def test_a_zip_bomb_member_stops_at_the_cap(tmp_path, monkeypatch):
    from hygeia.vendors.vulns import osv as osv_reader

    monkeypatch.setattr(osv_reader, "MAX_RECORD_BYTES", 1000)
    dump = tmp_path / "bomb.zip"
    with zipfile.ZipFile(dump, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.json", '{"id": "X", "pad": "' + "0" * 10_000_000 + '"}')
    report = vulns.import_path(dump)
    assert (report.read, report.stored, report.quarantined) == (1, 0, 1)
    assert "larger than" in report.problems[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"PK\x03\x04truncated", "damaged or truncated"), (b'{"a": ', "line 1"), (b"42", "not a")],
)
def test_unusable_files_are_rejected_by_name(tmp_path, content, message):
    path = tmp_path / "feed.json"
    path.write_bytes(content)
    with pytest.raises(vulns.VulnFileError) as caught:
        vulns.import_path(path)
    assert "feed.json" in str(caught.value) and message in str(caught.value)


def test_vex_import_keeps_one_statement_per_vulnerability_and_ref():
    report = vulns.import_path(VEX)
    assert report.kind == "vex" and report.stored == 19 == VexStatement.objects.count()
    assert vulns.import_path(VEX).duplicate == 19


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0.0", 0),
        ("2.9.10", "2.9.9", 1),
        ("1.0.0-beta", "1.0.0", -1),
        ("v1.2.3", "1.2.3", 0),
        ("2.14.1", "2.15.0", -1),
        ("24.1.1-jre", "24.1.1", 0),
        ("1.0.0-rc.1", "1.0.0-rc.2", -1),
    ],
)
def test_version_order(a, b, expected):
    assert compare(a, b) == expected


def test_pep440_order_for_pypi():
    assert compare("1.0rc1", "1.0", "PyPI") == -1
    assert compare("1.0.post1", "1.0", "PyPI") == 1


def test_ranges_with_several_intervals_and_last_affected():
    log4j = [
        {
            "type": "ECOSYSTEM",
            "events": [
                {"introduced": "2.0-beta9"},
                {"fixed": "2.3.1"},
                {"introduced": "2.4"},
                {"fixed": "2.12.2"},
                {"introduced": "2.13.0"},
                {"fixed": "2.15.0"},
            ],
        }
    ]
    assert in_ranges("2.14.1", log4j) and in_ranges("2.0", log4j) and in_ranges("2.12.1", log4j)
    assert not in_ranges("2.15.0", log4j) and not in_ranges("2.12.2", log4j)
    assert not in_ranges("1.2.17", log4j)
    last = [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.4.0"}]}]
    assert in_ranges("1.4.0", last) and not in_ranges("1.4.1", last)
    assert not in_ranges("1.0.0", [{"type": "GIT", "events": [{"introduced": "0"}]}])
    assert in_ranges("9.9", [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}])


@pytest.mark.parametrize(
    ("purl", "expected"),
    [
        (
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            ("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"),
        ),
        ("pkg:npm/%40angular/core@12.0.0", ("npm", "@angular/core", "12.0.0")),
        ("pkg:pypi/Django_Rest@3.1", ("PyPI", "django-rest", "3.1")),
        (
            "pkg:golang/github.com/gin-gonic/gin@v1.6.0",
            ("Go", "github.com/gin-gonic/gin", "v1.6.0"),
        ),
        ("pkg:composer/laravel/framework@7.12.0", ("Packagist", "laravel/framework", "7.12.0")),
        ("not a purl", None),
    ],
)
def test_purls_map_to_osv_packages(purl, expected):
    assert matching.package_of_purl(purl) == expected


def _load(records):
    for record in records:
        Vulnerability.objects.create(
            id=record["id"],
            source="osv",
            aliases=record["aliases"],
            modified=record["modified"],
            affected=record["affected"],
        )


def test_a_real_sbom_matched_against_osv_records(product, tmp_path):
    dropwizard = next(p for p in SBOMS if p.name.startswith("dropwizard"))
    components = {
        c.purl
        for c in __import__("hygeia.vendors.sbom", fromlist=["read"]).read(dropwizard).components
    }
    guava = next(
        p for p in components if "/guava@" in p
    )  # pkg:maven/com.google.guava/guava@24.1.1-jre
    _load(
        [
            osv(
                "GHSA-guava",
                "Maven",
                "com.google.guava:guava",
                {"introduced": "0"},
                {"fixed": "32.0.0"},
                aliases=["CVE-2023-2976"],
            ),
            osv(
                "GHSA-fixed",
                "Maven",
                "com.google.guava:guava",
                {"introduced": "0"},
                {"fixed": "20.0"},
            ),
            osv("GHSA-other", "npm", "guava", {"introduced": "0"}),
        ]
    )
    KevEntry.objects.create(
        cve_id="CVE-2023-2976",
        vendor_project="Google",
        product="Guava",
        name="test",
        catalog_version="t",
    )
    record, created = exposure.add_sbom(product, dropwizard)
    assert created and record.components.count() == 167
    matches = Match.objects.filter(product=product)
    assert [(m.component.purl, m.vulnerability, m.how, m.kev) for m in matches] == [
        (guava, "GHSA-guava", "purl", True)
    ]
    [row] = exposure.exposure()
    assert row["kev"] == ["CVE-2023-2976"] and row["vulnerable_components"] == 1
    assert row["vulnerabilities"] == ["GHSA-guava"]
    # A new known-exploited match asks for a reassessment, once.
    assert Trigger.objects.filter(kind="kev", vendor=product.vendor).count() == 1
    exposure.rematch()
    assert Trigger.objects.filter(kind="kev").count() == 1
    # The same file twice is attached once.
    assert exposure.add_sbom(product, dropwizard)[1] is False


def test_vex_sets_a_match_aside_and_cpe_matches_are_only_possible(product, tmp_path):
    bom = tmp_path / "abc.json"
    bom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.4",
                "metadata": {
                    "component": {"name": "ABC", "version": "4.2", "bom-ref": "product-ABC"}
                },
                "components": [
                    {
                        "type": "library",
                        "name": "treck-tcp",
                        "version": "6.0.1.41",
                        "bom-ref": "tcp",
                    },
                    {
                        "type": "library",
                        "name": "openssl",
                        "version": "1.0.1f",
                        "cpe": "cpe:2.3:a:openssl:openssl:1.0.1f:*:*:*:*:*:*:*",
                    },
                ],
            }
        )
    )
    _load([osv("CVE-2020-11896", "", "treck-tcp", versions=["6.0.1.41"])])
    KevEntry.objects.create(
        cve_id="CVE-2014-0160",
        vendor_project="OpenSSL",
        product="OpenSSL",
        name="Heartbleed",
        catalog_version="t",
    )
    KevEntry.objects.create(
        cve_id="CVE-2020-11896",
        vendor_project="Treck",
        product="TCP/IP",
        name="Ripple20",
        catalog_version="t",
    )
    exposure.add_sbom(product, bom)
    [row] = exposure.exposure()
    assert row["kev"] == ["CVE-2020-11896"] and row["kev_possible"] == ["CVE-2014-0160"]
    vulns.import_path(VEX)  # the supplier of ABC 4.2: not affected by CVE-2020-11896
    exposure.rematch()
    [row] = exposure.exposure()
    assert row["kev"] == [] and row["suppressed_by_vex"] == 1 and row["vulnerable_components"] == 0
    suppressed = Match.objects.get(vulnerability="CVE-2020-11896")
    assert suppressed.suppressed_by.startswith("VEX not_affected")


def test_vex_for_another_product_does_not_apply(product, tmp_path):
    bom = tmp_path / "xyz.json"
    bom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.4",
                "metadata": {
                    "component": {"name": "XYZ", "version": "1", "bom-ref": "product-ABC"}
                },
                "components": [{"type": "library", "name": "treck-tcp", "version": "6.0.1.41"}],
            }
        )
    )
    _load([osv("CVE-2020-11896", "", "treck-tcp", versions=["6.0.1.41"])])
    vulns.import_path(VEX)
    exposure.add_sbom(product, bom)
    assert Match.objects.get().suppressed_by == ""


def test_sbom_declared_vulnerabilities_match_their_components(product, tmp_path):
    bom = tmp_path / "declared.json"
    bom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "metadata": {"component": {"name": "Monitor", "version": "2"}},
                "components": [{"type": "firmware", "name": "fw", "version": "1", "bom-ref": "fw"}],
                "vulnerabilities": [
                    {
                        "id": "CVE-2024-9999",
                        "analysis": {"state": "exploitable"},
                        "affects": [{"ref": "fw"}],
                    }
                ],
            }
        )
    )
    exposure.add_sbom(product, bom)
    match = Match.objects.get()
    assert (match.vulnerability, match.how, match.component.name) == (
        "CVE-2024-9999",
        "declared",
        "fw",
    )


def test_the_index_agrees_with_checking_every_record_one_by_one():
    """The fast index (sorted spans, bisect, remembered answers) against the plain reading of
    each record, on random records and versions, PyPI (PEP 440) and generic ecosystems."""
    import random

    from hygeia.vendors.versions import in_ranges

    rng = random.Random(11)
    ecosystems = ["PyPI", "npm"]
    hits = 0
    records = []
    for i in range(400):
        ecosystem = rng.choice(ecosystems)
        events = []
        low = rng.randint(0, 3)
        for _ in range(rng.randint(1, 3)):
            start = "0" if rng.random() < 0.2 else f"{low}.{rng.randint(0, 5)}"
            end_kind = rng.choice(["fixed", "last_affected", None])
            events.append({"introduced": start})
            if end_kind:
                events.append({end_kind: f"{low}.{rng.randint(5, 9)}rc1"})
            low += 1
        records.append(osv(f"V{i}", ecosystem, f"p{rng.randint(0, 9)}", *events,
                           versions=[f"{rng.randint(0, 5)}.{rng.randint(0, 9)}"]))  # fmt: skip
    index = matching.Index()
    for record in records:
        index.add(record["id"], record["affected"])
    for _ in range(600):
        ecosystem = rng.choice(ecosystems)
        name = f"p{rng.randint(0, 9)}"
        version = f"{rng.randint(0, 5)}.{rng.randint(0, 9)}" + rng.choice(["", ".1", "rc1", "b2"])
        purl = f"pkg:{ecosystem.lower()}/{name}@{version}"
        osv_name = name
        expected = {
            r["id"]
            for r in records
            for a in r["affected"]
            if a["package"]["ecosystem"] == ecosystem
            and a["package"]["name"] == osv_name
            and (version in a["versions"] or in_ranges(version, a["ranges"], ecosystem))
        }
        found = {vid for vid, _ in matching.match_component(index, purl, name, version)}
        assert found == expected, (purl, found ^ expected)
        hits += len(found)
    assert hits > 500  # the comparison is not vacuous


# --- streamed imports: the file is read one entry at a time and written in batches ----------


def _kev_entry(cve, name="n", due="2025-01-31", **extra):
    return {"cveID": cve, "vendorProject": "V", "product": "P", "vulnerabilityName": name,
            "dateAdded": "2025-01-01", "dueDate": due, **extra}  # fmt: skip


def test_kev_with_vulnerabilities_before_its_catalog_version(tmp_path):
    path = tmp_path / "kev.json"
    entries = [_kev_entry("CVE-2024-0001"), _kev_entry("CVE-2024-0002")]
    path.write_text(json.dumps({"vulnerabilities": entries, "catalogVersion": "2025.02.03"}))
    report = vulns.import_path(path)
    assert (report.kind, report.read, report.stored) == ("kev", 2, 2)
    assert set(KevEntry.objects.values_list("catalog_version", flat=True)) == {"2025.02.03"}


def test_kev_duplicates_across_batches_count_as_when_read_whole(tmp_path, monkeypatch):
    from hygeia.vendors.vulns import kev

    monkeypatch.setattr(kev, "BATCH", 2)  # every rule below crosses a batch boundary
    for cve, name in (("CVE-2024-0001", "n"), ("CVE-2024-0002", "before")):
        KevEntry.objects.create(cve_id=cve, vendor_project="V", product="P", name=name,
                                due_date="2025-01-31", catalog_version="old")  # fmt: skip
    path = tmp_path / "kev.json"
    entries = [
        _kev_entry("CVE-2024-0001"),  # stored with the same due date and name: duplicate
        _kev_entry("CVE-2024-0002", name="renamed"),  # changed: stored
        {"cveID": "not a cve"},  # quarantined
        _kev_entry("CVE-2024-0003"),  # new: stored
        _kev_entry("CVE-2024-0003", name="second"),  # twice in the file: duplicate, kept
        "not an object",  # quarantined
        _kev_entry("CVE-2024-0002", name="renamed"),  # twice in the file: duplicate
    ]
    path.write_text(json.dumps({"catalogVersion": "v2", "vulnerabilities": entries}))
    report = vulns.import_path(path)
    assert (report.read, report.stored, report.duplicate, report.quarantined) == (7, 2, 3, 2)
    assert report.read == report.stored + report.duplicate + report.quarantined
    assert [p.split(": ")[1] for p in report.problems] == ["entry 3", "entry 6"]
    assert KevEntry.objects.get(cve_id="CVE-2024-0003").name == "second"
    assert KevEntry.objects.get(cve_id="CVE-2024-0002").name == "renamed"
    assert set(KevEntry.objects.values_list("catalog_version", flat=True)) == {"v2"}
    again = vulns.import_path(path)  # CVE-2024-0003 differs from the kept "second" at first
    assert (again.stored, again.duplicate, again.quarantined) == (1, 4, 2)


def test_a_truncated_kev_file_is_refused_by_name_and_line_and_stores_nothing(tmp_path):
    entries = [_kev_entry(f"CVE-2024-{n:04d}") for n in range(1, 3000)]
    text = json.dumps({"catalogVersion": "1", "vulnerabilities": entries}, indent=2)
    path = tmp_path / "known_exploited.json"
    path.write_text(text[: len(text) * 3 // 4])
    with pytest.raises(vulns.VulnFileError) as caught:
        vulns.import_path(path)
    last = text[: len(text) * 3 // 4].rstrip().count("\n") + 1
    assert str(caught.value).startswith(f"known_exploited.json: line {last}: not valid JSON")
    assert KevEntry.objects.count() == 0  # the batches written before the break roll back


def test_a_broken_line_in_a_big_kev_file_is_named(tmp_path):
    entries = [_kev_entry(f"CVE-2024-{n:04d}") for n in range(1, 3000)]
    lines = json.dumps({"catalogVersion": "1", "vulnerabilities": entries}, indent=2).split("\n")
    broken = next(n for n, line in enumerate(lines) if "CVE-2024-2500" in line)
    lines[broken] = lines[broken].replace('"CVE-2024-2500"', "CVE-2024-2500")
    path = tmp_path / "kev.json"
    path.write_text("\n".join(lines))
    with pytest.raises(vulns.VulnFileError, match=rf"^kev\.json: line {broken + 1}: not valid"):
        vulns.import_path(path)


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"catalogVersion": "1", "vulnerabilities": []}, None),
        ({"catalogVersion": "1"}, "needs a `vulnerabilities` list"),
        ({"catalogVersion": "1", "vulnerabilities": {"a": 1}}, "needs a `vulnerabilities` list"),
    ],
)
def test_a_kev_catalog_needs_a_list_but_it_may_be_empty(tmp_path, document, error):
    path = tmp_path / "kev.json"
    path.write_text(json.dumps(document))
    if error is None:
        assert vulns.import_path(path).read == 0
        return
    with pytest.raises(vulns.VulnFileError, match=error):
        vulns.import_path(path)


def test_problems_keep_the_first_hundred_and_count_the_rest(tmp_path):
    path = tmp_path / "kev.json"
    path.write_text(json.dumps({"catalogVersion": "1", "vulnerabilities": [{}] * 150}))
    report = vulns.import_path(path)
    assert (report.read, report.quarantined) == (150, 150)
    assert len(report.problems) == 100 and report.problems_omitted == 50
    assert report.problems[-1] == "kev.json: entry 100: no valid cveID"


def test_an_osv_list_is_read_in_batches_with_the_same_counts(tmp_path, monkeypatch):
    from hygeia.vendors.vulns import osv as osv_reader

    monkeypatch.setattr(osv_reader, "BATCH", 2)
    records = [osv(f"GHSA-{n}", "npm", "lodash", versions=["1.0"]) for n in range(5)]
    records.insert(3, {"no": "id"})
    records.append(osv("GHSA-1", "npm", "lodash", versions=["1.0"]))  # again, a later batch
    changed = osv("GHSA-2", "npm", "lodash", versions=["2.0"])
    changed["modified"] = "2025-06-01T00:00:00Z"
    records.append(changed)  # a newer version of a record from an earlier batch: stored
    path = tmp_path / "list.json"
    path.write_text(json.dumps(records))
    report = vulns.import_path(path)
    assert (report.read, report.stored, report.duplicate, report.quarantined) == (8, 6, 1, 1)
    assert report.problems == ["list.json: record 4: not an OSV record (no id)"]
    assert Vulnerability.objects.get(id="GHSA-2").affected[0]["versions"] == ["2.0"]
    # The first GHSA-2 replaces the stored newer one; the second is then still in the batch
    # not yet written, so it is a duplicate (as when a dict held every stored version).
    again = vulns.import_path(path)
    assert (again.stored, again.duplicate, again.quarantined) == (1, 6, 1)


def test_a_single_osv_record_larger_than_a_record_is_not_read(tmp_path, monkeypatch):
    from hygeia.vendors.vulns import osv as osv_reader

    monkeypatch.setattr(osv_reader, "MAX_RECORD_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"id": "X", "details": "0" * 5000}))
    report = vulns.import_path(path)
    assert (report.read, report.quarantined) == (1, 1) and "larger than" in report.problems[0]


def test_vex_with_its_metadata_after_the_statements(tmp_path):
    path = tmp_path / "vex.json"
    document = json.loads(VEX.read_text())
    metadata = document.pop("metadata")
    path.write_text(json.dumps({**document, "metadata": metadata}))
    report = vulns.import_path(path)
    assert (report.kind, report.stored) == ("vex", 19)
    assert set(VexStatement.objects.values_list("subject_name", flat=True)) == {"ABC"}


def test_a_big_kev_import_does_not_hold_the_file_in_memory(tmp_path):
    """Python's allocations stay far below the file's size (reading it whole takes more than
    the file itself)."""
    import tracemalloc

    path = tmp_path / "kev.json"
    padding = "x" * 5000
    with path.open("w") as out:
        out.write('{"catalogVersion": "big", "vulnerabilities": [\n')
        for n in range(12_500):
            entry = _kev_entry(f"CVE-2024-{n:05d}", shortDescription=padding)
            out.write(("," if n else "") + json.dumps(entry) + "\n")
        out.write("]}\n")
    size = path.stat().st_size
    assert size > 60_000_000
    tracemalloc.start()
    try:
        report = vulns.import_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.stored == 12_500
    assert peak < size / 3, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
