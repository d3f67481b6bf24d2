"""The reports' settings form for an organisation's admins: revenue per funded loan (basis points of the amount
and/or a flat amount), which stage counts as contacted, applied, approved and funded in each pipeline (a won
stage and the loan system's word always count as funded), each source's flat fee for the month, and each manager's digest day and hour.
The form only reads: `wanted()` hands what was asked for to reports.services.update_report_settings, which saves
and audits it."""

from datetime import date

from django import forms

from firstcall.accounts.models import User
from firstcall.leads.models import LeadSource, Pipeline, Stage
from firstcall.reports.models import DigestSubscription, SourceMonthlyFee
from firstcall.reports.services import ReportSettingsWanted, current_settings, funnel_stage_names

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
        self.chosen = current_settings(organisation)
        stage_names = funnel_stage_names(organisation, self.chosen)
        self.fields["revenue_bps"].initial = self.chosen.revenue_bps
        self.fields["revenue_flat"].initial = self.chosen.revenue_flat
        self.stage_rows, self.fee_rows, self.digest_rows = [], [], []
        for pipeline in Pipeline.objects.filter(organisation=organisation).order_by("name"):
            names = [s.name for s in pipeline.stages.exclude(outcome=Stage.Outcome.LOST).order_by("position")]
            current = stage_names.get(pipeline.kind, {})
            row = []
            for step, label in STEPS:
                name = f"stage_{pipeline.kind}_{step}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{pipeline.name}: {label}", required=False,
                    choices=[("", "A won stage only" if step == "funded" else "No stage (the step is not counted)")]
                    + [(n, n) for n in names],
                )  # fmt: skip
                self.fields[name].initial = current.get(step, "")
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

    def wanted(self) -> ReportSettingsWanted:
        """What the admin asked for, for reports.services.update_report_settings (the form writes nothing)."""
        data = self.cleaned_data
        return ReportSettingsWanted(
            revenue_bps=data["revenue_bps"], revenue_flat=data["revenue_flat"], month=self.month,
            funnel_stages={pipeline.kind: {step: data[f"stage_{pipeline.kind}_{step}"] for step, _ in STEPS}
                           for pipeline, _ in self.stage_rows},
            fees={source.pk: data[bound.name] for source, bound in self.fee_rows},
            digests={manager.pk: (data[f"digest_{manager.pk}_active"], data[f"digest_{manager.pk}_weekday"],
                                  data[f"digest_{manager.pk}_hour"]) for manager, _ in self.digest_rows},
        )  # fmt: skip
