"""The reports' writers: the lender's report settings (revenue per funded loan, the stage each funnel step counts,
sources' monthly fees, managers' weekly digests), each change in the audit log as `settings.reports.updated` with
the old and new values. A change of funnel stages marks every rolled-up day for the sweep to rebuild."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from firstcall.accounts.models import Organisation, User
from firstcall.accounts.services import record_audit
from firstcall.leads.models import LeadSource, Pipeline, Stage
from firstcall.reports.models import (
    DailyRollup,
    DigestSubscription,
    ReportSettings,
    SourceMonthlyFee,
    StaleDay,
)
from firstcall.reports.rollups import DEFAULT_STEP_STAGES

FUNNEL_STEPS = ("contacted", "applied", "approved", "funded")


@dataclass
class ReportSettingsWanted:
    """What an admin asked for on the settings page: every field, changed or not."""

    revenue_bps: Decimal
    revenue_flat: Decimal
    # pipeline kind -> {step: stage name, or "" for no stage}
    funnel_stages: dict[str, dict[str, str]]
    month: date
    # source id -> the flat fee for the month (None or 0: no fee)
    fees: dict[int, Decimal | None] = field(default_factory=dict)
    # manager's user id -> (digest on, weekday 0 = Monday, hour)
    digests: dict[int, tuple[bool, int, int]] = field(default_factory=dict)


def current_settings(organisation: Organisation) -> ReportSettings:
    """The organisation's report settings, or the defaults (unsaved) when it never chose any."""
    # The defaults as the database gives them back (two decimal places), so the audit log reads the same either way.
    return ReportSettings.objects.filter(organisation=organisation).first() or ReportSettings(
        organisation=organisation, revenue_bps=Decimal("0.00"), revenue_flat=Decimal("0.00")
    )


def funnel_stage_names(organisation: Organisation, chosen: ReportSettings) -> dict[str, dict[str, str]]:
    """For each pipeline kind, the stage counted as each funnel step: the organisation's choice, else the default,
    and "" where that stage is not among the pipeline's open or won stages."""
    names_by_kind = {}
    for pipeline in Pipeline.objects.filter(organisation=organisation):
        names = set(pipeline.stages.exclude(outcome=Stage.Outcome.LOST).values_list("name", flat=True))
        current = {**DEFAULT_STEP_STAGES, **(chosen.funnel_stages or {}).get(pipeline.kind, {})}
        names_by_kind[pipeline.kind] = {
            step: current.get(step) if current.get(step) in names else "" for step in FUNNEL_STEPS
        }
    return names_by_kind


@transaction.atomic
def update_report_settings(
    organisation: Organisation, wanted: ReportSettingsWanted, *, actor=None, ip_address=None
) -> dict:
    """Save what changed and audit it; returns the changes ({what: [old, new]}), empty when nothing changed."""
    chosen = current_settings(organisation)
    changes: dict = {}
    for name in ("revenue_bps", "revenue_flat"):
        if getattr(chosen, name) != getattr(wanted, name):
            changes[name] = [str(getattr(chosen, name)), str(getattr(wanted, name))]
            setattr(chosen, name, getattr(wanted, name))
    before = funnel_stage_names(organisation, chosen)
    stages = {kind: wanted.funnel_stages[kind] for kind in before if kind in wanted.funnel_stages}
    if stages and stages != {kind: before[kind] for kind in stages}:
        changes["funnel_stages"] = [before, stages]
        chosen.funnel_stages = {**(chosen.funnel_stages or {}), **stages}
        _mark_every_day_stale(organisation)
    if changes or chosen.pk is None:
        chosen.save()
    month = wanted.month.replace(day=1)
    sources = LeadSource.objects.filter(organisation=organisation, pk__in=list(wanted.fees))
    for source in sources.order_by("name"):
        amount = wanted.fees[source.pk]
        fee = SourceMonthlyFee.objects.filter(source=source, month=month).first()
        old = fee.amount if fee else None
        if amount in (None, Decimal(0)) and fee:
            fee.delete()
        elif amount and old != amount:
            SourceMonthlyFee.objects.update_or_create(source=source, month=month, defaults={"amount": amount})
        if (old or None) != (amount or None):
            changes[f"fee {source.name} {month:%Y-%m}"] = [str(old or ""), str(amount or "")]
    managers = User.objects.filter(
        organisation=organisation, role=User.Role.MANAGER, pk__in=list(wanted.digests)
    )
    for manager in managers.order_by("first_name", "username"):
        active, weekday, hour = wanted.digests[manager.pk]
        subscription = DigestSubscription.objects.filter(user=manager).first()
        old = (
            (subscription.is_active, subscription.weekday, subscription.hour)
            if subscription
            else (False, None, None)
        )
        if not subscription and not active:
            continue
        DigestSubscription.objects.update_or_create(
            user=manager, defaults={"is_active": active, "weekday": weekday, "hour": hour}
        )
        if old != (active, weekday, hour):
            changes[f"digest {manager.username}"] = [list(old), [active, weekday, hour]]
    if changes:
        record_audit(
            organisation, "settings.reports.updated", actor=actor, ip_address=ip_address,
            detail={"changes": changes},
        )  # fmt: skip
    return changes


def _mark_every_day_stale(organisation: Organisation) -> None:
    days = DailyRollup.objects.filter(organisation=organisation).values_list("day", flat=True).distinct()
    StaleDay.objects.bulk_create(
        [StaleDay(organisation=organisation, day=day) for day in days], ignore_conflicts=True
    )
