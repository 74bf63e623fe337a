"""Each SBOM reader, on the real files and on broken and hostile ones."""

from __future__ import annotations

import json

import pytest

from hygeia.vendors import sbom
from tests.vendors.conftest import SBOMS, VEX

OPENSSL_CPE = "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*"
EXPECTED = {  # components counted independently (jq / xmllint), nested ones included
    "cern-lhc-vdm-editor.bom.xml": ("cyclonedx-xml", "1.2", 43),
    "dropwizard-1.3.15.bom.json": ("cyclonedx-json", "1.2", 167),
    "hbom-pcie-sata-adapter.json": ("cyclonedx-json", "1.4", 6),
    "laravel-7.12.0.bom.1.4.json": ("cyclonedx-json", "1.4", 62),
    "laravel-7.12.0.bom.1.4.xml": ("cyclonedx-xml", "1.4", 62),
    "proton-bridge-v1.8.0.bom.json": ("cyclonedx-json", "1.2", 201),
}


def test_the_real_sboms_are_there():
    assert {p.name for p in SBOMS} >= set(EXPECTED)


@pytest.mark.parametrize("path", SBOMS, ids=lambda p: p.name)
def test_each_real_sbom_reads(path):
    parsed = sbom.read(path)
    assert parsed.components and all(c.name for c in parsed.components)
    if path.name in EXPECTED:
        assert (parsed.format, parsed.spec_version, len(parsed.components)) == EXPECTED[path.name]


def test_json_and_xml_of_the_same_bom_agree():
    folder = SBOMS[0].parent
    as_json = sbom.read(folder / "laravel-7.12.0.bom.1.4.json")
    as_xml = sbom.read(folder / "laravel-7.12.0.bom.1.4.xml")
    assert [(c.name, c.version, c.purl) for c in as_json.components] == [
        (c.name, c.version, c.purl) for c in as_xml.components
    ]


def test_purls_and_hardware_suppliers_are_kept():
    folder = SBOMS[0].parent
    dropwizard = sbom.read(folder / "dropwizard-1.3.15.bom.json")
    assert all(c.purl.startswith("pkg:maven/") for c in dropwizard.components)
    hardware = sbom.read(folder / "hbom-pcie-sata-adapter.json")
    assert {c.kind for c in hardware.components} == {"device"}
    assert "Samtec" in {c.supplier for c in hardware.components}


def test_a_vex_document_carries_its_statements():
    parsed = sbom.read(VEX)
    assert parsed.subject == "ABC" and parsed.subject_version == "4.2"
    assert len(parsed.vulnerabilities) == 19
    assert {v["state"] for v in parsed.vulnerabilities} <= {
        "not_affected",
        "exploitable",
        "in_triage",
        "resolved",
        "false_positive",
        "",
    }


def test_cyclonedx_1_5_and_1_6_json(tmp_path):
    for version in ("1.5", "1.6"):
        path = tmp_path / f"b{version}.json"
        path.write_text(
            json.dumps(
                {
                    "bomFormat": "CycloneDX",
                    "specVersion": version,
                    "components": [
                        {
                            "type": "library",
                            "name": "zlib",
                            "version": "1.2.11",
                            "cpe": "cpe:2.3:a:zlib:zlib:1.2.11:*:*:*:*:*:*:*",
                        }
                    ],
                }
            )
        )
        parsed = sbom.read(path)
        assert parsed.spec_version == version and parsed.components[0].cpe.startswith("cpe:2.3")


def test_spdx_json(tmp_path):
    path = tmp_path / "device.spdx.json"
    path.write_text(
        json.dumps(
            {
                "spdxVersion": "SPDX-2.3",
                "SPDXID": "SPDXRef-DOCUMENT",
                "name": "monitor",
                "documentDescribes": ["SPDXRef-monitor"],
                "packages": [
                    {"SPDXID": "SPDXRef-monitor", "name": "Bedside monitor", "versionInfo": "3.0"},
                    {
                        "SPDXID": "SPDXRef-ssl",
                        "name": "openssl",
                        "versionInfo": "1.1.1k",
                        "supplier": "Organization: OpenSSL",
                        "externalRefs": [
                            {
                                "referenceCategory": "PACKAGE-MANAGER",
                                "referenceType": "purl",
                                "referenceLocator": "pkg:generic/openssl@1.1.1k",
                            },
                            {
                                "referenceCategory": "SECURITY",
                                "referenceType": "cpe23Type",
                                "referenceLocator": OPENSSL_CPE,
                            },
                        ],
                    },
                ],
            }
        )
    )
    parsed = sbom.read(path)
    assert parsed.format == "spdx-json" and parsed.spec_version == "2.3"
    assert (parsed.subject, parsed.subject_version) == ("Bedside monitor", "3.0")
    [ssl] = parsed.components
    assert (ssl.purl, ssl.supplier) == ("pkg:generic/openssl@1.1.1k", "OpenSSL")
    assert ssl.cpe.startswith("cpe:2.3:a:openssl")


def test_spdx_tag_value_with_multiline_text(tmp_path):
    path = tmp_path / "viewer.spdx"
    path.write_text(
        "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: viewer\n"
        "DocumentComment: <text>spans\ntwo lines: with a colon</text>\n"
        "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app\n\n"
        "PackageName: Viewer\nSPDXID: SPDXRef-app\nPackageVersion: 9\n\n"
        "PackageName: struts2-core\nSPDXID: SPDXRef-s\nPackageVersion: 2.3.20\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:maven/org.apache.struts/struts2-core@2.3.20\n"
    )
    parsed = sbom.read(path)
    assert parsed.format == "spdx-tag-value" and parsed.subject == "Viewer"
    assert [(c.name, c.purl) for c in parsed.components] == [
        ("struts2-core", "pkg:maven/org.apache.struts/struts2-core@2.3.20")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [', "line 1"),
        ('{"bomFormat": "CycloneDX", "specVersion": "1.1"}', "1.1 is not supported"),
        ('{"name": "x"}', "not a CycloneDX document"),
        ('{"spdxVersion": "SPDX-3.0"}', "not an SPDX 2.x"),
        ("<bom xmlns='http://example.org/other'/>", "not a CycloneDX 1.2-1.6"),
        ("<bom><unclosed></bom>", "not well-formed"),
        ("hello world", "not a CycloneDX"),
        ("SPDXVersion: SPDX-2.3\nno colon here\n", "line 2"),
    ],
)
def test_broken_sboms_are_refused_with_the_file_named(tmp_path, content, message):
    path = tmp_path / "vendor-sbom.txt"
    path.write_text(content)
    with pytest.raises(sbom.SbomError) as caught:
        sbom.read(path)
    assert "vendor-sbom.txt" in str(caught.value) and message in str(caught.value)


def test_xml_entities_are_refused(tmp_path):
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component '
        'type="library"><name>&x;</name></component></components></bom>'
    )
    with pytest.raises(sbom.SbomError, match="refused"):
        sbom.read(path)


def test_a_giant_tag_value_line_is_refused(tmp_path):
    path = tmp_path / "huge.spdx"
    path.write_text("SPDXVersion: SPDX-2.3\nPackageName: " + "a" * (2 << 20) + "\n")
    with pytest.raises(sbom.SbomError, match="line 2"):
        sbom.read(path)


def test_cyclonedx_json_streamed_keeps_nesting_order_and_vulnerabilities(tmp_path):
    """Components nested in components, the metadata after them and the vulnerabilities
    before them: read in document order as a whole-file read gave them."""
    path = tmp_path / "nested.cdx.json"
    path.write_text(
        json.dumps(
            {
                "vulnerabilities": [
                    {"id": "CVE-2024-1", "affects": [{"ref": "b"}],
                     "analysis": {"state": "exploitable"}, "references": [{"id": "GHSA-x"}]},
                    {"no": "id"},
                ],
                "bomFormat": "CycloneDX",
                "components": [
                    {"name": "a", "version": "1", "bom-ref": "a", "supplier": {"name": "S"},
                     "components": [
                         {"name": "b", "bom-ref": "b",
                          "components": [{"name": "c", "type": "file"}]},
                         {"version": "no name: skipped"},
                     ]},
                    "not a component",
                    {"name": "d", "purl": "pkg:npm/d@2", "version": 2.5},
                ],
                "specVersion": "1.5",
                "metadata": {"component": {"name": "Pump", "version": "7", "bom-ref": "pump"}},
            }
        )
    )  # fmt: skip
    parsed = sbom.read(path)
    assert (parsed.subject, parsed.subject_version, parsed.subject_ref) == ("Pump", "7", "pump")
    assert [(c.name, c.version, c.supplier, c.kind) for c in parsed.components] == [
        ("a", "1", "S", ""),
        ("b", "", "", ""),
        ("c", "", "", "file"),
        ("d", "2.5", "", ""),
    ]
    [vulnerability] = parsed.vulnerabilities
    assert vulnerability["refs"] == ["b"] and vulnerability["aliases"] == ["GHSA-x"]
    assert vulnerability["state"] == "exploitable"


def test_spdx_json_subject_from_relationships(tmp_path):
    path = tmp_path / "gateway.spdx.json"
    path.write_text(
        json.dumps(
            {
                "packages": [
                    {"SPDXID": "SPDXRef-gw", "name": "Gateway", "versionInfo": "5"},
                    {"SPDXID": "SPDXRef-z", "name": "zlib", "versionInfo": "1.3"},
                ],
                "relationships": [
                    {"spdxElementId": "SPDXRef-gw", "relationshipType": "CONTAINS",
                     "relatedSpdxElement": "SPDXRef-z"},
                    "not a relationship",
                    {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                     "relatedSpdxElement": "SPDXRef-gw"},
                ],
                "spdxVersion": "SPDX-2.3",
                "name": "gateway-sbom",
            }
        )
    )  # fmt: skip
    parsed = sbom.read(path)
    assert (parsed.subject, parsed.subject_version) == ("Gateway", "5")
    assert [(c.name, c.version) for c in parsed.components] == [("zlib", "1.3")]


def test_a_json_sbom_broken_in_the_middle_names_its_line(tmp_path):
    components = [{"name": f"c{n}", "version": "1"} for n in range(4000)]
    lines = json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.4", "components": components}, indent=1
    ).split("\n")
    broken = next(n for n, line in enumerate(lines) if '"c3000"' in line)
    lines[broken] = lines[broken].replace('"c3000"', "c3000")
    path = tmp_path / "big.cdx.json"
    path.write_text("\n".join(lines))
    with pytest.raises(sbom.SbomError, match=rf"^big\.cdx\.json: line {broken + 1}: not valid"):
        sbom.read(path)


CDX14 = "http://cyclonedx.org/schema/bom/1.4"


def test_cyclonedx_xml_streamed_as_the_whole_tree_read_it(tmp_path):
    """Nested components in document order, the metadata after the components, and only the
    first of each root section (as `find` on the whole tree gave)."""
    path = tmp_path / "pump.cdx.xml"
    path.write_text(
        f'<bom xmlns="{CDX14}" version="1">'
        '<components><component type="library" bom-ref="a"><name>a</name><version>1</version>'
        "<supplier><name>S</name></supplier>"
        "<components><component><name>b</name><components><component type='file'>"
        "<name>c</name></component></components></component></components></component>"
        "<component><version>no name: dropped</version></component>"
        "<component><name>d</name><purl>pkg:npm/d@2</purl></component></components>"
        "<dependencies><dependency ref='a'><dependency ref='b'/></dependency></dependencies>"
        "<components><component><name>second section: ignored</name></component></components>"
        "<metadata><component bom-ref='pump'><name>Pump</name><version>7</version></component>"
        "</metadata>"
        "<vulnerabilities><vulnerability><id>CVE-2024-1</id><affects><target><ref>b</ref>"
        "</target></affects><analysis><state>exploitable</state></analysis></vulnerability>"
        "<vulnerability><description>no id: skipped</description></vulnerability>"
        "</vulnerabilities></bom>"
    )
    parsed = sbom.read(path)
    assert (parsed.format, parsed.spec_version) == ("cyclonedx-xml", "1.4")
    assert (parsed.subject, parsed.subject_version, parsed.subject_ref) == ("Pump", "7", "pump")
    assert [(c.name, c.supplier, c.kind) for c in parsed.components] == [
        ("a", "S", "library"),
        ("b", "", ""),
        ("c", "", "file"),
        ("d", "", ""),
    ]
    [vulnerability] = parsed.vulnerabilities
    assert (vulnerability["id"], vulnerability["refs"]) == ("CVE-2024-1", ["b"])


def test_a_broken_xml_sbom_that_is_not_cyclonedx_is_called_broken(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<bom><components><component></components></bom>")
    with pytest.raises(sbom.SbomError, match=r"other\.xml: line 1: not well-formed"):
        sbom.read(path)


def test_a_big_sbom_is_read_without_holding_its_tree(tmp_path):
    """Python's allocations stay below the file's size: the whole element tree took several
    times the file."""
    import tracemalloc

    path = tmp_path / "big.cdx.xml"
    component = (
        '<component type="library"><name>lib{n}</name><version>1.{n}</version>'
        "<purl>pkg:npm/lib{n}@1.{n}</purl><description>" + "d" * 4000 + "</description>"
        "</component>"
    )
    with path.open("w") as out:
        out.write(f'<bom xmlns="{CDX14}"><components>')
        for start in range(0, 5000, 1000):
            out.write("".join(component.format(n=n) for n in range(start, start + 1000)))
        out.write("</components></bom>")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        parsed = sbom.read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(parsed.components) == 5000
    assert peak < size / 5, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
