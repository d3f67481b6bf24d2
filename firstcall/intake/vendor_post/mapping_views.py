"""sources/<source-id>/mapping/: org admins edit a source's field mapping, preview it against the last
payload and save it (audited). Anyone else gets 403 and nothing changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from firstcall.accounts.client import client_ip
from firstcall.intake.mapping import CONSENT_TARGETS, PSEUDO_TARGETS, SUBMISSION_TARGETS, TRANSFORMS
from firstcall.intake.services import ReplayRefused, replay_intake
from firstcall.intake.vendor_post.mapping_editor import (
    MAPPED_CHANNEL_ADAPTERS,
    SAMPLE_CONTENT_TYPES,
    last_payload_record,
    mapping_for_display,
    preview_mapping,
    read_draft,
    records_to_read_again,
    save_mapping,
    unmapped_values,
)
from firstcall.leads.access import can_manage_intake
from firstcall.leads.models import IntakeRecord, LeadSource


@login_required
def source_mapping(request, source_id: int):
    if not can_manage_intake(request.user):
        raise PermissionDenied
    source = get_object_or_404(LeadSource, pk=source_id, organisation_id=request.user.organisation_id)
    text = mapping_for_display(source.field_mapping)
    errors: list[str] = []
    preview = None
    sample = request.POST.get("sample", "") if request.method == "POST" else ""
    sample_format = request.POST.get("sample_format", "json")
    if request.method == "POST" and request.POST.get("action") == "read_again":
        done = failed = 0
        for record in records_to_read_again(source):
            try:
                result = replay_intake(record, actor=request.user)
            except ReplayRefused:
                failed += 1
                continue
            done, failed = (done + 1, failed) if result.is_accepted else (done, failed + 1)
        messages.success(
            request, f"Read {done} accepted record(s) again with the saved mapping; {failed} could not be."
        )
        return redirect("source_mapping", source_id=source.pk)
    if request.method == "POST":
        text = request.POST.get("mapping", "")
        draft, errors = read_draft(text, source)
        action = request.POST.get("action", "preview")
        if not errors and action == "save":
            save_mapping(source, draft, actor=request.user, ip_address=client_ip(request))
            messages.success(
                request, "Mapping saved. Replay rejected records from the intake screen to apply it."
            )
            return redirect("source_mapping", source_id=source.pk)
        if not errors and action == "preview":
            preview = preview_mapping(source, draft, sample=sample, sample_format=sample_format)
    last_record = last_payload_record(source)
    warned_values, unread_fields = unmapped_values(source)
    rejected_url = reverse("intake_list") + f"?source={source.pk}&status={IntakeRecord.Status.REJECTED}"
    return render(
        request,
        "intake/mapping/editor.html",
        {
            "source": source,
            "mapping_text": text,
            "errors": errors,
            "preview": preview,
            "last_record": last_record,
            "rejected_url": rejected_url,
            "supports_preview": source.channel in MAPPED_CHANNEL_ADAPTERS,
            "targets": sorted(SUBMISSION_TARGETS | PSEUDO_TARGETS | CONSENT_TARGETS) + ["utm.<name>"],
            "transforms": sorted(TRANSFORMS),
            "sample": sample,
            "sample_format": sample_format,
            "sample_formats": list(SAMPLE_CONTENT_TYPES),
            "warned_values": warned_values,
            "unread_fields": unread_fields,
            "records_to_read_again": records_to_read_again(source).count(),
        },
        status=400 if errors else 200,
    )
