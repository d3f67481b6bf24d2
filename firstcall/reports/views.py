"""Report pages: render what the queries computed from the rollups. Every chart has its table and a CSV link; the
URL carries the filters. Loan officers see their own numbers, managers their teams', admins everything."""

import csv
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from firstcall.accounts.models import Team, User
from firstcall.leads.access import visible_leads
from firstcall.leads.models import LeadSource
from firstcall.reports import queries
from firstcall.reports.engine.charts import bars, tapered_funnel
from firstcall.reports.engine.figures import FunnelStep
from firstcall.reports.export import to_csv
from firstcall.reports.filters import BadFilter, filters_from
from firstcall.reports.metrics import bar_chart, speed_rows

PERIODS = {"7": 7, "30": 30, "90": 90}
REPORT_TITLES = {"funnel": "Funnel", "speed": "Speed to lead", "roi": "Cost and return by source",
                 "cadences": "Follow-up results", "activity": "Activity",
                 "partners": "Referral partners"}  # fmt: skip


def _may_report(user) -> bool:
    return user.is_org_admin or user.role in (User.Role.MANAGER, User.Role.LOAN_OFFICER)


@login_required
def speed_to_lead(request):
    user = request.user
    own_only = user.role == User.Role.LOAN_OFFICER and not user.is_org_admin
    if not _may_report(user):
        raise PermissionDenied
    period = request.GET.get("days", "30")
    days = PERIODS.get(period, 30)
    since = timezone.now() - timedelta(days=days)
    mine = visible_leads(user).filter(owner=user) if own_only else visible_leads(user)
    leads = list(
        mine.filter(created_at__gte=since, is_test=False).values(
            "owner_id", "source_id", "created_at", "first_touch_at", "first_human_contact_at", "sla_status"
        )
    )
    officer_names = {
        user.pk: str(user) for user in User.objects.filter(organisation_id=request.user.organisation_id)
    }
    source_names = dict(
        LeadSource.objects.filter(organisation_id=request.user.organisation_id).values_list("pk", "name")
    )
    by_officer = speed_rows(leads, "owner_id", officer_names)
    by_source = speed_rows(leads, "source_id", source_names)
    overall = speed_rows([{**lead, "all": "All leads"} for lead in leads], "all", {})
    return render(request, "reports/speed_to_lead.html", {
        "days": days, "periods": PERIODS, "own_only": own_only, "by_officer": by_officer, "by_source": by_source,
        "overall": overall[0] if overall else None,
        "chart": bar_chart(by_officer, "human_p50_min"),
    })  # fmt: skip


@login_required
def reports_home(request):
    if not _may_report(request.user):
        raise PermissionDenied
    user = request.user
    return render(request, "reports/home.html", {
        "titles": REPORT_TITLES, "sees_partners": user.is_org_admin or user.role == User.Role.MANAGER,
    })  # fmt: skip


def _choices(user):
    organisation_id = user.organisation_id
    officers = User.objects.filter(organisation_id=organisation_id, role__in=[User.Role.LOAN_OFFICER,
                                                                            User.Role.MANAGER])  # fmt: skip
    if user.role == User.Role.LOAN_OFFICER:
        officers = officers.filter(pk=user.pk)
    return {
        "sources": LeadSource.objects.filter(organisation_id=organisation_id).order_by("name"),
        "officers": officers.order_by("first_name", "last_name"),
        "teams": Team.objects.filter(organisation_id=organisation_id).order_by("name"),
        "groupings": [("", "Everything together"), ("source", "Source"), ("campaign", "Vendor campaign"),
                      ("lo", "Loan officer"),
                      ("loan_type", "Loan type"), ("week", "Week the leads arrived"), ("team", "Branch or team"),
                      ("hour", "Hour of the day they arrived")],
    }  # fmt: skip


@login_required
def report_page(request, name: str):
    if name not in queries.REPORTS or not _may_report(request.user):
        raise PermissionDenied
    try:
        filters = filters_from(request.GET, request.user.organisation_id)
        report = queries.REPORTS[name](request.user, filters)
    except BadFilter as error:
        return HttpResponseBadRequest(f"That filter is not valid: {error}")
    except queries.ReportRefused as error:
        raise PermissionDenied from error
    if request.GET.get("format") == "csv":
        response = HttpResponse(to_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{name}-{filters.date_from}-{filters.date_to}.csv"'
        )
        return response
    for group in report["groups"] if name not in ("activity", "partners") else []:
        group["leads_url"] = _leads_url(filters, group["key"])
    context = {"name": name, "title": REPORT_TITLES[name], "report": report, "filters": filters,
               "query": filters.as_query(), **_choices(request.user)}  # fmt: skip
    if name == "funnel":
        context["charts"] = [
            (group, tapered_funnel([FunnelStep(s["name"], s["count"], s["from_previous_percent"],
                                               s["from_first_percent"], s["dropped"]) for s in group["steps"]]))
            for group in report["groups"]
        ]  # fmt: skip
    elif name == "speed":
        context["chart"] = bars([(g["label"], g["contacted_within_5_min_percent"]) for g in report["groups"]])
    elif name == "activity":
        context.update(_activity_context(report))
    elif name == "partners":
        context["one_grouping"] = True
    elif name == "roi":
        context["chart"] = bars([(g["label"], g["cost_per_funded_loan"]) for g in report["groups"]])
    return render(request, f"reports/{name}.html", context)


def _activity_context(report: dict) -> dict:
    from firstcall.leads.timeline import CallOutcome

    labels = dict(CallOutcome.choices)
    return {
        "channel_chart": bars([(row["label"], row["reply_percent"]) for row in report["replies_by_channel"]]),
        "hour_chart": bars([(row["label"], row["reply_percent"]) for row in report["replies_by_hour"]]),
        "calls_chart": bars([(row["label"], row["calls"]) for row in report["calls_by_lo"]]),
        "velocity_chart": bars(
            [(f"{row['stage']} ({row['pipeline']})", row["average_days"]) for row in report["velocity"]]
        ),  # fmt: skip
        "outcome_labels": [labels[outcome].split(":")[0] for outcome in report["call_outcomes"]],
        "calls": [
            {**row, "counts": [row["outcomes"][o] for o in report["call_outcomes"]]}
            for row in report["calls_by_lo"]
        ],  # fmt: skip
    }


def _leads_url(filters, key) -> str:
    """The lead list filtered to the leads behind a group of a report."""
    query = {"created_from": filters.date_from.isoformat(), "created_to": filters.date_to.isoformat()}
    field = {"source": "source", "lo": "owner", "team": "team", "loan_type": "loan_type"}.get(filters.by)
    if field and key not in (None, ""):
        query[field] = key
    elif filters.by == "week" and key:
        start = date.fromisoformat(key) if isinstance(key, str) else key
        query.update(created_from=start.isoformat(), created_to=(start + timedelta(days=6)).isoformat())
    return "/leads/?" + urlencode(query)


@login_required
def vendor_credits(request, source_id: int):
    """A CSV of one vendor's duplicates and invalid leads over the period, to send for credits."""
    if not request.user.is_org_admin:
        raise PermissionDenied
    source = LeadSource.objects.filter(pk=source_id, organisation_id=request.user.organisation_id).first()
    if source is None:
        raise PermissionDenied
    try:
        filters = filters_from(request.GET, request.user.organisation_id)
    except BadFilter as error:
        return HttpResponseBadRequest(f"That filter is not valid: {error}")
    rows = queries.vendor_credits(request.user, filters, source.pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credits-{source.pk}-{filters.date_from}.csv"'
    writer = csv.DictWriter(response, fieldnames=["received_at", "vendor_lead_id", "reason", "detail"])
    writer.writeheader()
    writer.writerows(rows)
    return response
