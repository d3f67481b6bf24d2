"""The workspace pages: pipeline board, lead list (search, saved views, bulk actions, CSV export) and team.

Thin views: queries live in pipeline/board.py, changes in services (move_stage, bulk_enrol) and journeys
(flows.lead_changes_hands.reassign_leads), access in pipeline/access.py, leads/access.py, routing/access.py and
cadences/access.py.
"""

import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import Http404, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from firstcall.accounts.audit import record_export
from firstcall.accounts.client import client_ip
from firstcall.accounts.models import User
from firstcall.cadences.access import can_see_cadences, visible_cadences
from firstcall.cadences.services import bulk_enrol
from firstcall.flows import loan_officer_calls as calls
from firstcall.flows.lead_changes_hands import reassign_leads
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Pipeline, Stage
from firstcall.pipeline import board
from firstcall.pipeline.access import may_move_visible_lead
from firstcall.pipeline.forms import (
    LOST_REASONS,
    BulkActionForm,
    LeadFilterForm,
    MoveStageForm,
    SavedViewForm,
    officers_of,
)
from firstcall.pipeline.services import StageMoveRefused, move_stage
from firstcall.routing.access import can_manage_routing
from firstcall.routing.services import RoutingError
from firstcall.web import services
from firstcall.web.models import SavedView

LIST_PAGE_SIZE = 50
SORTS = {
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "respond_by": [F("respond_by").asc(nulls_last=True), "-id"],
    "score": [F("score").desc(nulls_last=True), "-id"],
    "amount": [F("amount").desc(nulls_last=True), "-id"],
    "name": ["last_name", "first_name", "id"],
    "updated": ["-updated_at", "-id"],
}


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in request.headers.get(
        "Accept", ""
    )


def _require_organisation(user) -> None:
    if user.organisation_id is None:
        raise PermissionDenied("This page belongs to an organisation's workspace.")


# --------------------------------------------------------------------------------------------- board


@login_required
@require_GET
def board_home(request):
    _require_organisation(request.user)
    pipeline = (
        Pipeline.objects.filter(organisation_id=request.user.organisation_id)
        .order_by("position", "pk")
        .first()
    )
    if pipeline is None:
        raise PermissionDenied("No pipelines yet.")
    return redirect("pipeline_board", kind=pipeline.kind)


def _board_leads(request, pipeline: Pipeline, form: LeadFilterForm):
    leads = board.workspace_leads(request.user).filter(pipeline_id=pipeline.pk)
    return board.apply_filters(leads, form.filters(), zone_name=request.user.time_zone)


def _url_maker(name: str):
    """reverse() once per page, not once per card: the URL with a placeholder id, filled in per lead."""
    template = reverse(name, args=[987654321])
    return lambda pk: template.replace("987654321", str(pk))


def _stage_options(stages: list[Stage], selected: Stage) -> str:
    """The "Move to" menu of every card of one column, built once per column rather than once per card."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (stage.pk, mark_safe(" selected") if stage.pk == selected.pk else "", stage.name)
            for stage in stages
        ),
    )


def _board_context(request, pipeline: Pipeline, form: LeadFilterForm, leads, totals: list[dict]) -> dict:
    stages = list(pipeline.stages.order_by("position"))
    columns = board.board_columns(leads, stages, totals=totals)
    detail_url, move_url = _url_maker("lead_detail"), _url_maker("lead_move_stage")
    for column in columns:
        column.options = _stage_options(stages, column.stage)
        for card in column.cards:
            card.can_move = may_move_visible_lead(request.user, card)
            card.detail_url, card.move_url = detail_url(card.pk), move_url(card.pk)
    query = form.query_string()
    live_url = reverse("pipeline_board_live", kwargs={"kind": pipeline.kind})
    return {
        "pipeline": pipeline,
        "stages": stages,
        "columns": columns,
        "form": form,
        "query": query,
        "version": board.fingerprint(totals),
        "live_url": f"{live_url}?{query}" if query else live_url,
        "board_url": request.path if not query else f"{request.path}?{query}",
        "list_url": reverse("lead_list"),
        "now": timezone.now(),
        "lost_reasons": LOST_REASONS,
        "total_count": sum(column.count for column in columns),
        "total_volume": sum((column.volume for column in columns if not column.stage.is_closed), start=0),
    }


@login_required
@require_GET
def pipeline_board(request, kind: str):
    _require_organisation(request.user)
    pipeline = get_object_or_404(Pipeline, organisation_id=request.user.organisation_id, kind=kind)
    form = LeadFilterForm(request.GET, user=request.user)
    leads = _board_leads(request, pipeline, form)
    context = _board_context(request, pipeline, form, leads, board.stage_totals(leads))
    context["pipelines"] = list(Pipeline.objects.filter(organisation_id=request.user.organisation_id))
    return render(request, "pipeline/board.html", context)


@login_required
@require_GET
def pipeline_board_live(request, kind: str):
    """Polled by the board every few seconds: 204 (nothing to do) unless the filtered leads changed."""
    _require_organisation(request.user)
    pipeline = get_object_or_404(Pipeline, organisation_id=request.user.organisation_id, kind=kind)
    form = LeadFilterForm(request.GET, user=request.user)
    leads = _board_leads(request, pipeline, form)
    totals = board.stage_totals(leads)  # one GROUP BY: the fingerprint, and the column totals if it changed
    if request.GET.get("version") == board.fingerprint(totals):
        return HttpResponse(status=204)
    context = _board_context(request, pipeline, form, leads, totals)
    return render(request, "pipeline/partials/board_columns.html", context)


@login_required
@require_POST
def move_lead_stage(request, lead_id: int):
    """The board's drag and drop (fetch, JSON answer) and its keyboard "Move to…" form (plain POST)."""
    lead = get_object_or_404(
        board.workspace_leads(request.user).select_related("pipeline", "stage"), pk=lead_id
    )
    stages = list(lead.pipeline.stages.order_by("position"))
    form = MoveStageForm(request.POST, stages=stages)
    back = _safe_next(request, reverse("pipeline_board", kwargs={"kind": lead.pipeline.kind}))
    if not form.is_valid():
        return _move_refused(request, lead, form, back, "Choose a stage of this pipeline.", "stage", 400)
    stage = form.cleaned_data["stage"]
    try:
        moved = move_stage(lead, stage, request.user, form.cleaned_data.get("lost_reason", ""))
    except StageMoveRefused as refusal:
        return _move_refused(
            request, lead, form, back, refusal.message, refusal.field, 400 if refusal.field else 403
        )
    text = f"{lead.full_name or 'The lead'} moved to {stage.name}." if moved else f"Already in {stage.name}."
    if _wants_json(request):
        return JsonResponse({"ok": True, "moved": moved, "stage": stage.pk, "message": text})
    messages.success(request, text)
    return redirect(back)


def _move_refused(request, lead, form, back, message, field, status):
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message, "field": field or ""}, status=status)
    return render(
        request,
        "pipeline/move_stage.html",
        {
            "lead": lead,
            "form": form,
            "error": message,
            "field": field,
            "next": back,
            "lost_reasons": LOST_REASONS,
            "allowed": status != 403,
        },  # fmt: skip
        status=status,
    )


# ---------------------------------------------------------------------------------------------- list


def _list_filters(request, data=None) -> LeadFilterForm:
    return LeadFilterForm(request.GET if data is None else data, user=request.user, for_list=True)


def _filtered_list(request, form: LeadFilterForm):
    filters = form.filters()
    leads = board.apply_filters(
        board.workspace_leads(request.user), filters, zone_name=request.user.time_zone
    )
    return board.summary_rows(leads).order_by(*SORTS[filters.get("sort") or "newest"])


def _bulk_choices(request, form: LeadFilterForm) -> dict:
    user = request.user
    officers = list(form.officers.values()) if can_manage_routing(user) else []
    cadences = []
    if can_see_cadences(user):
        cadences = list(
            visible_cadences(user).filter(is_active=True, current_version__isnull=False).only("id", "name")
        )
    return {"officers": officers, "cadences": cadences, "stages": list(form.stages.values())}


@login_required
@require_GET
def lead_list(request):
    _require_organisation(request.user)
    form = _list_filters(request)
    rows = _filtered_list(request, form)
    page = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for lead in page.object_list:
        lead.stage = form.stages.get(str(lead.stage_id))  # loaded once by the form: no join, no query per row
        lead.source_name = getattr(form.sources.get(str(lead.source_id)), "name", "")
    choices = _bulk_choices(request, form)
    query = form.query_string()
    return render(
        request,
        "pipeline/lead_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "query_without_sort": form.query_string(sort=None),
            "page_query": query,
            "saved_views": list(SavedView.objects.filter(user=request.user)),
            "save_form": SavedViewForm(initial={"query": query}),
            "bulk_form": BulkActionForm(user=request.user, **choices),
            "can_assign": bool(choices["officers"]),
            "can_enrol": bool(choices["cadences"]),
            "lost_reasons": LOST_REASONS,
            "now": timezone.now(),
            "can_change_stage": request.user.is_org_admin
            or request.user.role in (User.Role.MANAGER, User.Role.LOAN_OFFICER),
        },
    )


@login_required
@require_POST
def lead_bulk_action(request):
    """Assign (managers, admins), enrol in a cadence, change stage, or export: each lead is re-checked."""
    _require_organisation(request.user)
    user = request.user
    filter_form = _list_filters(request, QueryDict(request.POST.get("query", "")))
    form = BulkActionForm(request.POST, user=user, **_bulk_choices(request, filter_form))
    back = _safe_next(request, reverse("lead_list"))
    if request.POST.get("action") == "assign" and not can_manage_routing(user):
        raise PermissionDenied("Only managers and admins assign leads.")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = form.cleaned_data["action"]
    leads = board.workspace_leads(user)
    if action == "export":
        if form.cleaned_data.get("everything"):
            rows = _filtered_list(request, filter_form)
            return _export_csv(request, rows, query=filter_form.query_string(), selection="all matching")
        selected = leads.filter(pk__in=form.cleaned_data["lead"])
        return _export_csv(request, selected, query="", selection="selected")
    # Leads the person may not see are simply not found: they are neither changed nor reported by name.
    chosen = list(leads.filter(pk__in=form.cleaned_data["lead"]).select_related("organisation", "stage"))
    missing = len(form.cleaned_data["lead"]) - len(chosen)
    done, skipped = 0, {}
    if action == "assign":
        owner = form.cleaned_data["owner"]
        try:
            reassigned = reassign_leads(
                chosen, owner, actor=user, reason=form.cleaned_data.get("reason") or "bulk reassignment"
            )
        except RoutingError as error:
            reassigned, skipped = [], {lead.pk: str(error) for lead in chosen}
        done = len(reassigned)
        already = {lead.pk for lead in chosen} - {lead.pk for lead in reassigned} - set(skipped)
        skipped.update({pk: f"already with {owner}" for pk in already})
        verb = f"assigned to {owner}"
    elif action == "enrol":
        cadence = form.cleaned_data["cadence"]
        result = bulk_enrol(chosen, cadence, user)
        done, skipped = len(result.enrolled), dict(result.skipped)
        verb = f"enrolled in {cadence.name}"
    else:
        stage = form.cleaned_data["stage"]
        for lead in chosen:
            if lead.pipeline_id != stage.pipeline_id:
                skipped[lead.pk] = f"in another pipeline than {stage.pipeline.name}"
                continue
            try:
                if move_stage(lead, stage, user, form.cleaned_data.get("lost_reason", "")):
                    done += 1
            except StageMoveRefused as refusal:
                skipped[lead.pk] = refusal.message
        verb = f"moved to {stage.name}"
    messages.success(request, f"{done} lead{'s' if done != 1 else ''} {verb}.")
    if action == "enrol" and (skipped or missing):
        from firstcall.web.workspace.bulk_report import enrolment_report

        names = {lead.pk: lead.full_name for lead in chosen}
        messages.warning(request, enrolment_report(cadence.name, skipped, names, missing))
    elif skipped or missing:
        reasons = sorted(set(skipped.values()))
        messages.warning(
            request,
            f"{len(skipped) + missing} not changed"
            + (": " + "; ".join(reasons[:3]) if reasons else "")
            + ".",
        )
    return redirect(back)


# What every role may export, and what only staff may: a referral partner never gets income or credit.
EXPORT_COLUMNS = [
    ("id", lambda lead: lead.pk),
    ("received_at", lambda lead: lead.created_at.isoformat()),
    ("first_name", lambda lead: lead.first_name),
    ("last_name", lambda lead: lead.last_name),
    ("email", lambda lead: lead.email),
    ("phone", lambda lead: lead.phone),
    ("state", lambda lead: lead.state),
    ("zip_code", lambda lead: lead.zip_code),
    ("purpose", lambda lead: lead.purpose),
    ("loan_type", lambda lead: lead.loan_type),
    ("pipeline", lambda lead: lead.pipeline.name),
    ("stage", lambda lead: lead.stage.name),
    ("owner", lambda lead: str(lead.owner) if lead.owner else ""),
    ("source", lambda lead: lead.source.name if lead.source else ""),
    ("score", lambda lead: lead.score if lead.score is not None else ""),
    ("score_tier", lambda lead: lead.score_tier),
    ("sla_status", lambda lead: lead.sla_status),
    (
        "first_human_contact_at",
        lambda lead: lead.first_human_contact_at.isoformat() if lead.first_human_contact_at else "",
    ),  # noqa: E501
    ("purchase_price", lambda lead: lead.purchase_price),
    ("down_payment", lambda lead: lead.down_payment),
    ("property_value", lambda lead: lead.property_value),
    ("loan_balance", lambda lead: lead.loan_balance),
    ("loan_amount", lambda lead: board.cents(lead.amount) if lead.amount is not None else ""),
    ("timeframe", lambda lead: lead.timeframe),
    ("lost_reason", lambda lead: lead.lost_reason),
]
STAFF_ONLY_EXPORT_COLUMNS = [
    ("credit_band", lambda lead: lead.credit_band),
    ("credit_score_low", lambda lead: lead.credit_score_low),
    ("credit_score_high", lambda lead: lead.credit_score_high),
    ("annual_income", lambda lead: lead.annual_income),
    ("monthly_debts", lambda lead: lead.monthly_debts),
    ("employment_type", lambda lead: lead.employment_type),
]
STAFF_ONLY_FIELDS = ["credit_band", "credit_score_low", "credit_score_high", "annual_income", "monthly_debts",
                     "employment_type"]  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_columns_for(user: User) -> list:
    if user.role == User.Role.PARTNER:
        return EXPORT_COLUMNS
    return EXPORT_COLUMNS + STAFF_ONLY_EXPORT_COLUMNS


def _cell(value) -> str:
    """Spreadsheet-safe: text a spreadsheet would run as a formula gets a leading quote (OWASP CSV injection),
    except plain numbers and E.164 phone numbers, which are data."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_plain_number(text):
        return "'" + text
    return text


def _is_plain_number(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return digits.replace(".", "", 1).isdigit()


class _Echo:
    def write(self, value):
        return value


def _export_csv(request, leads, *, query: str, selection: str):
    user = request.user
    columns = export_columns_for(user)
    rows = (
        leads.select_related(None)
        .select_related("owner", "stage", "pipeline", "source")
        .annotate(amount=board.loan_amount())
    )
    if user.role == User.Role.PARTNER:
        rows = rows.defer(*STAFF_ONLY_FIELDS)  # never read from the database, let alone decrypted
    count = rows.count()
    record_export(
        user,
        "leads.csv",
        count,
        ip_address=client_ip(request),
        detail={"filters": query[:500], "selection": selection},
    )
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([name for name, _getter in columns])
        for lead in rows.iterator(chunk_size=1000):
            yield writer.writerow([_cell(getter(lead)) for _name, getter in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def saved_view_create(request):
    _require_organisation(request.user)
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the view a name (up to 80 characters).")
        return redirect(_safe_next(request, reverse("lead_list")))
    saved = services.save_view(request.user, form.cleaned_data["name"], form.cleaned_data.get("query", ""))
    messages.success(request, f"Saved view “{saved.name}”.")
    query = saved.query_string
    return redirect(f"{reverse('lead_list')}?{query}" if query else reverse("lead_list"))


@login_required
@require_POST
def saved_view_delete(request, view_id: int):
    saved = services.delete_view(request.user, view_id)
    if saved is None:
        raise Http404
    messages.success(request, f"Deleted view “{saved.name}”.")
    return redirect("lead_list")


# ---------------------------------------------------------------------------------------------- team


def _officers_in_scope(user: User) -> list[User]:
    officers = User.objects.filter(
        organisation_id=user.organisation_id, role=User.Role.LOAN_OFFICER, is_active=True
    )
    if not user.is_org_admin:
        officers = officers.filter(teams__in=user.managed_teams.values("pk")).distinct()
    return list(officers.only("id", "username", "first_name", "last_name").order_by("first_name", "username"))


@login_required
@require_GET
def team(request):
    """Managers (their teams) and admins: pipeline by loan officer, SLA breaches, unworked leads."""
    user = request.user
    if not can_manage_routing(user):
        raise PermissionDenied("The team view is for managers and admins.")
    now = timezone.now()
    leads = board.workspace_leads(user)
    is_open = board.in_outcome(Stage.Outcome.OPEN)
    open_leads = leads.filter(is_open)
    officers = _officers_in_scope(user)

    # Columns: the open stage names of every pipeline, merged by name ("New" of purchase and of refinance).
    open_stages = list(
        Stage.objects.filter(pipeline__organisation_id=user.organisation_id, outcome=Stage.Outcome.OPEN).only(
            "id", "name", "position"
        )
    )
    stage_names = []
    for stage in sorted(open_stages, key=lambda stage: (stage.position, stage.name)):
        if stage.name not in stage_names:
            stage_names.append(stage.name)
    name_of = {stage.pk: stage.name for stage in open_stages}
    cells: dict[tuple, int] = {}
    for row in (
        open_leads.order_by()
        .annotate(owner_key=board.OWNER_KEY, stage_key=board.STAGE_KEY)
        .values("owner_key", "stage_key")
        .annotate(count=Count("pk"))
    ):
        key = (row["owner_key"], name_of.get(row["stage_key"]))
        cells[key] = cells.get(key, 0) + row["count"]
    month_ago = now - timedelta(days=30)
    per_owner = {
        row["owner_id"]: row
        for row in leads.order_by()
        .values("owner_id")
        .annotate(
            open_count=Count("pk", filter=is_open),
            open_volume=Sum(board.loan_amount(), filter=is_open),
            waiting=Count("pk", filter=is_open & Q(first_human_contact_at__isnull=True)),
            overdue=Count(
                "pk",
                filter=is_open & Q(first_human_contact_at__isnull=True, respond_by__lt=now),
            ),
            breaches=Count("pk", filter=Q(sla_breached_at__gte=month_ago)),
            won=Count("pk", filter=board.in_outcome(Stage.Outcome.WON) & Q(closed_at__gte=month_ago)),
        )
    }
    known = {officer.pk for officer in officers}
    others = [owner_id for owner_id in per_owner if owner_id and owner_id not in known]
    if others:  # owners outside the teams (leads shared with a manager): shown, never hidden
        officers += list(User.objects.filter(pk__in=others).only("id", "username", "first_name", "last_name"))
    rows = []
    for person in [*officers, None]:
        key = person.pk if person else None
        summary = per_owner.get(key, {})
        if person is None and not summary:
            continue
        rows.append(
            {
                "person": person,
                "cells": [cells.get((key, name), 0) for name in stage_names],
                "open_count": summary.get("open_count", 0),
                "open_volume": board.cents(summary.get("open_volume")),
                "waiting": summary.get("waiting", 0),
                "overdue": summary.get("overdue", 0),
                "breaches": summary.get("breaches", 0),
                "won": summary.get("won", 0),
            }
        )
    # Newest first by arrival (a breach follows its lead's arrival by minutes): a walk back through the table
    # that stops at 25, where ordering by sla_breached_at (no index) would read every lead first.
    week_ago = now - timedelta(days=7)
    breaches = list(board.summary_rows(leads.filter(sla_breached_at__gte=week_ago)).order_by("-id")[:25])
    # Oldest first: with the open-stage subquery SQLite walks the created_at index and stops at 50.
    unworked = list(
        board.summary_rows(open_leads.filter(first_human_contact_at__isnull=True)).order_by(
            "created_at", "id"
        )[:50]
    )
    return render(
        request,
        "pipeline/team.html",
        {
            "stage_names": stage_names,
            "rows": rows,
            "breaches": breaches,
            "unworked": unworked,
            "assignable": officers_of(user.organisation_id),
            "now": now,
        },
    )


@login_required
@require_GET
def lead_call_now(request, lead_id: int):
    """Click-to-call: the compliance gate decides first; a held or refused call shows the loan officer why."""
    lead = get_object_or_404(visible_leads(request.user).select_related("organisation"), pk=lead_id)
    if not lead.phone:
        messages.error(request, "This lead has no phone number.")
        return redirect(f"/leads/{lead.pk}/")
    decision = calls.check_call(lead, actor=request.user)
    return render(
        request,
        "pipeline/call_check.html",
        {"lead": lead, "decision": decision},
        status=200,
    )
