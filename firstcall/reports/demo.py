"""The demo's money story: what the lender earns per funded loan, a portal's flat monthly fee, funded amounts as
the loan system would report them, a weekly digest for the managers, and rollups built so the reports open at once."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, LeadSource
from firstcall.reports.models import DigestSubscription, FundedLoan, ReportSettings, SourceMonthlyFee
from firstcall.reports.rollups import rebuild


def seed_report_story(organisation) -> dict:
    ReportSettings.objects.update_or_create(
        organisation=organisation, defaults={"revenue_bps": Decimal("150"), "revenue_flat": Decimal("0")}
    )
    today = timezone.localdate()
    busiest = LeadSource.objects.filter(organisation=organisation).order_by("-cost_per_lead").first()
    if busiest is not None:
        for months_back in range(0, 3):
            month = date(today.year, today.month, 1)
            for _ in range(months_back):
                month = date(month.year - (month.month == 1), 12 if month.month == 1 else month.month - 1, 1)
            SourceMonthlyFee.objects.update_or_create(
                source=busiest, month=month, defaults={"amount": Decimal("750")}
            )
    funded = 0
    for lead in Lead.objects.filter(organisation=organisation, stage__outcome="won"):
        amount = (lead.purchase_price or Decimal(0)) - (lead.down_payment or Decimal(0)) or lead.loan_balance
        if amount:
            FundedLoan.objects.update_or_create(
                lead=lead,
                defaults={"organisation": organisation, "amount": amount,
                          "funded_on": (lead.closed_at or timezone.now()).date()},
            )  # fmt: skip
            funded += 1
    for manager in User.objects.filter(organisation=organisation, role=User.Role.MANAGER):
        DigestSubscription.objects.get_or_create(user=manager, defaults={"weekday": 0, "hour": 8})
    days = rebuild(organisation)
    return {"funded_loans": funded, "rollup_days": days}
