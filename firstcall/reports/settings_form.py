"""The reports' settings form for an organisation's admins: revenue per funded loan (basis points of the amount
and/or a flat amount), which stage counts as contacted, applied, approved and funded in each pipeline (a won
stage and the loan system's word always count as funded), each source's flat fee for the month, and each manager's digest day and hour.
`save` returns what changed, for the audit log; changing the funnel stages marks every day for a rebuild."""

from datetime import date
from decimal import Decimal

from django import forms
from django.db import transaction

from firstcall.accounts.models import User
from firstcall.leads.models import LeadSource, Pipeline, Stage
from firstcall.reports.models import (
    DailyRollup,
    DigestSubscription,
    ReportSettings,
    SourceMonthlyFee,
    StaleDay,
)
from firstcall.reports.rollups import DEFAULT_STEP_STAGES

STEPS = (("contacted", "Contacted"), ("applied", "Applied"), ("approved", "Approved"), ("funded", "Funded"))
WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
            (6, "Sunday")]  # fmt: skip


class ReportSettingsForm(forms.Form):
    revenue_bps = forms.DecimalField(
        label="Revenue per funded loan (basis points of the amount)",
        min_value=0,
        max_digits=7,
        decimal_places=2,
    )
    revenue_flat = forms.DecimalField(
        label="Revenue per funded loan (flat $)", min_value=0, max_digits=10, decimal_places=2
    )

    def __init__(self, organisation, month: date, data=None):
        super().__init__(data)
        self.organisation, self.month = organisation, month.replace(day=1)
        self.chosen, _ = ReportSettings.objects.get_or_create(organisation=organisation)
        self.fields["revenue_bps"].initial = self.chosen.revenue_bps
        self.fields["revenue_flat"].initial = self.chosen.revenue_flat
        self.stage_rows, self.fee_rows, self.digest_rows = [], [], []
        for pipeline in Pipeline.objects.filter(organisation=organisation).order_by("name"):
            names = [s.name for s in pipeline.stages.exclude(outcome=Stage.Outcome.LOST).order_by("position")]
            current = {**DEFAULT_STEP_STAGES, **(self.chosen.funnel_stages or {}).get(pipeline.kind, {})}
            row = []
            for step, label in STEPS:
                name = f"stage_{pipeline.kind}_{step}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{pipeline.name}: {label}", required=False,
                    choices=[("", "A won stage only" if step == "funded" else "No stage (the step is not counted)")]
                    + [(n, n) for n in names],
                )  # fmt: skip
                self.fields[name].initial = current.get(step) if current.get(step) in names else ""
                row.append(self[name])
            self.stage_rows.append((pipeline, row))
        fees = dict(SourceMonthlyFee.objects.filter(source__organisation=organisation, month=self.month)
                    .values_list("source_id", "amount"))  # fmt: skip
        for source in LeadSource.objects.filter(organisation=organisation).order_by("name"):
            name = f"fee_{source.pk}"
            self.fields[name] = forms.DecimalField(label=f"{source.name}: flat fee for {self.month:%B %Y}",
                                                   required=False, min_value=0, max_digits=12, decimal_places=2)  # fmt: skip
            self.fields[name].initial = fees.get(source.pk)
            self.fee_rows.append((source, self[name]))
        subscriptions = {
            s.user_id: s for s in DigestSubscription.objects.filter(user__organisation=organisation)
        }
        for manager in User.objects.filter(organisation=organisation, role=User.Role.MANAGER, is_active=True).order_by(
            "first_name", "username"
        ):  # fmt: skip
            subscription = subscriptions.get(manager.pk)
            who = manager.get_full_name() or manager.username
            for suffix, field, initial in (
                ("active", forms.BooleanField(label=f"{who}: weekly digest", required=False),
                 bool(subscription and subscription.is_active)),
                ("weekday", forms.TypedChoiceField(label=f"{who}: day", choices=WEEKDAYS, coerce=int),
                 subscription.weekday if subscription else 0),
                ("hour", forms.IntegerField(label=f"{who}: hour (0-23, their time zone)", min_value=0,
                                            max_value=23), subscription.hour if subscription else 8),
            ):  # fmt: skip
                field.initial = initial
                self.fields[f"digest_{manager.pk}_{suffix}"] = field
            self.digest_rows.append(
                (manager, [self[f"digest_{manager.pk}_{s}"] for s in ("active", "weekday", "hour")])
            )

    @transaction.atomic
    def save(self) -> dict:
        data, changes = self.cleaned_data, {}
        for name in ("revenue_bps", "revenue_flat"):
            if getattr(self.chosen, name) != data[name]:
                changes[name] = [str(getattr(self.chosen, name)), str(data[name])]
                setattr(self.chosen, name, data[name])
        stages = {}
        for pipeline, _ in self.stage_rows:
            stages[pipeline.kind] = {step: data[f"stage_{pipeline.kind}_{step}"] for step, _ in STEPS}
        before = {
            kind: {step: self.fields[f"stage_{kind}_{step}"].initial for step, _ in STEPS} for kind in stages
        }
        if stages != before:
            changes["funnel_stages"] = [before, stages]
            self.chosen.funnel_stages = stages
            self._mark_every_day_stale()
        self.chosen.save()
        for source, bound in self.fee_rows:
            amount = data[bound.name]
            fee = SourceMonthlyFee.objects.filter(source=source, month=self.month).first()
            old = fee.amount if fee else None
            if amount in (None, Decimal(0)) and fee:
                fee.delete()
            elif amount and old != amount:
                SourceMonthlyFee.objects.update_or_create(
                    source=source, month=self.month, defaults={"amount": amount}
                )
            if (old or None) != (amount or None):
                changes[f"fee {source.name} {self.month:%Y-%m}"] = [str(old or ""), str(amount or "")]
        for manager, _ in self.digest_rows:
            wanted = {key: data[f"digest_{manager.pk}_{key}"] for key in ("weekday", "hour")}
            active = data[f"digest_{manager.pk}_active"]
            subscription = DigestSubscription.objects.filter(user=manager).first()
            old = (
                (subscription.is_active, subscription.weekday, subscription.hour)
                if subscription
                else (False, None, None)
            )
            if not subscription and not active:
                continue
            DigestSubscription.objects.update_or_create(
                user=manager, defaults={"is_active": active, **wanted}
            )
            new = (active, wanted["weekday"], wanted["hour"])
            if old != new:
                changes[f"digest {manager.username}"] = [list(old), list(new)]
        return changes

    def _mark_every_day_stale(self) -> None:
        days = (
            DailyRollup.objects.filter(organisation=self.organisation)
            .values_list("day", flat=True)
            .distinct()
        )
        StaleDay.objects.bulk_create(
            [StaleDay(organisation=self.organisation, day=day) for day in days], ignore_conflicts=True
        )
