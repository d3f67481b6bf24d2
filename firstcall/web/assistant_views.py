"""The assistant's pages: replies waiting for approval (from My day, the lead page and on a phone), one-click
intent corrections, and the organisation's choices. Thin: access from assistant.access, writes through the
assistant's services and the reply journey in firstcall/flows."""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from firstcall.assistant import access
from firstcall.assistant import services as assistant
from firstcall.assistant.engine import INTENTS
from firstcall.assistant.engine.actions import ACTION_LABELS, ACTIONS_BY_INTENT
from firstcall.assistant.models import AUTO_SEND_ALLOWED, INTENT_LABELS, ApprovalMode, Draft
from firstcall.flows import reply_understood
from firstcall.leads.access import visible_leads
from firstcall.messaging.models import Message


def _lead_zone(lead) -> ZoneInfo:
    return reply_understood._zone_of(lead)


def _draft_rows(drafts):
    messages = Message.objects.in_bulk([draft.reading.message_id for draft in drafts if draft.reading_id])
    return [
        {
            "draft": draft,
            "reading": draft.reading,
            "borrower_text": messages[draft.reading.message_id].body if draft.reading_id and draft.reading.message_id
            in messages else "",
        }
        for draft in drafts
    ]  # fmt: skip


@login_required
def drafts_waiting(request):
    if not access.may_answer_borrowers(request.user):
        return HttpResponseForbidden("Only loan officers, managers and admins answer borrowers.")
    drafts = list(
        access.visible_drafts(request.user)
        .filter(status__in=[Draft.Status.WAITING, Draft.Status.BLOCKED])
        .select_related("lead", "reading")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "assistant/drafts.html",
        {"rows": _draft_rows(drafts), "intent_choices": [(i, INTENT_LABELS[i]) for i in INTENTS]},
    )


@login_required
def waiting_badge(request):
    """My day's line for replies waiting for an answer (loaded by htmx; empty when there are none)."""
    if not access.may_answer_borrowers(request.user):
        return render(request, "assistant/_waiting_badge.html", {"count": 0})
    count = (
        access.visible_drafts(request.user)
        .filter(status__in=[Draft.Status.WAITING, Draft.Status.BLOCKED], lead__owner=request.user)
        .count()
    )
    return render(request, "assistant/_waiting_badge.html", {"count": count})


@login_required
def lead_panel(request, lead_id: int):
    lead = get_object_or_404(visible_leads(request.user), pk=lead_id)
    if not access.may_answer_borrowers(request.user):
        raise Http404
    readings = list(access.visible_readings(request.user).filter(lead=lead).order_by("-received_at")[:5])
    drafts = list(
        access.visible_drafts(request.user)
        .filter(lead=lead, status__in=[Draft.Status.WAITING, Draft.Status.BLOCKED])
        .select_related("lead", "reading")
    )
    return render(
        request,
        "assistant/_lead_panel.html",
        {"lead": lead, "readings": readings, "rows": _draft_rows(drafts),
         "intent_choices": [(i, INTENT_LABELS[i]) for i in INTENTS]},
    )  # fmt: skip


def _back(request, draft):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "assistant_drafts")


@login_required
@require_POST
def draft_send(request, draft_id: int):
    draft = get_object_or_404(
        access.visible_drafts(request.user).select_related("lead", "reading"), pk=draft_id
    )
    if draft.status not in (Draft.Status.WAITING, Draft.Status.BLOCKED):
        return _back(request, draft)
    body = " ".join((request.POST.get("body") or draft.body).split())[:1000]
    lead = draft.lead
    facts = reply_understood.facts_for(lead, draft.reading, _lead_zone(lead))
    assistant.recheck_draft(
        draft,
        body,
        facts,
        gate=reply_understood.draft_gate(lead, draft.channel),
        user=request.user,
    )
    if draft.status == Draft.Status.WAITING:
        reply_understood.send_draft(draft, lead, user=request.user)
    return _back(request, draft)


@login_required
@require_POST
def draft_discard(request, draft_id: int):
    draft = get_object_or_404(access.visible_drafts(request.user), pk=draft_id)
    assistant.discard(draft, request.user)
    return _back(request, draft)


@login_required
@require_POST
def reading_correct(request, reading_id: int):
    reading = get_object_or_404(access.visible_readings(request.user), pk=reading_id)
    intent = request.POST.get("intent", "")
    if intent not in INTENTS:
        return HttpResponseForbidden("Unknown intent.")
    message = Message.objects.filter(pk=reading.message_id, organisation_id=reading.organisation_id).first()
    assistant.correct_intent(reading, intent, request.user, text=message.body if message else "")
    return _back(request, None)


class AssistantSettingsForm(forms.Form):
    drafts_enabled = forms.BooleanField(required=False, label="Draft an answer to every reply that needs one")
    provider_enabled = forms.BooleanField(
        required=False,
        label="Let the configured model provider write drafts",
        help_text="Only the first name, your name, the loan purpose, the booking link and the borrower's message "
        "leave the server, with account numbers, Social Security numbers, dates of birth and street addresses "
        "removed. Every request and answer is kept.",
    )
    office_opens = forms.TimeField(label="Office opens")
    office_closes = forms.TimeField(label="Office closes")

    def __init__(self, *args, chosen=None, **kwargs):
        super().__init__(*args, **kwargs)
        for intent, action in ACTIONS_BY_INTENT.items():
            self.fields[f"action_{intent}"] = forms.BooleanField(
                required=False, label=f"{INTENT_LABELS[intent]}: {ACTION_LABELS[action]}",
                initial=chosen.action_enabled(intent) if chosen else True,
            )  # fmt: skip
        for intent in AUTO_SEND_ALLOWED:
            self.fields[f"mode_{intent}"] = forms.ChoiceField(
                choices=ApprovalMode.choices, label=f"{INTENT_LABELS[intent]}: who sends the answer",
                initial=chosen.approval_mode(intent) if chosen else ApprovalMode.APPROVE,
            )  # fmt: skip


@login_required
def assistant_settings(request):
    if not access.may_change_settings(request.user):
        return HttpResponseForbidden("Only admins change the assistant's settings.")
    chosen = assistant.settings_for(request.user.organisation)
    initial = {
        "drafts_enabled": chosen.drafts_enabled,
        "provider_enabled": chosen.provider_enabled,
        "office_opens": chosen.office_opens,
        "office_closes": chosen.office_closes,
    }
    form = AssistantSettingsForm(request.POST or None, initial=initial, chosen=chosen)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assistant.save_settings(
            chosen,
            drafts_enabled=data["drafts_enabled"],
            provider_enabled=data["provider_enabled"],
            office_opens=data["office_opens"],
            office_closes=data["office_closes"],
            actions_enabled={intent: data[f"action_{intent}"] for intent in ACTIONS_BY_INTENT},
            approval_modes={intent: data[f"mode_{intent}"] for intent in AUTO_SEND_ALLOWED},
        )
        return redirect("assistant_settings")
    return render(request, "assistant/settings.html", {"form": form})
