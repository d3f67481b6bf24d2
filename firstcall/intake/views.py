"""The intake screen: every record by source and status, its raw payload and reasons, and replay."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from firstcall.intake.services import ReplayRefused, replay_intake, replay_refusal
from firstcall.leads.access import can_manage_intake, visible_intake_records
from firstcall.leads.models import IntakeRecord, LeadSource


def _require_intake_admin(request):
    if not can_manage_intake(request.user):
        raise PermissionDenied


@login_required
def intake_list(request):
    _require_intake_admin(request)
    records = visible_intake_records(request.user).select_related("source", "lead")
    status = request.GET.get("status", "")
    source_id = request.GET.get("source", "")
    if status:
        records = records.filter(status=status)
    if source_id.isdigit():
        records = records.filter(source_id=int(source_id))
    page = Paginator(records.order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    sources = LeadSource.objects.filter(organisation_id=request.user.organisation_id)
    return render(
        request,
        "intake/list.html",
        {
            "page": page,
            "statuses": IntakeRecord.Status.choices,
            "sources": sources,
            "status": status,
            "source_id": source_id,
        },  # fmt: skip
    )


@login_required
def intake_detail(request, record_id: int):
    _require_intake_admin(request)
    record = get_object_or_404(
        visible_intake_records(request.user).select_related("source", "lead"), pk=record_id
    )
    body = record.body
    if "json" in record.content_type and body:
        try:
            body = json.dumps(json.loads(body), indent=2)
        except ValueError:
            pass
    return render(
        request,
        "intake/detail.html",
        {
            "record": record,
            "pretty_body": body,
            "headers": json.dumps(record.headers, indent=2),
            "replay_refusal": replay_refusal(record),
        },  # fmt: skip
    )


@login_required
@require_POST
def intake_replay(request, record_id: int):
    _require_intake_admin(request)
    record = get_object_or_404(visible_intake_records(request.user), pk=record_id)
    try:
        result = replay_intake(record, actor=request.user)
    except ReplayRefused as refused:
        messages.error(request, str(refused))
    else:
        if result.is_accepted:
            messages.success(request, f"Replayed: lead #{result.lead.pk} {result.outcome}.")
        else:
            messages.error(request, "Replay rejected again: " + "; ".join(result.intake_record.reasons))
    return redirect("intake_detail", record_id=record.pk)
