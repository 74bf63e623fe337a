"""Vendor pages for the hospital's staff: the register, a vendor's record, import/export,
sending assessments and reviewing them, SBOM exposure and the dashboard."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hygeia.core import audit, uploads
from hygeia.core.forms import posted_id
from hygeia.core.permissions import has, require
from hygeia.core.search import search_text
from hygeia.core.uploads import attachment
from hygeia.vendors import assessments, exposure, questionnaire, records, sbom, tiering
from hygeia.vendors.models import (
    LEVELS,
    Answer,
    Assessment,
    Baa,
    Certification,
    Contract,
    CorrectiveAction,
    EvidenceFile,
    Finding,
    Match,
    Product,
    Questionnaire,
    Vendor,
)


class VendorForm(forms.ModelForm):
    aliases_text = forms.CharField(
        label="Aliases", required=False, help_text="Other names, separated by ';'."
    )

    class Meta:
        model = Vendor
        fields = [
            "legal_name", "identifiers", "parent", "website", "contact_name", "contact_email",
            "contact_phone", "security_contact_email", "notes",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["aliases_text"].initial = "; ".join(self.instance.aliases or [])

    def save(self, commit: bool = True) -> Vendor:
        text = self.cleaned_data.get("aliases_text", "")
        self.instance.aliases = [a.strip() for a in text.split(";") if a.strip()]
        return super().save(commit)


class DateInput(forms.DateInput):
    input_type = "date"


def _child_form(model_class: Any, field_names: list[str]) -> type[forms.ModelForm]:
    widgets = {
        f.name: DateInput()
        for f in model_class._meta.get_fields()
        if getattr(f, "get_internal_type", lambda: "")() == "DateField"
    }
    meta = type("Meta", (), {"model": model_class, "fields": field_names, "widgets": widgets})
    return type(f"{model_class.__name__}Form", (forms.ModelForm,), {"Meta": meta})


CHILD_FORMS: dict[str, tuple[str, type[forms.ModelForm]]] = {
    "product": (
        "product",
        _child_form(Product, [
            "name", "kind", "version", "phi_data_types", "phi_volume", "network_access",
            "ehr_integration", "hosting", "clinical_criticality", "substitutability",
        ]),
    ),
    "contract": (
        "contract",
        _child_form(Contract, [
            "title", "product", "starts_on", "ends_on", "value", "renewal_on", "notice_by",
            "owner",
        ]),
    ),
    "baa": (
        "BAA",
        _child_form(Baa, [
            "status", "signed_on", "expires_on", "document", "creates_phi", "receives_phi",
            "maintains_phi", "transmits_phi",
        ]),
    ),
    "certification": (
        "assurance report",
        _child_form(Certification, ["kind", "issued_on", "expires_on", "scope"]),
    ),
}  # fmt: skip


def child_form(kind: str, vendor: Vendor, data: Any = None) -> forms.ModelForm:
    """The form to add a record to this vendor; a contract may only cover its products."""
    form = CHILD_FORMS[kind][1](data, prefix=kind)
    if "product" in form.fields:
        form.fields["product"].queryset = vendor.products.all()  # type: ignore[attr-defined]
    return form


def baa_status(vendor: Vendor, today: date) -> str:
    baas = list(vendor.baas.all())
    if any(b.current(today) for b in baas):
        return "current"
    if any(b.status == Baa.Status.NOT_REQUIRED for b in baas) and not vendor.handles_phi:
        return "not required"
    return "missing" if vendor.handles_phi else "—"


@require("view_vendors")
def vendor_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    vendors = Vendor.objects.prefetch_related("baas", "products").annotate(
        open_findings=Count("findings", filter=Q(findings__status="open"), distinct=True)
    )
    q = search_text(request.GET)
    if q:
        vendors = vendors.filter(Q(legal_name__icontains=q) | Q(products__name__icontains=q))
    tier = request.GET.get("tier", "")
    if tier.isdigit():
        vendors = vendors.filter(tier=int(tier))
    page = Paginator(vendors.distinct().order_by("legal_name"), 50).get_page(
        request.GET.get("page")
    )
    rows = [{"vendor": v, "baa": baa_status(v, today)} for v in page]
    return render(
        request,
        "vendors/list.html",
        {
            "rows": rows,
            "page": page,
            "total": Vendor.objects.count(),
            "filters": {"q": q, "tier": tier},
            "tiers": tiering.rules().tiers,
            "today": today,
            "can_manage": has(request.user, "manage_vendors"),
            "query": f"q={q}&tier={tier}",
        },
    )


@require("manage_vendors")
@require_POST
def import_file(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a CSV or XLSX file to import.")
        return redirect("vendors:list")
    try:
        report = records.import_file(
            upload.name or "upload", upload, upload.size or 0, request.user.get_username()
        )
    except records.ImportError_ as exc:
        messages.error(request, str(exc))
        return redirect("vendors:list")
    messages.success(request, report.summary())
    for line, error in report.rejected[:20]:
        messages.warning(request, f"line {line}: {error}")
    return redirect("vendors:list")


@require("view_vendors")
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    audit.record(audit.Action.EXPORT, object_type="vendors.vendor", summary=f"vendors as {fmt}")
    stamp = timezone.localdate().isoformat()
    name = f"vendors-{stamp}.{fmt}"
    if fmt == "csv":
        return attachment(records.export_csv(), name, "text/csv; charset=utf-8")
    if fmt == "xlsx":
        return attachment(records.export_xlsx(), name, records.XLSX_TYPE)
    if fmt == "json":
        return attachment(records.export_json(), name, "application/json")
    raise Http404("unknown format")


@require("manage_vendors")
def edit(request: HttpRequest, vendor_id: int | None = None) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id) if vendor_id else Vendor()
    form = VendorForm(request.POST or None, instance=vendor)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"{saved} saved.")
        return redirect("vendors:detail", vendor_id=saved.pk)
    return render(request, "vendors/edit.html", {"form": form, "vendor": vendor})


@require("view_vendors")
def detail(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    today = timezone.localdate()
    can_manage = has(request.user, "manage_vendors")
    return render(
        request,
        "vendors/detail.html",
        {
            "vendor": vendor,
            "tier": tiering.rules().tier(vendor.tier),
            "baa": baa_status(vendor, today),
            "products": vendor.products.annotate(
                # confirmed known-exploited matches; CPE-only ones are "possible" (exposure page)
                kev=Count(
                    "matches",
                    filter=Q(matches__kev=True, matches__suppressed_by="") & ~Q(matches__how="cpe"),
                )
            ),
            "contracts": vendor.contracts.all(),
            "baas": vendor.baas.all(),
            "certifications": vendor.certifications.all(),
            "assessments": vendor.assessments.select_related("questionnaire", "product"),
            "findings": vendor.findings.prefetch_related("actions"),
            "acceptances": vendor.acceptances.select_related("finding", "approver"),
            "triggers": vendor.triggers.filter(resolved_at__isnull=True),
            "breaches": vendor.breach_reports.exclude(review="dismissed"),
            "questionnaires": Questionnaire.objects.all() or questionnaire.install_bundled(),
            "child_forms": {
                k: (label, child_form(k, vendor)) for k, (label, _) in CHILD_FORMS.items()
            }
            if can_manage
            else {},
            "levels": LEVELS,
            "today": today,
            "soon": today + timedelta(days=60),
            "default_due": today + timedelta(days=30),
            "can_manage": can_manage,
            "can_approve": has(request.user, "approve_vendor_risk"),
        },
    )


@require("manage_vendors")
@require_POST
def add_child(request: HttpRequest, vendor_id: int, kind: str) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    if kind not in CHILD_FORMS:
        raise Http404("unknown record")
    label = CHILD_FORMS[kind][0]
    form = child_form(kind, vendor, request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        messages.error(request, f"The {label} was not saved: {problems}")
        return redirect("vendors:detail", vendor_id=vendor.pk)
    item = form.save(commit=False)
    item.vendor = vendor
    upload = request.FILES.get("file")
    if kind == "certification" and upload is not None:
        try:
            item.file = assessments.store_evidence(
                vendor, upload.name or "report", upload, upload.size or 0,
                request.user.get_username(),
            )  # fmt: skip
        except assessments.AssessmentError as exc:
            messages.error(request, f"The report was not saved: {exc}")
            return redirect("vendors:detail", vendor_id=vendor.pk)
    item.save()
    if kind == "product":
        tiering.retier(vendor)
    messages.success(request, f"{label.capitalize()} added.")
    return redirect("vendors:detail", vendor_id=vendor.pk)


@require("manage_vendors")
@require_POST
def assess(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    chosen = Questionnaire.objects.filter(pk=posted_id(request.POST, "questionnaire")).first()
    product = vendor.products.filter(pk=posted_id(request.POST, "product")).first()
    email = request.POST.get("email", "").strip() or vendor.security_contact_email
    try:
        due = date.fromisoformat(request.POST.get("due_on", ""))
    except ValueError:
        due = timezone.localdate() + timedelta(days=30)
    if chosen is None:
        messages.error(request, "Choose a questionnaire.")
        return redirect("vendors:detail", vendor_id=vendor.pk)
    if due <= timezone.localdate():
        messages.error(request, "The due date must be in the future.")
        return redirect("vendors:detail", vendor_id=vendor.pk)
    assessment = assessments.create(
        vendor, chosen, due, product, request.POST.get("reason", ""), request.user
    )
    try:
        token = assessments.send(assessment, email or vendor.contact_email, request.user)
    except assessments.AssessmentError as exc:
        messages.warning(request, f"Assessment {assessment.number} created but not sent: {exc}")
        return redirect("vendors:assessment", number=assessment.number)
    request.session["portal_link"] = {
        "number": assessment.number,
        "url": request.build_absolute_uri(f"/portal/{token}/"),
    }
    messages.success(request, f"Assessment {assessment.number} sent to {email}.")
    return redirect("vendors:assessment", number=assessment.number)


@require("view_vendors")
def assessment_list(request: HttpRequest) -> HttpResponse:
    items = Assessment.objects.select_related("vendor", "product", "questionnaire")
    state = request.GET.get("state", "")
    if state in Assessment.State.values:
        items = items.filter(state=state)
    if request.GET.get("overdue"):
        items = items.filter(due_on__lt=timezone.localdate(), state__in=["sent", "in_progress"])
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "vendors/assessments.html",
        {"page": page, "states": Assessment.State.choices, "state": state,
         "today": timezone.localdate(), "query": f"state={state}"},
    )  # fmt: skip


def _question_rows(assessment: Assessment) -> list[dict[str, Any]]:
    form = questionnaire.form_for(assessment.questionnaire)
    answers = {a.question_id: a for a in assessment.answers.all()}
    values = {k: a.value for k, a in answers.items()}
    files = assessments.files_by_question(assessment)
    visible = {q.id for q in form.visible(values)}
    rows = []
    for section_id, title, questions in form.sections:
        for q in questions:
            if q.id not in visible and q.id not in answers:
                continue
            answer = answers.get(q.id)
            shown = q.answer_label(answer.value if answer else None)
            rows.append(
                {"section": title or section_id, "question": q, "answer": answer,
                 "shown": shown, "files": files.get(q.id, [])}
            )  # fmt: skip
    known = set(form.by_id)
    for qid, answer in answers.items():
        if qid not in known:  # e.g. an MDS2 question the bundled structure does not list
            rows.append(
                {"section": qid.split("-")[0], "question": None, "qid": qid, "answer": answer,
                 "shown": str(answer.value or ""), "files": []}
            )  # fmt: skip
    return rows


@require("view_vendors")
def assessment_detail(request: HttpRequest, number: str) -> HttpResponse:
    item = get_object_or_404(
        Assessment.objects.select_related("vendor", "product", "questionnaire"), number=number
    )
    link = request.session.pop("portal_link", None)
    return render(
        request,
        "vendors/assessment.html",
        {
            "a": item,
            "rows": _question_rows(item),
            "general_files": item.files.filter(question_id=""),
            "findings": item.findings.prefetch_related("actions", "acceptances"),
            "links": item.links.order_by("-created_at"),
            "portal_link": link if link and link.get("number") == number else None,
            "verdicts": Answer.Review.choices,
            "levels": LEVELS,
            "conclusions": [c for c in Assessment.Conclusion.choices if c[0]],
            "can_manage": has(request.user, "manage_vendors"),
            "can_approve": has(request.user, "approve_vendor_risk"),
            "today": timezone.localdate(),
            "default_due": timezone.localdate() + timedelta(days=60),
        },
    )


@require("view_vendors")
def assessment_pdf(request: HttpRequest, number: str) -> HttpResponse:
    from hygeia.vendors.report import assessment_pdf as render_pdf

    item = get_object_or_404(
        Assessment.objects.select_related("vendor", "product", "questionnaire"), number=number
    )
    audit.record(
        audit.Action.EXPORT,
        object_type="vendors.assessment",
        object_id=item.number,
        summary=f"assessment {item.number} as PDF",
    )
    return attachment(
        render_pdf(item, _question_rows(item)), f"{item.number}.pdf", "application/pdf"
    )


def _date(text: str, fallback_days: int) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return timezone.localdate() + timedelta(days=fallback_days)


@require("manage_vendors")
@require_POST
def assessment_action(request: HttpRequest, number: str) -> HttpResponse:
    item = get_object_or_404(Assessment, number=number)
    post = request.POST
    action = post.get("action", "")
    try:
        if action == "start_review":
            assessments.start_review(item, request.user)
        elif action == "review_answer":
            assessments.start_review(item, request.user)
            assessments.review_answer(
                item, post.get("question_id", ""), post.get("verdict", ""), post.get("comment", "")
            )
        elif action == "finding":
            assessments.raise_finding(
                item, item.vendor, post.get("title", ""), post.get("severity", "medium"),
                question_id=post.get("question_id", ""), description=post.get("description", ""),
            )  # fmt: skip
        elif action == "plan":
            finding = get_object_or_404(Finding, pk=post.get("finding") or 0, vendor=item.vendor)
            assessments.plan_action(
                finding, post.get("description", ""), post.get("owner", ""),
                _date(post.get("due_on", ""), 60),
            )  # fmt: skip
        elif action == "verify":
            step = get_object_or_404(
                CorrectiveAction, pk=post.get("corrective_action") or 0,
                finding__vendor=item.vendor,
            )  # fmt: skip
            step.status = CorrectiveAction.Status.VERIFIED
            step.save()
        elif action == "close_finding":
            finding = get_object_or_404(Finding, pk=post.get("finding") or 0, vendor=item.vendor)
            finding.status = Finding.Status.REMEDIATED
            finding.save()
        elif action == "return":
            assessments.return_to_vendor(item, request.user)
        elif action == "conclude":
            assessments.conclude(
                item, request.user, post.get("conclusion", ""), post.get("residual_risk", ""),
                post.get("note", ""),
            )  # fmt: skip
        elif action == "revoke":
            link = get_object_or_404(item.links, pk=post.get("link") or 0)
            assessments.revoke(link)
        elif action == "resend":
            token = assessments.send(item, post.get("email", ""), request.user)
            request.session["portal_link"] = {
                "number": item.number,
                "url": request.build_absolute_uri(f"/portal/{token}/"),
            }
        elif action == "cancel":
            assessments.cancel(item)
        else:
            messages.error(request, "Unknown action.")
            return redirect("vendors:assessment", number=number)
    except assessments.AssessmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Saved.")
    return redirect("vendors:assessment", number=number)


@require("approve_vendor_risk")
@require_POST
def accept_risk(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    finding = vendor.findings.filter(pk=posted_id(request.POST, "finding")).first()
    try:
        expires = date.fromisoformat(request.POST.get("expires_on", ""))
        assessments.accept_risk(
            vendor, request.user, request.POST.get("reason", ""), expires, finding,
            request.POST.get("compensating", ""),
        )  # fmt: skip
    except ValueError as exc:
        messages.error(request, str(exc) if str(exc) else "Give an expiry date.")
    else:
        messages.success(request, "Risk accepted until " + expires.isoformat() + ".")
    back = request.POST.get("next", "")
    if back.startswith("/vendors/"):
        return redirect(back)
    return redirect("vendors:detail", vendor_id=vendor.pk)


@require("view_vendors")
def download(request: HttpRequest, file_id: int) -> FileResponse:
    item = get_object_or_404(EvidenceFile, pk=file_id)
    audit.record(
        audit.Action.EXPORT,
        object_type="vendors.evidence",
        object_id=str(item.pk),
        summary=f"evidence file of {item.vendor} downloaded",
    )
    return uploads.download(assessments.file_path(item), item.name, "application/octet-stream")


@require("view_vendors")
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.select_related("vendor"), pk=product_id)
    matches = (
        Match.objects.filter(product=product)
        .select_related("component")
        .order_by("-kev", "suppressed_by", "vulnerability")
    )
    return render(
        request,
        "vendors/product.html",
        {
            "product": product,
            "sboms": product.sboms.annotate(n=Count("components")),
            "matches": matches[:500],
            "summary": next(iter(exposure.exposure([product.pk])), None),
            "can_manage": has(request.user, "manage_vendors"),
        },
    )


@require("manage_vendors")
@require_POST
def sbom_upload(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose an SBOM file.")
        return redirect("vendors:product", product_id=product.pk)
    with uploads.spooled([upload], "sbom") as (path,):
        try:
            record, created = exposure.add_sbom(product, path)
        except sbom.SbomError as exc:
            messages.error(request, str(exc))
            return redirect("vendors:product", product_id=product.pk)
    messages.success(
        request,
        f"{record.file_name}: {record.components.count()} components"
        + ("" if created else " (already attached)"),
    )
    return redirect("vendors:product", product_id=product.pk)


@require("view_vendors")
def exposure_view(request: HttpRequest) -> HttpResponse:
    rows = exposure.exposure()
    rows.sort(key=lambda r: (-len(r["kev"]), -r["vulnerable_components"], r["product"]))
    return render(request, "vendors/exposure.html", {"rows": rows})
