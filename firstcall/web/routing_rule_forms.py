"""The routing-rule editor's form: conditions as choices (empty = any lead), the people a rule may pick limited
to the organisation's own loan officers (a manager: their teams' loan officers), the team the rule belongs to
(an admin may leave it empty for everyone; a manager picks one of their teams), and the organisation's own
lead sources. The scope is checked again by the service that saves (routing.rule_editing)."""

from django import forms

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, LeadSource
from firstcall.leads.scoring import TIERS
from firstcall.routing import access
from firstcall.routing.models import RoutingRule

US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
).split()


class RoutingRuleForm(forms.ModelForm):
    states = forms.CharField(
        required=False,
        label="Property states",
        help_text="Two-letter codes separated by commas, e.g. FL, GA. Leave empty for every state.",
    )
    loan_types = forms.MultipleChoiceField(
        required=False,
        choices=[c for c in Lead.LoanType.choices if c[0] != Lead.LoanType.NOT_SURE],
        widget=forms.CheckboxSelectMultiple,
        label="Loan types (none ticked: any)",
    )
    purposes = forms.MultipleChoiceField(
        required=False,
        choices=Lead.Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Purposes (none ticked: any)",
    )
    score_tiers = forms.MultipleChoiceField(
        required=False,
        choices=[(tier, tier.title()) for tier in TIERS],
        widget=forms.CheckboxSelectMultiple,
        label="Score tiers (none ticked: any)",
    )
    sources = forms.ModelMultipleChoiceField(
        required=False,
        queryset=LeadSource.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Lead sources (none ticked: any)",
    )

    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "team",
            "is_active",
            "strategy",
            "base_strategy",
            "candidates",
            "fallback_users",
            "language_match",
            "assign_outside_working_hours",
            "fall_through",
            "cascade_offer_minutes",
        ]
        labels = {
            "team": "Team (its loan officers only)",
            "is_active": "Active (a paused rule is skipped)",
            "strategy": "How to choose",
            "base_strategy": "If the returning or referred borrower's officer cannot take it",
            "candidates": "Loan officers (none ticked: every loan officer)",
            "fallback_users": "Fallback loan officers when nobody above is free",
            "language_match": "Borrower's language",
            "assign_outside_working_hours": "Assign outside working hours (for the morning) rather than leave it",
            "fall_through": "When nobody is eligible, try the next rule",
            "cascade_offer_minutes": "Minutes each person has to accept a one-by-one offer",
        }
        widgets = {
            "candidates": forms.CheckboxSelectMultiple,
            "fallback_users": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, organisation, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        officers = User.objects.filter(
            organisation=organisation, role=User.Role.LOAN_OFFICER, is_active=True
        ).order_by("first_name", "last_name", "username")
        teams = access.rule_teams(user)
        self.fields["team"].queryset = teams
        if access.may_edit_org_wide_rules(user):
            self.fields["team"].empty_label = "Whole organisation"
        else:
            self.fields["team"].required = True
            self.fields["team"].empty_label = None
            officers = officers.filter(teams__in=teams).distinct()
        self.fields["candidates"].queryset = officers
        self.fields["fallback_users"].queryset = officers
        self.fields["sources"].queryset = LeadSource.objects.filter(organisation=organisation).order_by(
            "name"
        )
        self.fields["candidates"].help_text = ""
        self.fields["fallback_users"].help_text = ""
        if self.instance.pk and not self.is_bound:
            self.initial.update(
                states=", ".join(self.instance.states or []),
                loan_types=self.instance.loan_types or [],
                purposes=self.instance.purposes or [],
                score_tiers=self.instance.score_tiers or [],
                sources=list(self.fields["sources"].queryset.filter(pk__in=self.instance.source_ids or [])),
            )

    def clean_states(self):
        raw = self.cleaned_data.get("states") or ""
        codes = [
            part.strip().upper()
            for part in raw.replace(";", ",").replace(" ", ",").split(",")
            if part.strip()
        ]
        unknown = [code for code in codes if code not in US_STATES]
        if unknown:
            raise forms.ValidationError(f"Not a state code: {', '.join(unknown)}.")
        return sorted(set(codes))

    def clean_cascade_offer_minutes(self):
        minutes = self.cleaned_data.get("cascade_offer_minutes") or 0
        if not 1 <= minutes <= 120:
            raise forms.ValidationError("Between 1 and 120 minutes.")
        return minutes

    def clean(self):
        data = super().clean()
        if not self.errors:
            problem = access.rule_scope_problem(
                self.user, data.get("team"), list(data["candidates"]), list(data["fallback_users"])
            )
            if problem:
                raise forms.ValidationError(problem)
        return data

    def rule_values(self) -> dict:
        """The cleaned values in the shape the rule stores them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "team_id": data["team"].pk if data["team"] else None,
            "is_active": data["is_active"],
            "strategy": data["strategy"],
            "base_strategy": data["base_strategy"],
            "states": data["states"],
            "loan_types": sorted(data["loan_types"]),
            "purposes": sorted(data["purposes"]),
            "score_tiers": sorted(data["score_tiers"]),
            "source_ids": sorted(source.pk for source in data["sources"]),
            "language_match": data["language_match"],
            "assign_outside_working_hours": data["assign_outside_working_hours"],
            "fall_through": data["fall_through"],
            "cascade_offer_minutes": data["cascade_offer_minutes"],
        }
