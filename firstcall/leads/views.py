"""A borrower's data requests, handled by an organisation admin: export everything as JSON, or erase it."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from firstcall.leads.access import visible_leads
from firstcall.leads.duplicates import (
    DecisionRefused,
    can_review_duplicates,
    keep_separate,
    merge,
    review_queue,
)
from firstcall.leads.privacy import erase_lead, export_lead


def _lead_for_privacy(request, lead_id: int):
    if not (request.user.is_authenticated and request.user.is_org_admin):
        raise PermissionDenied
    return get_object_or_404(visible_leads(request.user), pk=lead_id)


# What a reviewer compares, in order: (label, attribute).
COMPARED_FIELDS = [
    ("Name", "full_name"), ("Email", "email"), ("Mobile", "phone"), ("Other phones", "other_phones"),
    ("ZIP code", "zip_code"), ("Purpose", "get_purpose_display"), ("Source", "source"),
    ("Vendor lead id", "vendor_lead_id"), ("Owner", "owner"), ("Created", "created_at"),
    ("Consent to texts", "consent_sms"), ("Consent to calls", "consent_calls"),
]  # fmt: skip


@login_required
@require_http_methods(["GET"])
def lead_privacy(request, lead_id: int):
    lead = _lead_for_privacy(request, lead_id)
    return render(request, "leads/privacy.html", {"lead": lead})


@login_required
@require_POST
def lead_export(request, lead_id: int):
    lead = _lead_for_privacy(request, lead_id)
    data = export_lead(lead, actor=request.user)
    response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-export.json"'
    return response


@login_required
@require_POST
def lead_erase(request, lead_id: int):
    lead = _lead_for_privacy(request, lead_id)
    if request.POST.get("confirm", "").strip().upper() != "ERASE":
        messages.error(request, "Type ERASE to confirm: the erasure cannot be undone.")
        return redirect("lead_privacy", lead_id=lead.pk)
    erase_lead(lead, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, f"Lead #{lead_id} and its data were erased; the audit log records the request.")
    return redirect("lead_list")


@login_required
@require_http_methods(["GET"])
def duplicate_queue(request):
    if not can_review_duplicates(request.user):
        raise PermissionDenied
    pairs = list(review_queue(request.user)[:100])
    return render(request, "leads/duplicates.html", {"pairs": pairs, "fields": COMPARED_FIELDS})


@login_required
@require_POST
def duplicate_decide(request, pair_id: int):
    if not can_review_duplicates(request.user):
        raise PermissionDenied
    pair = get_object_or_404(review_queue(request.user), pk=pair_id)
    decision = request.POST.get("decision")
    try:
        if decision == "merge":
            kept = merge(pair, actor=request.user)
            messages.success(request, f"Merged into lead #{kept.pk} {kept}.")
        elif decision == "separate":
            keep_separate(pair, actor=request.user)
            messages.success(request, "Kept as two different people.")
        else:
            messages.error(request, "Choose merge or keep separate.")
    except DecisionRefused as refused:
        messages.error(request, str(refused))
    return redirect("duplicate_queue")
