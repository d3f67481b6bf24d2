"""The lead page (/leads/<id>/) and its actions: log a call, write a note, add a task, write to the borrower,
edit the details. Views are thin: access through leads.access.visible_leads, work through services.

Three variants of the page:
- the full page, for the organisation's staff who may see the lead (admin, manager, loan officer, processor);
- the partner page, for the referral partner who referred the lead: name, stage, owner and dates only;
- the offer page, for a loan officer holding an open claim/cascade offer on a lead not yet theirs: enough to
  decide, and the claim button.
Anyone else gets a 404, the same answer as for a lead that does not exist.
"""

import functools
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.models import Notification, User
from firstcall.flows import loan_officer_calls as calls
from firstcall.leads.access import visible_leads
from firstcall.leads.allow_lists import PARTNER_FIELDS, timeline_kinds_for
from firstcall.leads.models import Lead
from firstcall.messaging import manual_messages
from firstcall.messaging.models import Message
from firstcall.messaging.services import receive_inbound_sms
from firstcall.pipeline import lead_editing, notes
from firstcall.pipeline.models import Task
from firstcall.pipeline.tasks_service import assignable_users
from firstcall.routing.access import can_reassign
from firstcall.routing.models import LeadOffer, RoutingDecisionLog
from firstcall.web.lead_forms import ComposeForm, LeadEditForm, LogCallForm, NoteForm, TaskForm
from firstcall.web.workspace import timeline

WORKING_ROLES = {User.Role.ADMIN, User.Role.MANAGER, User.Role.LOAN_OFFICER, User.Role.PROCESSOR}
CONSENT_CHANNELS = [("sms", "Texts"), ("email", "Email"), ("calls", "Calls")]
PENDING_STATUSES = [Message.Status.QUEUED, Message.Status.HELD, Message.Status.SENDING]
LEAD_RELATIONS = ["owner", "source", "stage", "pipeline", "organisation", "processor"]


def _zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_users_time_zone(view):
    """Show times, and read typed dates, in the person's own time zone."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(_zone(request.user)):
            return view(request, *args, **kwargs)

    return wrapper


def can_work_lead(user) -> bool:
    """Staff who see a lead may work it (notes, tasks, calls, messages, edits); partners only look."""
    return (user.is_active and user.role in WORKING_ROLES) or user.is_superuser


def full_access_lead(user, lead_id: int) -> Lead:
    """The lead for the full page and its actions; 404 for partners and anyone who may not see it."""
    if user.role == User.Role.PARTNER:
        raise Http404
    lead = visible_lead(user, lead_id)
    if lead is None:
        raise Http404
    return lead


def visible_lead(user, lead_id: int) -> Lead | None:
    """One lead the person may see, with what the page shows of its relations. Visibility is checked as a
    subquery on ids: the joins and DISTINCT of a visibility rule stay out of the wide select."""
    return (
        Lead.objects.select_related(*LEAD_RELATIONS)
        .filter(pk=lead_id, pk__in=visible_leads(user).values("pk"))
        .order_by()
        .first()
    )


def _workable_lead(user, lead_id: int) -> Lead:
    lead = full_access_lead(user, lead_id)
    if not can_work_lead(user):
        raise PermissionDenied
    return lead


def _page_url(lead, anchor: str = "") -> str:
    return reverse("lead_detail", args=[lead.pk]) + (f"#{anchor}" if anchor else "")


# ------------------------------------------------------------------------------------------------ the page


@login_required
@require_GET
@in_users_time_zone
def lead_page(request, lead_id: int):
    user = request.user
    lead = visible_lead(user, lead_id)
    if lead is None:
        offer = (
            LeadOffer.objects.filter(
                lead_id=lead_id,
                user=user,
                status=LeadOffer.Status.OPEN,
                lead__organisation_id=user.organisation_id,
            )
            .select_related("lead", "lead__stage", "lead__pipeline", "from_user")
            .first()
        )
        if offer is None:
            return _moved_page(request, lead_id)
        return render(request, "web/lead/offer.html", {"lead": offer.lead, "offer": offer})
    if user.role == User.Role.PARTNER:
        return _partner_page(request, lead)
    return _render_full_page(request, lead)


def _partner_page(request, lead):
    """A referral partner's view: the allow-listed fields and the progress events only."""
    progress = timeline.timeline_page(lead, allowed_kinds=timeline_kinds_for(request.user), size=20)
    fields = {name: getattr(lead, name) for name in PARTNER_FIELDS}
    return render(request, "web/lead/partner.html", {"lead": lead, "fields": fields, "page": progress})


def _moved_page(request, lead_id: int):
    """A link from an alert this person received about a lead they no longer see (someone else took it, the
    offer went to another officer) says who has it now instead of "Not found". Anyone else gets the 404."""
    user = request.user
    alerted = Notification.objects.filter(
        user=user, lead_id=lead_id, lead__organisation_id=user.organisation_id
    ).exists()
    if not alerted:
        raise Http404
    lead = Lead.objects.select_related("owner").get(pk=lead_id)
    return render(request, "web/lead/moved.html", {"lead": lead}, status=200)


def _template_choices(organisation_id: int) -> dict[str, list]:
    """One entry per template name and channel; the borrower's language variant is picked when composing."""
    from firstcall.cadences.models import MessageTemplate

    choices: dict[str, dict[str, MessageTemplate]] = {"sms": {}, "email": {}}
    for template in MessageTemplate.objects.filter(organisation_id=organisation_id).order_by(
        "name", "language"
    ):
        current = choices.setdefault(template.channel, {}).get(template.name)
        if current is None or template.language == "en":
            choices[template.channel][template.name] = template
    return {channel: list(by_name.values()) for channel, by_name in choices.items()}


def _consent_rows(lead, consents) -> list[dict]:
    latest = {}
    for consent in consents:
        latest.setdefault(consent.channel, consent)
    return [
        {
            "channel": channel,
            "label": label,
            "is_granted": getattr(lead, f"consent_{channel}"),
            "proof": latest.get(channel),
        }
        for channel, label in CONSENT_CHANNELS
    ]


def _routing(lead) -> tuple[RoutingDecisionLog | None, list[dict]]:
    decision = lead.routing_decisions.select_related("chosen_user").first()
    if decision is None:
        return None, []
    verdicts = [verdict for verdict in decision.candidates or [] if isinstance(verdict, dict)]
    ids = {verdict.get("user_id") for verdict in verdicts}
    names = {
        user.pk: str(user) for user in User.objects.filter(pk__in=ids, organisation_id=lead.organisation_id)
    }
    return decision, [
        {
            "name": names.get(verdict.get("user_id"), f"#{verdict.get('user_id')}"),
            "eligible": bool(verdict.get("eligible")),
            "reasons": verdict.get("reasons") or [],
        }
        for verdict in verdicts
    ]


def _render_full_page(request, lead, *, status=200, **forms):
    user = request.user
    from firstcall.cadences.access import can_see_cadences
    from firstcall.cadences.services import next_step_for

    consents = list(lead.consents.all()[:40])
    decision, candidates = _routing(lead)
    may_reassign = can_reassign(user, lead)
    may_work = can_work_lead(user)
    show_cadences = can_see_cadences(user)
    page = timeline.timeline_page(
        lead,
        before=request.GET.get("before", ""),
        filter_name=request.GET.get("show", "all"),
        allowed_kinds=timeline_kinds_for(user),
    )
    assignees = assignable_users(lead.organisation_id)
    statuses = manual_messages.channel_statuses(lead, consents)
    compose_form = forms.get("compose_form") or ComposeForm(
        initial={
            "channel": "sms" if statuses["sms"].is_open or not statuses["email"].is_open else "email",
            "send_key": uuid.uuid4().hex,
        }
    )
    now = timezone.now()
    context = {
        "lead": lead,
        "now": now,
        "score": lead.scores.first(),
        "decision": decision,
        "candidates": candidates,
        "consent_rows": _consent_rows(lead, consents),
        "channel_status": statuses,
        "inquiries": list(lead.inquiries.select_related("source")[:10]),
        "inquiry_total": lead.inquiry_count,
        "shared_with": list(lead.shared_with.all()),
        "my_offer": LeadOffer.objects.filter(lead=lead, user=user, status=LeadOffer.Status.OPEN).first(),
        "may_reassign": may_reassign,
        "officers": list(
            User.objects.filter(
                organisation_id=lead.organisation_id, role=User.Role.LOAN_OFFICER, is_active=True
            )
        )
        if may_reassign
        else [],
        "may_work": may_work,
        "demo_texts": settings.SMS_PROVIDER == "demo" and may_work,
        "show_cadences": show_cadences,
        "next_step": next_step_for(lead) if show_cadences else None,
        "page": page,
        "filters": [(name, label) for name, (label, _kinds) in timeline.FILTERS.items()],
        "pending_messages": list(
            Message.objects.filter(
                lead=lead,
                direction=Message.Direction.OUTBOUND,
                recipient_user__isnull=True,
                status__in=PENDING_STATUSES,
            )
            .select_related("sent_by")
            .order_by("created_at")[:10]
        ),
        "tasks": list(
            Task.objects.filter(lead=lead, completed_at__isnull=True)
            .select_related("assignee")
            .order_by("due_at", "pk")[:20]
        ),
        "templates": _template_choices(lead.organisation_id) if may_work else {},
        "call_form": forms.get("call_form") or LogCallForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "note_needs_confirm": forms.get("note_needs_confirm", False),
        "task_form": forms.get("task_form")
        or TaskForm(assignees=assignees, initial={"assignee": user.pk, "lead": lead.pk}),
        "compose_form": compose_form,
        "sla_overdue": bool(lead.respond_by and not lead.first_human_contact_at and lead.respond_by <= now),
    }
    return render(request, "web/lead/page.html", context, status=status)


@login_required
@require_GET
@in_users_time_zone
def lead_timeline(request, lead_id: int):
    """The next page of the timeline (htmx "load more"); without htmx, the lead page at that point."""
    lead = full_access_lead(request.user, lead_id)
    if not request.htmx:
        return _render_full_page(request, lead)
    page = timeline.timeline_page(
        lead,
        before=request.GET.get("before", ""),
        filter_name=request.GET.get("show", "all"),
        allowed_kinds=timeline_kinds_for(request.user),
    )
    return render(request, "web/lead/_timeline_items.html", {"lead": lead, "page": page})


# --------------------------------------------------------------------------------------------- the actions


@login_required
@require_POST
@in_users_time_zone
def log_call(request, lead_id: int):
    lead = _workable_lead(request.user, lead_id)
    form = LogCallForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how the call went.")
        return _render_full_page(request, lead, status=422, call_form=form)
    calls.log_call(
        lead, actor=request.user, outcome=form.cleaned_data["outcome"], notes=form.cleaned_data["notes"]
    )
    if form.cleaned_data["outcome"] == calls.CallOutcome.CONNECTED:
        messages.success(request, "Call logged: you talked to the borrower.")
    else:
        messages.success(request, "Call logged.")
    return redirect(_page_url(lead))


@login_required
@require_POST
def demo_reply(request, lead_id: int):
    """With the demo text provider only: a reply from the borrower, as if they had texted back, so an evaluator
    can watch a reply arrive (My day, the timeline, STOP handling). Goes through the real inbound path."""
    if settings.SMS_PROVIDER != "demo":
        raise Http404
    lead = _workable_lead(request.user, lead_id)
    body = " ".join((request.POST.get("body") or "").split())[:480]
    if body and lead.phone:
        receive_inbound_sms(
            organisation=lead.organisation,
            from_number=lead.phone,
            to_number=lead.organisation.sms_from_number or "+15555550100",
            body=body,
            provider_message_id=f"demo-{uuid.uuid4().hex}",
            provider="demo",
        )
        messages.success(request, f"{lead.first_name or 'The borrower'} replied (demo).")
    return redirect(_page_url(lead, "timeline"))


@login_required
@require_POST
def note_mentions(request, lead_id: int):
    """Typed into the note box (htmx): what each @mention will do, shown before the note is saved."""
    lead = _workable_lead(request.user, lead_id)
    plans = notes.plan_mentions(lead, request.user, request.POST.get("body", ""))
    return render(request, "web/lead/_mention_plans.html", {"plans": plans})


@login_required
@require_POST
@in_users_time_zone
def add_note(request, lead_id: int):
    lead = _workable_lead(request.user, lead_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_full_page(request, lead, status=422, note_form=form)
    refused = [plan for plan in notes.plan_mentions(lead, request.user, form.cleaned_data["body"])
               if plan.action == "refuse"]  # fmt: skip
    if refused and not request.POST.get("save_anyway"):
        # Said next to the note box, before anything is saved: which mention would reach nobody, and why.
        form.add_error("body", "Not sent to " + "; ".join(f"@{plan.name}: {plan.reason}" for plan in refused)
                       + ". Remove the mention, or save the note anyway.")  # fmt: skip
        return _render_full_page(request, lead, status=422, note_form=form, note_needs_confirm=True)
    try:
        result = notes.add_note(lead, request.user, form.cleaned_data["body"])
    except notes.NoteRefused as refusal:
        form.add_error("body", str(refusal))
        return _render_full_page(request, lead, status=422, note_form=form)
    text = "Note saved."
    if result.notified:
        text += " Notified " + ", ".join(str(person) for person in result.notified) + "."
    messages.success(request, text)
    if result.not_notified:
        messages.warning(
            request,
            "Not notified (no such teammate, or they cannot see this lead): "
            + ", ".join(f"@{name}" for name in result.not_notified),
        )
    return redirect(_page_url(lead, "timeline"))


@login_required
@require_POST
@in_users_time_zone
def compose(request, lead_id: int):
    lead = _workable_lead(request.user, lead_id)
    form = ComposeForm(request.POST)
    if not form.is_valid():
        return _render_full_page(request, lead, status=422, compose_form=form)
    try:
        message = manual_messages.send_manual_message(
            lead,
            channel=form.cleaned_data["channel"],
            body=form.cleaned_data["body"],
            subject=form.cleaned_data["subject"],
            actor=request.user,
            send_key=form.cleaned_data["send_key"],
        )
    except manual_messages.ComposeRefused as refusal:
        form.add_error(None, str(refusal))
        return _render_full_page(request, lead, status=422, compose_form=form)
    word = "Text" if message.channel == "sms" else "Email"
    messages.success(request, f"{word} queued to {message.to_address}. It shows on the timeline once sent.")
    return redirect(_page_url(lead, "compose"))


@login_required
@require_GET
@in_users_time_zone
def compose_template(request, lead_id: int):
    """Fill the compose box from a template, rendered for this borrower (their language, merge fields)."""
    from firstcall.cadences.models import MessageTemplate
    from firstcall.cadences.personalise import compose as render_template

    lead = _workable_lead(request.user, lead_id)
    template_id = request.GET.get("template") or ""
    template = None
    if template_id.isdigit():
        template = MessageTemplate.objects.filter(
            pk=int(template_id), organisation_id=lead.organisation_id
        ).first()
    statuses = manual_messages.channel_statuses(lead)
    channel = template.channel if template is not None else ("sms" if statuses["sms"].is_open else "email")
    initial = {"channel": channel, "send_key": uuid.uuid4().hex}
    if template is not None and statuses[channel].is_open:
        composed = render_template(lead, channel, template=template, officer=request.user)
        initial.update(subject=composed.subject, body=composed.body)
    form = ComposeForm(initial=initial)
    if request.htmx:
        return render(
            request,
            "web/lead/_compose_fields.html",
            {"lead": lead, "compose_form": form, "channel_status": statuses},
        )
    return _render_full_page(request, lead, compose_form=form)


@login_required
@require_http_methods(["GET", "POST"])
@in_users_time_zone
def edit_lead(request, lead_id: int):
    lead = _workable_lead(request.user, lead_id)
    form = LeadEditForm(request.POST or None, instance=lead)
    if request.method == "POST" and form.is_valid():
        changed = form.changed_values()
        event = None
        if changed:
            event = lead_editing.update_lead_fields(
                lead, changed, actor=request.user, reason=form.cleaned_data["reason"]
            )
        messages.success(request, event.summary if event else "Nothing changed.")
        return redirect(_page_url(lead))
    if request.method == "POST":
        lead = full_access_lead(request.user, lead_id)  # the form wrote the rejected values onto its instance
    return render(
        request,
        "web/lead/edit.html",
        {"lead": lead, "form": form},
        status=422 if request.method == "POST" else 200,
    )
