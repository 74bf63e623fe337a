"""`hygeia vendors`, as scripts call it."""

from __future__ import annotations

import json

import pytest

from hygeia.cli import main
from hygeia.vendors.demo import DEMO
from hygeia.vendors.models import Product
from tests.vendors.conftest import KEV

pytestmark = pytest.mark.django_db(transaction=True)


def _json(capsys, *argv):
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_import_sbom_vulns_exposure_and_export(capsys, tmp_path):
    code, imported = _json(capsys, "vendors", "import", str(DEMO / "vendors.csv"), "--json")
    assert code == 0 and imported["read"] == 8 and imported["rejected"] == []
    pump = Product.objects.get(name="Infusion pump gateway")
    code, added = _json(capsys, "vendors", "sbom", "add", "--product", str(pump.pk),
                        str(DEMO / "infusion-gateway.cdx.json"), "--json")  # fmt: skip
    assert code == 0 and added["files"][0]["components"] == 8
    code, loaded = _json(capsys, "vendors", "vulns", "import", str(KEV),
                         str(DEMO / "osv-records.json"), "--json")  # fmt: skip
    assert code == 0 and [f["kind"] for f in loaded["files"]] == ["kev", "osv"]
    assert loaded["rematched"]["new_kev"] == 2
    code, rows = _json(capsys, "vendors", "exposure", "--json")
    [row] = rows
    assert {
        "product",
        "vendor",
        "components",
        "vulnerable_components",
        "kev",
        "vulnerabilities",
    } <= set(row)
    assert row["product"] == "Infusion pump gateway"
    assert row["vendor"] == "Meridian Infusion Technologies"
    assert row["kev"] == ["CVE-2021-44228", "CVE-2022-22965"]
    assert row["vulnerable_components"] == 3 and "CVE-2020-36518" in row["vulnerabilities"]
    out = tmp_path / "vendors.csv"
    assert main(["vendors", "export", "--format", "csv", "--output", str(out)]) == 0
    assert out.read_text().count("\n") == 9
    assert main(["vendors", "export", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 8


def test_errors_name_the_file_and_exit_non_zero(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert main(["vendors", "vulns", "import", str(broken)]) == 1
    assert "broken.json" in capsys.readouterr().err
    assert main(["vendors", "import", str(tmp_path / "missing.csv")]) == 1
    with pytest.raises(SystemExit, match="no product 999"):
        main(["vendors", "sbom", "add", "--product", "999", str(broken)])


def test_help_teaches(capsys):
    with pytest.raises(SystemExit):
        main(["vendors", "vulns", "import", "--help"])
    assert "all.zip" in capsys.readouterr().out
