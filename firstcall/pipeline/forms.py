"""Forms of the workspace pages: filters (board and list), a stage move, bulk actions, saved views.

Choice lists are loaded once per form with one query each (ChoiceField over plain tuples), so rendering and
validating a form costs the same few queries however many leads or people the organisation has.
"""

from urllib.parse import urlencode

from django import forms

from firstcall.accounts.models import Team, User
from firstcall.leads.models import Lead, LeadSource, Pipeline, Stage
from firstcall.pipeline.board import SCORE_TIERS

# Suggestions only: any short reason is accepted.
LOST_REASONS = [
    "Went with another lender",
    "Not qualified right now",
    "Stopped responding",
    "Just shopping rates",
    "Bought later / not ready",
    "Duplicate",
]
STATUS_CHOICES = [("", "Any status"), ("open", "Open"), ("won", "Closed (won)"), ("lost", "Lost")]
SLA_CHOICES = [
    ("", "Any"),
    ("waiting", "Waiting for first contact"),
    ("pending", "Clock running"),
    ("met", "Met"),
    ("breached", "Breached"),
]
SORT_CHOICES = [
    ("newest", "Newest first"),
    ("oldest", "Oldest first"),
    ("respond_by", "Respond by (soonest)"),
    ("score", "Score (highest)"),
    ("amount", "Loan amount (largest)"),
    ("name", "Last name"),
    ("updated", "Recently updated"),
]
FILTER_FIELDS = [
    "q",
    "pipeline",
    "stage",
    "status",
    "owner",
    "team",
    "source",
    "loan_type",
    "score_tier",
    "sla",
    "created_from",
    "created_to",
    "sort",
]


def officers_of(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(organisation_id=organisation_id, role=User.Role.LOAN_OFFICER, is_active=True)
        .only("id", "username", "first_name", "last_name")
        .order_by("first_name", "last_name", "username")
    )


class DateInput(forms.DateInput):
    input_type = "date"


class LeadFilterForm(forms.Form):
    """GET filters. Board: owner, team, source, loan type, score tier, created dates. The list adds search,
    pipeline, stage, status, SLA and sort (`for_list=True`)."""

    q = forms.CharField(label="Search name, email or phone", max_length=100, required=False)
    pipeline = forms.ChoiceField(label="Pipeline", required=False)
    stage = forms.ChoiceField(label="Stage", required=False)
    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)
    owner = forms.ChoiceField(label="Owner", required=False)
    team = forms.ChoiceField(label="Team", required=False)
    source = forms.ChoiceField(label="Source", required=False)
    loan_type = forms.ChoiceField(
        label="Loan type", choices=[("", "Any loan type"), *Lead.LoanType.choices], required=False
    )
    score_tier = forms.ChoiceField(label="Score", choices=[("", "Any score"), *SCORE_TIERS], required=False)
    sla = forms.ChoiceField(label="Speed to lead", choices=SLA_CHOICES, required=False)
    created_from = forms.DateField(label="Received from", required=False, widget=DateInput)
    created_to = forms.DateField(label="Received to", required=False, widget=DateInput)
    sort = forms.ChoiceField(label="Sort", choices=SORT_CHOICES, required=False)

    def __init__(self, data, *, user: User, for_list: bool = False):
        super().__init__(data)
        organisation_id = user.organisation_id
        self.officers = {str(person.pk): person for person in officers_of(organisation_id)}
        self.fields["owner"].choices = [
            ("", "Anyone"),
            ("none", "Unassigned"),
            *((key, str(person)) for key, person in self.officers.items()),
        ]
        self.teams = {str(team.pk): team for team in Team.objects.filter(organisation_id=organisation_id)}
        self.fields["team"].choices = [
            ("", "Any team"),
            *((key, team.name) for key, team in self.teams.items()),
        ]
        self.sources = {
            str(source.pk): source
            for source in LeadSource.objects.filter(organisation_id=organisation_id).only("id", "name")
        }
        self.fields["source"].choices = [
            ("", "Any source"),
            *((key, source.name) for key, source in self.sources.items()),
        ]
        self.for_list = for_list
        if for_list:
            self.pipelines = {
                str(pipeline.pk): pipeline
                for pipeline in Pipeline.objects.filter(organisation_id=organisation_id)
            }
            self.fields["pipeline"].choices = [
                ("", "All pipelines"),
                *((key, pipeline.name) for key, pipeline in self.pipelines.items()),
            ]
            stages = Stage.objects.filter(pipeline__organisation_id=organisation_id).select_related(
                "pipeline"
            )
            self.stages = {
                str(stage.pk): stage for stage in stages.order_by("pipeline__position", "position")
            }
            grouped: dict[str, list] = {}
            for key, stage in self.stages.items():
                grouped.setdefault(stage.pipeline.name, []).append((key, stage.name))
            self.fields["stage"].choices = [("", "Any stage"), *grouped.items()]
        else:
            for name in ("q", "pipeline", "stage", "status", "sla", "sort"):
                del self.fields[name]
            self.pipelines, self.stages = {}, {}
        self._drop_what_the_role_is_not_shown(user)

    def _drop_what_the_role_is_not_shown(self, user: User) -> None:
        """A role that is not shown a lead's source, score or response clock (firstcall/leads/allow_lists.py)
        cannot filter or sort by them either, so they cannot be read back from the order of a list."""
        from firstcall.leads.allow_lists import shows

        hidden_sorts = set()
        for name, fact, sorts in (("source", "source", ()), ("score_tier", "score", ("score",)),
                                  ("sla", "response_clock", ("respond_by",))):  # fmt: skip
            if not shows(user, fact):
                self.fields.pop(name, None)
                hidden_sorts.update(sorts)
        if hidden_sorts and "sort" in self.fields:
            self.fields["sort"].choices = [c for c in self.fields["sort"].choices if c[0] not in hidden_sorts]

    def _pick(self, name: str, table: dict):
        key = self.cleaned_data.get(name)
        if key == "none" and name == "owner":
            return "none"
        return table.get(key) if key else None

    def clean_owner(self):
        return self._pick("owner", self.officers)

    def clean_team(self):
        return self._pick("team", self.teams)

    def clean_source(self):
        return self._pick("source", self.sources)

    def clean_pipeline(self):
        return self._pick("pipeline", self.pipelines)

    def clean_stage(self):
        return self._pick("stage", self.stages)

    def clean_q(self):
        return " ".join(self.cleaned_data.get("q", "").split())

    def filters(self) -> dict:
        """The valid filters; an invalid field is ignored rather than failing the whole page."""
        if self.is_bound:
            self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}

    def query_string(self, **overrides) -> str:
        """The filters as they were typed (valid ones only), for links that keep them (pages, saved views)."""
        values = {}
        cleaned = self.filters()
        for name in self.fields:
            if name in cleaned and self.data.get(name):
                values[name] = self.data.get(name)
        values.update({key: value for key, value in overrides.items() if value})
        return urlencode(values)

    @property
    def active_count(self) -> int:
        return sum(1 for name in self.filters() if name not in ("sort", "q"))


def clean_query_string(query: str, user: User) -> str:
    """A saved view keeps only known, valid list filters, re-encoded (never arbitrary text)."""
    from django.http import QueryDict

    form = LeadFilterForm(QueryDict(query or ""), user=user, for_list=True)
    return form.query_string()


class MoveStageForm(forms.Form):
    stage = forms.ChoiceField(label="Move to")
    lost_reason = forms.CharField(label="Why was it lost?", max_length=200, required=False)

    def __init__(self, data=None, *, stages: list[Stage], **kwargs):
        super().__init__(data, **kwargs)
        self.stage_table = {str(stage.pk): stage for stage in stages}
        self.fields["stage"].choices = [(key, stage.name) for key, stage in self.stage_table.items()]

    def clean_stage(self) -> Stage:
        return self.stage_table[self.cleaned_data["stage"]]


class IdListField(forms.Field):
    """Many `lead` checkboxes of one form, as a list of integers (at most MAX)."""

    MAX = 500
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            ids = sorted({int(item) for item in value})
        except (TypeError, ValueError) as error:
            raise forms.ValidationError("Invalid lead selection.") from error
        if len(ids) > self.MAX:
            raise forms.ValidationError(f"Choose at most {self.MAX} leads at once.")
        return ids


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("assign", "Assign to"),
        ("enrol", "Enrol in cadence"),
        ("stage", "Change stage"),
        ("export", "Export CSV"),
    ]

    action = forms.ChoiceField(label="Action", choices=ACTIONS)
    lead = IdListField(label="Leads", required=False)
    everything = forms.BooleanField(required=False)
    owner = forms.ChoiceField(label="Loan officer", required=False)
    cadence = forms.ChoiceField(label="Cadence", required=False)
    stage = forms.ChoiceField(label="Stage", required=False)
    lost_reason = forms.CharField(label="Lost reason", max_length=200, required=False)
    reason = forms.CharField(label="Reason", max_length=200, required=False)

    def __init__(self, data=None, *, user: User, officers=None, cadences=None, stages=None, **kwargs):
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(data, **kwargs)
        self.officers = {str(person.pk): person for person in (officers or [])}
        self.cadences = {str(cadence.pk): cadence for cadence in (cadences or [])}
        self.stages = {str(stage.pk): stage for stage in (stages or [])}
        self.fields["owner"].choices = [("", "Choose…"), *((k, str(v)) for k, v in self.officers.items())]
        self.fields["cadence"].choices = [("", "Choose…"), *((k, v.name) for k, v in self.cadences.items())]
        grouped: dict[str, list] = {}
        for key, stage in self.stages.items():
            grouped.setdefault(stage.pipeline.name, []).append((key, stage.name))
        self.fields["stage"].choices = [("", "Choose…"), *grouped.items()]

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        needed = {"assign": "owner", "enrol": "cadence", "stage": "stage"}.get(action)
        if needed and not cleaned.get(needed):
            self.add_error(needed, "Choose one.")
        if action != "export" and not cleaned.get("lead"):
            self.add_error("lead", "Select at least one lead.")
        for name, table in (("owner", self.officers), ("cadence", self.cadences), ("stage", self.stages)):
            if cleaned.get(name):
                cleaned[name] = table[cleaned[name]]
        return cleaned


class SavedViewForm(forms.Form):
    name = forms.CharField(label="Name this view", max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
