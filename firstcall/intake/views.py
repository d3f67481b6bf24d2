"""The intake screen: every record by source and status, its raw payload and reasons, and replay."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from firstcall.intake.services import ReplayRefused, purge_intake_record, replay_intake, replay_refusal
from firstcall.leads.access import can_open_intake_screen, is_platform_operator, visible_intake_records
from firstcall.leads.models import IntakeRecord, LeadSource


def _require_intake_admin(request):
    if not can_open_intake_screen(request.user):
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
    unorganised = request.GET.get("unorganised") == "1" and is_platform_operator(request.user)
    if unorganised:
        records = records.filter(organisation__isnull=True)
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
            "is_operator": is_platform_operator(request.user),
            "unorganised": unorganised,
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


@login_required
@require_POST
def intake_purge(request, record_id: int):
    """Empty a record's body now (a request full of someone else's data, sent to the wrong address)."""
    _require_intake_admin(request)
    record = get_object_or_404(visible_intake_records(request.user), pk=record_id)
    purge_intake_record(record, actor=request.user)
    messages.success(request, f"Intake record #{record.pk} emptied; when and why it arrived are kept.")
    return redirect("intake_detail", record_id=record.pk)
