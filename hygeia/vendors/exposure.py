"""SBOMs on products, and which of their components carry (known-exploited) vulnerabilities.

Matches are stored, recomputed whenever an SBOM or vulnerability data is added, so that the
dashboard reads them cheaply and a *new* KEV match can call for a reassessment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Q

from hygeia.core import audit
from hygeia.vendors import matching, sbom
from hygeia.vendors.models import (
    Component,
    KevEntry,
    Match,
    Product,
    Sbom,
    Trigger,
    VexStatement,
    Vulnerability,
)
from hygeia.vendors.vulns import ImportReport
from hygeia.vendors.vulns.vex import NOT_AFFECTING, save_statements


def add_sbom(product: Product, path: Path) -> tuple[Sbom, bool]:
    """Attach an SBOM file to a product (once per file content). Returns (sbom, created)."""
    parsed = sbom.read(path)
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    with transaction.atomic():
        found = Sbom.objects.filter(product=product, sha256=digest).first()
        if found:
            return found, False
        record = Sbom.objects.create(
            product=product,
            format=parsed.format,
            spec_version=parsed.spec_version,
            subject=parsed.subject,
            subject_version=parsed.subject_version,
            subject_ref=parsed.subject_ref,
            file_name=path.name[:255],
            sha256=digest,
        )
        insert_rows(
            Component,
            ["sbom_id", *Component.FIELDS],
            ((record.pk, *(getattr(c, k) for k in Component.FIELDS)) for c in parsed.components),
        )
        if parsed.vulnerabilities:
            save_statements(
                path.name,
                parsed.subject,
                parsed.subject_version,
                parsed.vulnerabilities,
                ImportReport(file=path.name),
            )
    audit.record(
        audit.Action.IMPORT,
        object_type="vendors.sbom",
        object_id=str(record.pk),
        summary=f"SBOM {path.name} ({len(parsed.components)} components) added to {product}",
    )
    rematch([product.pk])
    return record, True


def build_index() -> matching.Index:
    index = matching.Index()
    for vid, affected in Vulnerability.objects.values_list("id", "affected").iterator(5000):
        index.add(vid, affected)
    return index


def _cves(vid: str, aliases: Iterable[str]) -> list[str]:
    return sorted({a for a in [vid, *aliases] if a.startswith("CVE-")})


def _statements_for(sbom_row: Sbom) -> list[VexStatement]:
    subject = Q(subject_name="") | (
        Q(subject_name__iexact=sbom_row.subject)
        & (Q(subject_version="") | Q(subject_version=sbom_row.subject_version))
    )
    return list(VexStatement.objects.filter(subject))


def rematch(product_ids: list[int] | None = None) -> dict[str, int]:
    """Recompute the matches of some products (all when None). A KEV match that is new for a
    product raises a reassessment trigger on its vendor."""
    products = Product.objects.filter(sboms__isnull=False).distinct().select_related("vendor")
    if product_ids is not None:
        products = products.filter(pk__in=product_ids)
    totals = {"products": 0, "matches": 0, "kev": 0, "new_kev": 0}
    if not products.exists():  # nothing to match: the catalogs need not be loaded
        return totals
    index = build_index()
    aliases = dict(Vulnerability.objects.values_list("id", "aliases"))
    kev = set(KevEntry.objects.values_list("cve_id", flat=True))
    kev_by_product = matching.kev_products(
        KevEntry.objects.values_list("cve_id", "vendor_project", "product")
    )
    for product in products:
        before = set(
            Match.objects.filter(product=product, kev=True, suppressed_by="")
            .exclude(how="cpe")
            .values_list("vulnerability", flat=True)
        )
        rows: list[MatchRow] = []
        for sbom_row in product.sboms.all():
            statements = _statements_for(sbom_row)
            for component in sbom_row.components.values_list(*ComponentRef._fields):
                rows.extend(
                    _component_matches(
                        product.pk, sbom_row, ComponentRef(*component), statements, index,
                        aliases, kev, kev_by_product,
                    )
                )  # fmt: skip
        with transaction.atomic():
            Match.objects.filter(product=product).delete()
            insert_rows(
                Match,
                list(MatchRow._fields),
                ((*m[:3], json.dumps(m.cves), *m[4:]) for m in rows),
            )
        # Only confirmed matches call for reassessment; CPE-only ones are "possible".
        live_kev = {
            m.vulnerability for m in rows if m.kev and not m.suppressed_by and m.how != "cpe"
        }
        for vid in sorted(live_kev - before):
            _, created = Trigger.objects.get_or_create(
                vendor=product.vendor,
                kind=Trigger.Kind.KEV,
                key=f"{product.pk}:{vid}",
                defaults={"detail": f"{product.name}: {vid} is a known-exploited vulnerability"},
            )
            totals["new_kev"] += int(created)
        totals["products"] += 1
        totals["matches"] += len(rows)
        totals["kev"] += len(live_kev)
    return totals


class ComponentRef(NamedTuple):
    id: int
    ref: str
    purl: str
    name: str
    version: str
    cpe: str


class MatchRow(NamedTuple):
    component_id: int
    product_id: int
    vulnerability: str
    cves: list[str]
    kev: bool
    how: str
    suppressed_by: str


def insert_rows(model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Plain batched INSERTs for the large, simple tables (components, matches): the ORM's
    per-object work costs more than the database does at estate scale."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # Table and column names come from the model, quoted; every value is a parameter.
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def _component_matches(
    product_id: int,
    sbom_row: Sbom,
    component: ComponentRef,
    statements: list[VexStatement],
    index: matching.Index,
    aliases: dict[str, list[str]],
    kev: set[str],
    kev_by_product: dict[tuple[str, str], list[str]],
) -> list[MatchRow]:
    found: dict[str, str] = dict(
        matching.match_component(index, component.purl, component.name, component.version)
    )
    refs = {component.ref, component.purl} - {""}
    whole = {sbom_row.subject_ref, ""} if sbom_row.subject_ref else {""}
    relevant = [s for s in statements if s.ref in refs or (s.ref in whole and s.subject_name)]
    for statement in relevant:
        if statement.state not in NOT_AFFECTING and statement.ref in refs:
            found.setdefault(statement.vulnerability, "declared")
    key = matching.cpe_key(component.cpe) if component.cpe else None
    for cve in kev_by_product.get(key, []) if key else []:
        found.setdefault(cve, "cpe")
    rows = []
    for vid, how in found.items():
        cves = _cves(vid, aliases.get(vid, []))
        names = {vid, *cves, *aliases.get(vid, [])}
        suppressed = next(
            (
                f"VEX {s.state} ({s.source_file})"
                for s in relevant
                if s.state in NOT_AFFECTING and s.vulnerability in names
            ),
            "",
        )
        rows.append(
            MatchRow(
                component.id, product_id, vid, cves, any(c in kev for c in cves), how,
                suppressed[:200],
            )
        )  # fmt: skip
    return rows


def exposure(product_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Per product with an SBOM: the shape `hygeia vendors exposure --json` prints."""
    products = Product.objects.filter(sboms__isnull=False).distinct().select_related("vendor")
    if product_ids is not None:
        products = products.filter(pk__in=product_ids)
    result = []
    for product in products:
        live = Match.objects.filter(product=product, suppressed_by="")
        confirmed = live.exclude(how="cpe")
        result.append(
            {
                "product_id": product.pk,
                "product": product.name,
                "vendor": product.vendor.legal_name,
                "tier": product.tier,
                "components": Component.objects.filter(sbom__product=product).count(),
                "vulnerable_components": confirmed.values("component").distinct().count(),
                "kev": sorted(
                    {c for cves in confirmed.filter(kev=True).values_list("cves", flat=True)
                     for c in cves}
                ),
                "kev_possible": sorted(
                    set(live.filter(how="cpe").values_list("vulnerability", flat=True))
                ),
                "vulnerabilities": sorted(set(confirmed.values_list("vulnerability", flat=True))),
                "suppressed_by_vex": Match.objects.filter(product=product)
                .exclude(suppressed_by="")
                .count(),
            }
        )  # fmt: skip
    return result
