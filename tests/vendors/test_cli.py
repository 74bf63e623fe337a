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
    capsys.readouterr()
    with pytest.raises(SystemExit) as refused:  # checked before anything runs
        main(["vendors", "import", str(tmp_path / "missing.csv")])
    assert refused.value.code == 2 and "missing.csv: no such file" in capsys.readouterr().err
    assert main(["vendors", "sbom", "add", "--product", "999", str(broken)]) == 2
    assert "no product '999'" in capsys.readouterr().err


def test_help_teaches(capsys):
    with pytest.raises(SystemExit):
        main(["vendors", "vulns", "import", "--help"])
    assert "all.zip" in capsys.readouterr().out


def test_products_are_listed_with_the_id_that_commands_and_the_sheet_take(capsys, tmp_path):
    main(["vendors", "import", str(DEMO / "vendors.csv")])
    capsys.readouterr()
    code, rows = _json(capsys, "vendors", "products", "--json")
    pump = Product.objects.get(name="Infusion pump gateway")
    assert code == 0 and len(rows) == Product.objects.count()
    assert {
        "id": pump.pk,
        "vendor": "Meridian Infusion Technologies",
        "product": "Infusion pump gateway",
        "tier": pump.tier,
        "vendor_id": pump.vendor_id,
    } in rows
    assert main(["vendors", "products"]) == 0
    assert f"{pump.pk:>5}" in capsys.readouterr().out

    sbom = str(DEMO / "infusion-gateway.cdx.json")
    by_name = "meridian infusion technologies/Infusion pump gateway"  # exact, but for case
    code, added = _json(capsys, "vendors", "sbom", "add", "--product", by_name, sbom, "--json")
    assert code == 0 and added["product"] == pump.pk
    assert main(["vendors", "sbom", "add", "--product", "Meridian/Infusion", sbom]) == 2
    assert "no product 'Meridian/Infusion'" in capsys.readouterr().err

    exported = tmp_path / "vendors.csv"
    main(["vendors", "export", "--output", str(exported)])
    header = exported.read_text().splitlines()[0]
    assert header.split(",")[:11][-2:] == ["product id", "product"]
    renamed = exported.read_text().replace("Infusion pump gateway", "Infusion gateway v2")
    exported.write_text(renamed)
    code, report = _json(capsys, "vendors", "import", str(exported), "--json")
    assert code == 0 and report["updated"] >= 1 and report["created"] == 0
    pump.refresh_from_db()
    assert pump.name == "Infusion gateway v2"  # the id, not the name, said which product


def test_a_name_that_fits_two_products_asks_for_the_id(capsys):
    from hygeia.vendors.models import Vendor

    slash = Vendor.objects.create(legal_name="A/B")
    plain = Vendor.objects.create(legal_name="A")
    Product.objects.create(vendor=slash, name="C")
    Product.objects.create(vendor=plain, name="B/C")
    assert main(["vendors", "mds2", "--product", "A/B/C", __file__]) == 2
    assert "names 2 products" in capsys.readouterr().err


def test_a_product_id_of_another_vendor_is_refused_on_import(tmp_path, capsys):
    from hygeia.vendors.models import Vendor

    other = Product.objects.create(vendor=Vendor.objects.create(legal_name="Other"), name="X")
    sheet = tmp_path / "v.csv"
    sheet.write_text(f"Vendor,Product ID,Product\nKappa Health,{other.pk},Portal\n")
    code, report = _json(capsys, "vendors", "import", str(sheet), "--json")
    assert code == 1 and "not a product of Kappa Health" in report["rejected"][0]["error"]
