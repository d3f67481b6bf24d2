"""The routing-rule editor (/settings/routing/): the organisation's admins and managers list, add, edit, reorder,
pause and resume the rules that decide who gets each lead, and test an edit against past leads before saving it.

Who: routing.access. Admins edit every rule; a branch manager sees every rule but edits, moves, pauses and tests
only their teams' rules (another rule is a 403), adds rules only for their teams and only with their teams' loan
officers. A rule of another organisation is a 404. Everyone else gets 403. Every check is made before any form
is read, so a denied request changes nothing; the service checks the scope again. Every change is audited
(routing.rule_editing)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.intake.recording import client_ip
from firstcall.routing import access, rule_editing
from firstcall.routing.access import can_manage_routing
from firstcall.routing.models import RoutingRule
from firstcall.web.routing_rule_forms import RoutingRuleForm


def _organisation(user):
    if not (user.is_active and can_manage_routing(user)):
        raise PermissionDenied
    return user.organisation


def _rule(user, rule_id: int) -> RoutingRule:
    organisation = _organisation(user)
    rule = get_object_or_404(RoutingRule, pk=rule_id, organisation=organisation, is_draft=False)
    if not access.can_edit_rule(user, rule):
        raise PermissionDenied
    return rule


@login_required
@require_GET
def rule_list(request):
    organisation = _organisation(request.user)
    rules = list(rule_editing.live_rules(organisation).select_related("team").prefetch_related("candidates"))
    team_ids = set(access.rule_teams(request.user).values_list("pk", flat=True))
    for index, rule in enumerate(rules):
        rule.editable = access.can_edit_rule(request.user, rule, team_ids=team_ids)
        rule.can_move_up, rule.can_move_down = (
            rule.editable
            and rule_editing.neighbour_index(request.user, rules, index, direction, team_ids=team_ids)
            is not None
            for direction in ("up", "down")
        )
    return render(
        request,
        "web/routing/rule_list.html",
        {"rules": rules, "may_add": access.may_add_rules(request.user),
         "org_wide": access.may_edit_org_wide_rules(request.user)},
    )  # fmt: skip


def _preview_size(request) -> int:
    raw = request.POST.get("preview_leads") or ""
    return int(raw) if raw.isdigit() else rule_editing.PREVIEW_DEFAULT


def _edit(request, rule: RoutingRule | None):
    organisation = request.user.organisation
    form = RoutingRuleForm(request.POST or None, instance=rule or RoutingRule(organisation=organisation),
                           organisation=organisation, user=request.user)  # fmt: skip
    preview = None
    if request.method == "POST" and form.is_valid():
        values = form.rule_values()
        candidates = list(form.cleaned_data["candidates"])
        fallback_users = list(form.cleaned_data["fallback_users"])
        if request.POST.get("action") == "preview":
            edited = rule_editing.engine_rule(
                values,
                position=0,
                candidate_ids=[user.pk for user in candidates],
                fallback_ids=[user.pk for user in fallback_users],
            )
            rule_set = rule_editing.edited_rule_set(
                organisation, edited, rule_id=rule.pk if rule else None, active=values["is_active"]
            )
            preview = rule_editing.preview_against_past_leads(
                organisation, rule_set, limit=_preview_size(request), viewer=request.user
            )
        else:
            saved = rule_editing.save_rule(
                organisation,
                rule,
                values,
                candidates=candidates,
                fallback_users=fallback_users,
                actor=request.user,
                ip_address=client_ip(request),
            )
            messages.success(request, f"Rule “{saved.name}” saved.")
            return redirect("routing_rule_list")
    return render(
        request,
        "web/routing/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "preview": preview,
            "preview_leads": _preview_size(request)
            if request.method == "POST"
            else rule_editing.PREVIEW_DEFAULT,
            "preview_max": rule_editing.PREVIEW_MAX,
        },
        status=422 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request):
    _organisation(request.user)
    if not access.may_add_rules(request.user):
        raise PermissionDenied
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, rule_id: int):
    return _edit(request, _rule(request.user, rule_id))


@login_required
@require_POST
def rule_move(request, rule_id: int):
    rule = _rule(request.user, rule_id)
    direction = request.POST.get("direction", "")
    if rule_editing.move_rule(rule, direction, actor=request.user, ip_address=client_ip(request)):
        messages.success(request, f"Moved “{rule.name}” {direction}.")
    return redirect("routing_rule_list")


@login_required
@require_POST
def rule_active(request, rule_id: int):
    rule = _rule(request.user, rule_id)
    active = request.POST.get("active") == "1"
    if rule_editing.set_rule_active(rule, active, actor=request.user, ip_address=client_ip(request)):
        messages.success(request, f"“{rule.name}” {'resumed' if active else 'paused'}.")
    return redirect("routing_rule_list")
