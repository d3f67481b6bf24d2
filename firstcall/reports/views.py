from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads.access import visible_leads
from firstcall.leads.models import LeadSource
from firstcall.reports.metrics import bar_chart, speed_rows

PERIODS = {"7": 7, "30": 30, "90": 90}


@login_required
def speed_to_lead(request):
    user = request.user
    own_only = user.role == User.Role.LOAN_OFFICER and not user.is_org_admin
    if not (user.is_org_admin or user.role == User.Role.MANAGER or own_only):
        raise PermissionDenied
    period = request.GET.get("days", "30")
    days = PERIODS.get(period, 30)
    since = timezone.now() - timedelta(days=days)
    mine = visible_leads(user).filter(owner=user) if own_only else visible_leads(user)
    leads = list(
        mine.filter(created_at__gte=since, is_test=False)
        .values(
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
