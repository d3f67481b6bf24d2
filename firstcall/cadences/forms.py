"""Forms for the cadence builder, the template editor and the lead panel. Choices are scoped to the
organisation; validation of texts goes through the same sandbox checks as publishing."""

from django import forms

from firstcall.cadences import editing, templating
from firstcall.cadences.models import Cadence, CadenceStep, CallTask, MessageTemplate
from firstcall.cadences.personalise import MERGE_FIELDS
from firstcall.leads.models import Lead, LeadSource, Stage

SCORE_TIERS = [("hot", "Hot"), ("warm", "Warm"), ("cold", "Cold")]


def _names(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class CommaListField(forms.CharField):
    """A list of short names typed as "en, es"."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return _names(super().to_python(value))


def stage_choices(organisation) -> list[tuple[str, str]]:
    names = (
        Stage.objects.filter(pipeline__organisation=organisation)
        .order_by("position")
        .values_list("name", flat=True)
    )
    return [(name, name) for name in dict.fromkeys(names)]


class CadenceSettingsForm(forms.ModelForm):
    purposes = forms.MultipleChoiceField(
        choices=Lead.Purpose.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    loan_types = forms.MultipleChoiceField(
        choices=Lead.LoanType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    score_tiers = forms.MultipleChoiceField(
        choices=SCORE_TIERS, required=False, widget=forms.CheckboxSelectMultiple
    )
    stages = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple, help_text="Empty: any stage"
    )
    stop_on_stages = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    source_ids = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple, label="Sources"
    )
    languages = CommaListField(required=False, help_text="Language codes, e.g. en, es. Empty: any language")

    class Meta:
        model = Cadence
        fields = list(editing.SETTINGS_FIELDS)  # the same settings the API edits
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        stages = stage_choices(organisation)
        self.fields["stages"].choices = stages
        self.fields["stop_on_stages"].choices = stages
        self.fields["source_ids"].choices = [
            (str(source.pk), source.name) for source in LeadSource.objects.filter(organisation=organisation)
        ]
        if self.instance and self.instance.pk:
            self.initial["source_ids"] = [str(pk) for pk in self.instance.source_ids or []]

    def clean_source_ids(self):
        return [int(pk) for pk in self.cleaned_data["source_ids"]]

    def settings_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StepForm(forms.Form):
    kind = forms.ChoiceField(choices=CadenceStep.Kind.choices)
    template = forms.ModelChoiceField(
        queryset=MessageTemplate.objects.none(),
        required=False,
        help_text="Or leave empty and write the message below",
    )
    subject = forms.CharField(max_length=300, required=False)
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    wait_amount = forms.IntegerField(min_value=0, max_value=3650, required=False)
    wait_unit = forms.ChoiceField(choices=[("", "—"), *CadenceStep.WaitUnit.choices], required=False)
    at_local_time = forms.TimeField(
        required=False, label="At (borrower's time)", widget=forms.TimeInput(attrs={"type": "time"})
    )
    condition_field = forms.ChoiceField(
        choices=[("", "—"), *CadenceStep.ConditionField.choices], required=False
    )
    condition_values = CommaListField(required=False, help_text="Comma-separated, e.g. hot, warm")
    condition_negate = forms.BooleanField(required=False, label="Negate (if NOT)")
    jump_to_key = forms.ChoiceField(choices=(), required=False, label="Then")
    stage_name = forms.ChoiceField(choices=(), required=False)
    notify_by_sms = forms.BooleanField(required=False, label="Also text the owner")

    def __init__(self, *args, organisation, version, step=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.filter(
            organisation=organisation, language="en"
        )
        others = version.steps.exclude(pk=getattr(step, "pk", None)).order_by("position")
        self.fields["jump_to_key"].choices = [("", "End the cadence")] + [
            (other.key, f"Jump to step {other.position + 1} ({other.get_kind_display().lower()})")
            for other in others
        ]
        self.fields["stage_name"].choices = [("", "—"), *stage_choices(organisation)]
        if step is not None:
            self.initial.update({name: getattr(step, name) for name in self.fields if name != "template"})
            self.initial["template"] = step.template_id
        self.step = step

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        template = data.get("template")
        if kind in ("send_sms", "send_email"):
            channel = "sms" if kind == "send_sms" else "email"
            if template is not None and template.channel != channel:
                self.add_error("template", f"Choose a {'text' if channel == 'sms' else 'email'} template.")
            if template is None and not (data.get("body") or "").strip():
                self.add_error("body", "Choose a template or write the message.")
        if kind in ("send_sms", "send_email", "call_task", "notify_owner"):
            for problem in templating.problems(
                f"{data.get('subject') or ''}\n{data.get('body') or ''}", MERGE_FIELDS
            ):
                self.add_error("body", problem)
        if kind == "wait" and not data.get("wait_unit"):
            self.add_error("wait_unit", "Choose how long to wait.")
        if kind == "branch" and not data.get("condition_field"):
            self.add_error("condition_field", "Choose a condition.")
        if kind == "move_stage" and not data.get("stage_name"):
            self.add_error("stage_name", "Choose the stage.")
        return data

    def step_values(self) -> dict:
        data = self.cleaned_data
        template = data.get("template")
        return {
            "kind": data["kind"],
            "template_id": template.pk if template else None,
            "subject": data.get("subject") or "",
            "body": data.get("body") or "",
            "wait_amount": data.get("wait_amount") or 0,
            "wait_unit": data.get("wait_unit") or "",
            "at_local_time": data.get("at_local_time"),
            "condition_field": data.get("condition_field") or "",
            "condition_values": data.get("condition_values") or [],
            "condition_negate": bool(data.get("condition_negate")),
            "jump_to_key": data.get("jump_to_key") or "",
            "stage_name": data.get("stage_name") or "",
            "notify_by_sms": bool(data.get("notify_by_sms")),
        }


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "channel", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def clean(self):
        data = super().clean()
        for problem in templating.problems(
            f"{data.get('subject') or ''}\n{data.get('body') or ''}", MERGE_FIELDS
        ):
            self.add_error("body", problem)
        if data.get("channel") == "email" and not (data.get("subject") or "").strip():
            self.add_error("subject", "An email needs a subject.")
        return data


class EnrolForm(forms.Form):
    cadence = forms.ModelChoiceField(queryset=Cadence.objects.none())
    replace = forms.BooleanField(required=False, label="Replace the lead's current cadence")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadence"].queryset = Cadence.objects.filter(
            organisation=organisation, is_active=True, current_version__isnull=False
        )


class BulkEnrolForm(EnrolForm):
    lead_ids = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Lead ids, comma or space separated"
    )

    def clean_lead_ids(self):
        raw = self.cleaned_data["lead_ids"].replace(",", " ").split()
        if not all(part.isdigit() for part in raw):
            raise forms.ValidationError("Lead ids are numbers.")
        if len(raw) > 1000:
            raise forms.ValidationError("At most 1,000 leads at a time.")
        return [int(part) for part in dict.fromkeys(raw)]


class CallTaskDoneForm(forms.Form):
    outcome = forms.ChoiceField(choices=CallTask.Outcome.choices)
    notes = forms.CharField(required=False, max_length=500)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with an address column (phone or email), optional channel and note")


class LimitsForm(forms.Form):
    max_texts_per_day = forms.IntegerField(
        min_value=1, max_value=50, required=False, help_text="Marketing texts per borrower per 24 hours"
    )
    max_emails_per_week = forms.IntegerField(
        min_value=1, max_value=50, required=False, help_text="Marketing emails per borrower per 7 days"
    )
