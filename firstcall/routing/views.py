"""Routing screens: rules, "who would get this lead?", replay of recent leads against drafts, claim, reassign."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from firstcall.accounts.models import User
from firstcall.compliance import calling
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Lead
from firstcall.routing import services
from firstcall.routing.access import can_manage_routing, can_reassign
from firstcall.routing.models import LeadOffer, RoutingRule


def _require_routing_admin(user):
    if not can_manage_routing(user):
        raise PermissionDenied


@login_required
def rules(request):
    _require_routing_admin(request.user)
    organisation = request.user.organisation
    all_rules = RoutingRule.objects.filter(organisation=organisation).prefetch_related("candidates")
    preview = None
    lead_id = request.GET.get("lead")
    if lead_id and lead_id.isdigit():
        lead = get_object_or_404(visible_leads(request.user), pk=int(lead_id))
        preview = {
            "lead": lead,
            "live": services.preview_route(lead),
            "draft": services.preview_route(lead, drafts=True),
        }
    replay_rows = None
    if request.GET.get("replay"):
        replay_rows = services.replay_recent(
            organisation, limit=min(int(request.GET.get("replay") or 50), 500)
        )
    return render(request, "routing/rules.html", {
        "rules": [rule for rule in all_rules if not rule.is_draft],
        "drafts": [rule for rule in all_rules if rule.is_draft],
        "preview": preview,
        "replay": replay_rows,
        "recent_leads": visible_leads(request.user).order_by("-created_at")[:20],
    })  # fmt: skip


@login_required
@require_POST
def claim(request, lead_id: int):
    lead = get_object_or_404(Lead.objects.filter(organisation_id=request.user.organisation_id), pk=lead_id)
    if not LeadOffer.objects.filter(lead=lead, user=request.user, status=LeadOffer.Status.OPEN).exists():
        raise PermissionDenied
    if services.claim_lead(lead, request.user):
        advice = calling.call_advice(lead)
        if advice.may_call or not advice.phone:
            messages.success(request, f"{lead.full_name} is yours. Call now.")
        elif advice.is_held:
            messages.success(
                request,
                f"{lead.full_name} is yours. Do not call yet: {advice.opens_phrase} {advice.opens_text} "
                "(the borrower's time).",
            )
        else:
            messages.success(request, f"{lead.full_name} is yours. Do not call: {advice.reason}")
        return redirect("lead_detail", lead_id=lead.pk)
    messages.error(request, "Someone else claimed this lead first.")
    return redirect("home")


@login_required
@require_POST
def reassign(request, lead_id: int):
    lead = get_object_or_404(Lead.objects.filter(organisation_id=request.user.organisation_id), pk=lead_id)
    if not can_reassign(request.user, lead):
        raise PermissionDenied
    new_owner = get_object_or_404(
        User.objects.filter(organisation_id=lead.organisation_id, role=User.Role.LOAN_OFFICER),
        pk=request.POST.get("owner"),
    )
    services.reassign_lead(lead, new_owner, actor=request.user, reason=request.POST.get("reason", "")[:200])
    messages.success(request, f"Reassigned to {new_owner}.")
    return redirect("lead_detail", lead_id=lead.pk)
