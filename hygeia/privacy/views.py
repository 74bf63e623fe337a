"""The patient directory pages. Searches are POSTed so no identifier lands in a URL (and from
there in a proxy's or server's access log)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from hygeia.core.permissions import has, require
from hygeia.core.search import search_text
from hygeia.privacy.models import Patient
from hygeia.privacy.phi import find_patients, present, record_view

PAGE_SIZE = 25


@require("view_patients")
def patients(request: HttpRequest) -> HttpResponse:
    query = search_text(request.POST) if request.method == "POST" else ""
    found = find_patients(query)
    page = Paginator(found, PAGE_SIZE).get_page(request.POST.get("page") or request.GET.get("page"))
    shown = list(page.object_list)
    record_view(request.user, shown, "patient list" + (" (search)" if query else ""))
    rows = [present(p, request.user) for p in shown]
    template = (
        "privacy/_patients_table.html"
        if request.headers.get("HX-Request")
        else ("privacy/patients.html")
    )
    return render(
        request,
        template,
        {"page": page, "rows": rows, "q": query, "total": Patient.objects.count()},
    )


@require("view_patients")
def patient_detail(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=patient_id)
    record_view(request.user, [patient], "patient record")
    return render(
        request,
        "privacy/patient_detail.html",
        {
            "p": present(patient, request.user),
            "can_report": has(request.user, "patient_access_reports"),
        },
    )
