"""Bring a hospital's vendor spreadsheet in, in one step, and take it out again.

One row per vendor and product (a vendor's own columns may repeat on each of its rows, or be
given on its first row only). Headers are matched loosely ("Vendor", "Legal name", "Vendor
name" all work). Importing the same file twice changes nothing; a bad row is reported with its
line and not applied, the others are; a file that cannot be read is rejected whole.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from hygeia.core import audit
from hygeia.vendors import tiering
from hygeia.vendors.importers import sheets
from hygeia.vendors.models import Baa, Contract, Product, Vendor

# column -> (record, field, kind); the first spelling is the one exports use
COLUMNS: dict[str, tuple[str, str, str]] = {
    "vendor": ("vendor", "legal_name", "text"),
    "aliases": ("vendor", "aliases", "list"),
    "identifiers": ("vendor", "identifiers", "text"),
    "parent company": ("vendor", "parent", "text"),
    "website": ("vendor", "website", "text"),
    "contact name": ("vendor", "contact_name", "text"),
    "contact email": ("vendor", "contact_email", "text"),
    "contact phone": ("vendor", "contact_phone", "text"),
    "security contact email": ("vendor", "security_contact_email", "text"),
    "product id": ("product", "id", "id"),
    "product": ("product", "name", "text"),
    "product type": ("product", "kind", "choice"),
    "product version": ("product", "version", "text"),
    "phi data types": ("product", "phi_data_types", "text"),
    "phi volume": ("product", "phi_volume", "choice"),
    "network access": ("product", "network_access", "choice"),
    "ehr integration": ("product", "ehr_integration", "bool"),
    "hosting": ("product", "hosting", "text"),
    "clinical criticality": ("product", "clinical_criticality", "choice"),
    "substitutability": ("product", "substitutability", "choice"),
    "subcontractors": ("product", "subcontractors", "list"),
    "contract": ("contract", "title", "text"),
    "contract start": ("contract", "starts_on", "date"),
    "contract end": ("contract", "ends_on", "date"),
    "contract value": ("contract", "value", "money"),
    "renewal date": ("contract", "renewal_on", "date"),
    "notice date": ("contract", "notice_by", "date"),
    "contract owner": ("contract", "owner", "text"),
    "baa status": ("baa", "status", "choice"),
    "baa signed": ("baa", "signed_on", "date"),
    "baa expires": ("baa", "expires_on", "date"),
    "baa document": ("baa", "document", "text"),
    "creates phi": ("baa", "creates_phi", "bool"),
    "receives phi": ("baa", "receives_phi", "bool"),
    "maintains phi": ("baa", "maintains_phi", "bool"),
    "transmits phi": ("baa", "transmits_phi", "bool"),
}
SYNONYMS = {
    "legal name": "vendor",
    "vendor name": "vendor",
    "vendor legal name": "vendor",
    "supplier": "vendor",
    "company": "vendor",
    "parent": "parent company",
    "product name": "product",
    "service": "product",
    "product or service": "product",
    "type": "product type",
    "phi types": "phi data types",
    "data types": "phi data types",
    "volume of phi": "phi volume",
    "remote access": "network access",
    "ehr integrated": "ehr integration",
    "hosted": "hosting",
    "hosting location": "hosting",
    "criticality": "clinical criticality",
    "fourth parties": "subcontractors",
    "contract title": "contract",
    "contract value usd": "contract value",
    "renewal": "renewal date",
    "notice by": "notice date",
    "baa": "baa status",
    "baa signed date": "baa signed",
    "baa expiry": "baa expires",
    "baa expiration": "baa expires",
}
MODELS: dict[str, Any] = {"vendor": Vendor, "product": Product, "contract": Contract, "baa": Baa}
MAX_ROWS = 100_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportError_(ValueError):
    """The file cannot be imported at all (the message names it)."""


@dataclass
class ImportReport:
    file: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    vendors: set[int] = field(default_factory=set)

    def summary(self) -> str:
        return (
            f"{self.file}: {self.read} rows read = {self.created} created + {self.updated} "
            f"updated + {self.unchanged} unchanged + {len(self.rejected)} rejected"
        )


def _norm(header: Any) -> str:
    text = re.sub(r"[^a-z0-9]+", " ", str(header or "").lower()).strip()
    return SYNONYMS.get(text, text)


def read_rows(name: str, handle: IO[bytes], size: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, {column: value}) for each data row of the first sheet with a Vendor column;
    raises ImportError_ for an unusable file."""
    header: list[str] | None = None
    sheet_used: str | None = None
    try:
        for sheet, line, row in sheets.rows(name, handle, size):
            if header is None:
                names = [_norm(cell) for cell in row]
                if "vendor" in names:
                    header, sheet_used = names, sheet
                elif line >= 10:
                    continue
                continue
            if sheet != sheet_used:
                break
            if line > MAX_ROWS + 10:
                raise ImportError_(f"{name}: more than {MAX_ROWS} rows")
            if any(str(c or "").strip() for c in row):
                yield (
                    line,
                    {h: row[i] for i, h in enumerate(header) if h in COLUMNS and i < len(row)},
                )
    except sheets.SheetError as exc:
        raise ImportError_(str(exc)) from exc
    if header is None:
        raise ImportError_(f"{name}: no header row with a Vendor column in the first 10 rows")


def _parse(kind: str, value: Any, column: str, model: Any, attr: str) -> Any:
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        return None
    if kind == "text":
        return str(value)[: model._meta.get_field(attr).max_length or 10000]
    if kind == "id":
        if isinstance(value, int) or str(value).isdigit():
            return int(value)
        raise ValueError(f"{column}: {value!r} is not a product id (leave it empty for a new one)")
    if kind == "list":
        return [p.strip() for p in re.split(r"[;|\n]", str(value)) if p.strip()]
    if kind == "bool":
        text = str(value).lower()
        if text in ("yes", "y", "true", "1", "x"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        raise ValueError(f"{column}: {value!r} is not yes or no")
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d-%b-%Y"):
            try:
                return datetime.strptime(str(value), pattern).date()
            except ValueError:
                continue
        raise ValueError(f"{column}: {value!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")
    if kind == "money":
        try:
            return Decimal(re.sub(r"[$,\s]", "", str(value)))
        except InvalidOperation:
            raise ValueError(f"{column}: {value!r} is not an amount") from None
    choices = model._meta.get_field(attr).choices
    text = str(value).strip().lower()
    for stored, label in choices:
        if text in (str(stored).lower(), str(label).lower(), str(label).lower().split(" (")[0]):
            return stored
    raise ValueError(
        f"{column}: {value!r} is not one of {', '.join(str(s) for s, _ in choices if s)}"
    )


def _apply(instance: Any, values: dict[str, Any]) -> bool:
    changed = False
    for attr, value in values.items():
        if value is not None and getattr(instance, attr) != value:
            setattr(instance, attr, value)
            changed = True
    return changed


def _import_row(cells: dict[str, Any], last_vendor: Vendor | None) -> tuple[Vendor, str]:
    parsed: dict[str, dict[str, Any]] = {key: {} for key in MODELS}
    for column, value in cells.items():
        record, attr, kind = COLUMNS[column]
        parsed[record][attr] = _parse(kind, value, column, MODELS[record], attr)
    name = parsed["vendor"].get("legal_name")
    if not name:
        if last_vendor is None:
            raise ValueError("no vendor name")
        vendor = last_vendor
        outcome = "unchanged"
    else:
        vendor = Vendor.objects.filter(legal_name__iexact=name).first() or Vendor(legal_name=name)
        outcome = "created" if vendor.pk is None else "unchanged"
        if _apply(vendor, parsed["vendor"]) or vendor.pk is None:
            vendor.save()
            outcome = "created" if outcome == "created" else "updated"
    product: Product | None = None
    for record, key in (("product", "name"), ("contract", "title")):
        values = parsed[record]
        known = _product_of(vendor, values.pop("id", None))
        model = MODELS[record]
        if known is not None:
            instance = known  # the id, as exported: a renamed product is updated
        elif not values.get(key):
            if any(v is not None for v in values.values()):
                raise ValueError(f"{record} columns given without a {record} name")
            continue
        else:
            found = model.objects.filter(vendor=vendor, **{f"{key}__iexact": values[key]}).first()
            instance = found or model(vendor=vendor)
        if record == "contract" and product is not None:
            values = {**values, "product": product}  # the row's product is what it covers
        if _apply(instance, values) or instance.pk is None:
            instance.save()
            outcome = outcome if outcome == "created" else "updated"
        if record == "product":
            product = instance
    baa_values = parsed["baa"]
    if any(v is not None for v in baa_values.values()):
        baa = vendor.baas.order_by("-id").first() or Baa(vendor=vendor)
        if _apply(baa, baa_values) or baa.pk is None:
            baa.save()
            outcome = outcome if outcome == "created" else "updated"
    return vendor, outcome


def _product_of(vendor: Vendor, product_id: int | None) -> Product | None:
    """The product a Product ID cell names. An id unknown here (a sheet exported by another
    installation, or before products were deleted) is passed over: the row's product is then
    found by name, as without the column."""
    if product_id is None:
        return None
    found = Product.objects.filter(pk=product_id).select_related("vendor").first()
    if found is not None and found.vendor_id != vendor.pk:
        raise ValueError(f"product id {product_id} is {found}, not a product of {vendor}")
    return found


def product_rows() -> list[dict[str, Any]]:
    """Every product with the id that `--product` and the spreadsheet's Product ID take."""
    return [
        {
            "id": p.pk,
            "vendor": p.vendor.legal_name,
            "product": p.name,
            "tier": p.tier,
            "vendor_id": p.vendor_id,
        }
        for p in Product.objects.select_related("vendor")
    ]


def products_named(text: str) -> list[Product]:
    """The products an id or an exact "Vendor/Product" names (case aside): one, none, or
    several when a slash inside a name makes more than one reading (every split is tried)."""
    text = text.strip()
    if text.isdigit():
        return list(Product.objects.filter(pk=int(text)).select_related("vendor"))
    ids: set[int] = set()
    for position, char in enumerate(text):
        vendor, name = text[:position].strip(), text[position + 1 :].strip()
        if char == "/" and vendor and name:
            ids |= set(
                Product.objects.filter(
                    vendor__legal_name__iexact=vendor, name__iexact=name
                ).values_list("pk", flat=True)
            )
    return list(Product.objects.filter(pk__in=ids).select_related("vendor").order_by("pk"))


def import_file(name: str, handle: IO[bytes], size: int, actor: str = "") -> ImportReport:
    report = ImportReport(file=Path(name).name)
    last: Vendor | None = None
    # Read twice, a row at a time: a broken file is refused whole before any row is
    # imported, and a worker's memory does not grow with the file.
    for _ in read_rows(report.file, handle, size):
        pass
    handle.seek(0)
    with transaction.atomic():
        for line, cells in read_rows(report.file, handle, size):
            report.read += 1
            try:
                with transaction.atomic():
                    last, outcome = _import_row(cells, last)
            except (ValueError, ValidationError) as exc:
                report.rejected.append((line, str(exc)))
                continue
            report.vendors.add(last.pk)
            setattr(report, outcome, getattr(report, outcome) + 1)
        for vendor in Vendor.objects.filter(pk__in=report.vendors):
            tiering.retier(vendor)
    audit.record(
        audit.Action.IMPORT,
        object_type="vendors.vendor",
        summary=f"vendor spreadsheet imported by {actor or 'command line'}: {report.summary()}",
    )
    return report


def export_rows() -> Iterator[dict[str, Any]]:
    """One row per vendor and product (a vendor without products gets one row), with the
    vendor's latest BAA and its first contract: the shape import reads."""
    vendors = Vendor.objects.prefetch_related("products", "contracts", "baas")
    for vendor in vendors:
        baa = vendor.baas.order_by("-id").first()
        contracts = list(vendor.contracts.all())
        products: list[Product | None] = list(vendor.products.all()) or [None]
        # a product's own contract on its row; contracts covering no product fill the rest
        loose = [c for c in contracts if c.product_id is None]
        for product in products:
            row: dict[str, Any] = {}
            own = [c for c in contracts if product is not None and c.product_id == product.pk]
            contract = own[0] if own else (loose.pop(0) if loose else None)
            sources = {"vendor": vendor, "product": product, "contract": contract, "baa": baa}
            for column, (record, attr, kind) in COLUMNS.items():
                source = sources[record]
                value = getattr(source, attr) if source is not None else None
                if kind == "list":
                    value = "; ".join(value or [])
                elif kind == "bool" and value is not None:
                    value = "yes" if value else "no"
                row[column] = "" if value is None else value
            yield row


def export_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    for row in export_rows():
        writer.writerow({k: _safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def export_xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Vendors"
    sheet.append(list(COLUMNS))
    for row in export_rows():
        sheet.append([_safe_cell(v) if isinstance(v, str) else v for v in row.values()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_json() -> str:
    return json.dumps(list(export_rows()), default=str, indent=1)


def _safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else value
