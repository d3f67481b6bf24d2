"""Forms of the lead page and the tasks page. They validate and normalise; services do the work."""

import re

from django import forms

from firstcall.flows.loan_officer_calls import MAX_CALL_NOTES
from firstcall.leads.models import Lead
from firstcall.leads.timeline import CallOutcome
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.geography import InvalidZip, lookup_zip
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.pipeline.lead_editing import EDITABLE_FIELDS
from firstcall.pipeline.models import Task
from firstcall.pipeline.notes import MAX_NOTE_LENGTH

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SEND_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class PrefixedIds:
    """Several forms share the lead page: each gets its own id prefix so labels point at the right box."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class LogCallForm(PrefixedIds, forms.Form):
    id_prefix = "call"
    outcome = forms.ChoiceField(choices=CallOutcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(
        required=False, max_length=MAX_CALL_NOTES, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(PrefixedIds, forms.Form):
    id_prefix = "note"
    body = forms.CharField(
        label="Note",
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Mention a teammate with @username to alert them.",
    )


class ComposeForm(PrefixedIds, forms.Form):
    id_prefix = "compose"
    channel = forms.ChoiceField(choices=[("sms", "Text"), ("email", "Email")])
    subject = forms.CharField(required=False, max_length=300)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}))
    send_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_send_key(self):
        key = self.cleaned_data.get("send_key") or ""
        return key if SEND_KEY.match(key) else ""


class TaskForm(PrefixedIds, forms.Form):
    id_prefix = "task"
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Task.Kind.choices, initial=Task.Kind.FOLLOW_UP)
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    due_at = forms.DateTimeField(label="Due", required=False, widget=DATETIME_INPUT)
    notes = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    lead = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.username


class TaskUpdateForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody")
    due_at = forms.DateTimeField(label="Due", required=False, widget=DATETIME_INPUT)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda user: user.get_full_name() or user.username


class CallTaskDoneForm(forms.Form):
    outcome = forms.ChoiceField(choices=[])
    notes = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        from firstcall.cadences.models import CallTask

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = CallTask.Outcome.choices


YES_NO_UNKNOWN = [("", "Unknown"), ("true", "Yes"), ("false", "No")]


def _yes_no(value):
    return {"true": True, "false": False}.get(value)


class LeadEditForm(forms.ModelForm):
    """The borrower's details and scenario. Values are normalised here the way capture normalises them."""

    annual_income = forms.DecimalField(required=False, min_value=0, max_digits=12, decimal_places=2)
    monthly_debts = forms.DecimalField(required=False, min_value=0, max_digits=12, decimal_places=2)
    first_time_buyer = forms.TypedChoiceField(
        choices=YES_NO_UNKNOWN, coerce=_yes_no, empty_value=None, required=False, label="First-time buyer"
    )
    veteran = forms.TypedChoiceField(choices=YES_NO_UNKNOWN, coerce=_yes_no, empty_value=None, required=False)
    has_real_estate_agent = forms.TypedChoiceField(
        choices=YES_NO_UNKNOWN,
        coerce=_yes_no,
        empty_value=None,
        required=False,
        label="Has a real estate agent",
    )
    credit_score_low = forms.IntegerField(
        required=False, min_value=300, max_value=850, label="Credit score (low)"
    )
    credit_score_high = forms.IntegerField(
        required=False, min_value=300, max_value=850, label="Credit score (high)"
    )
    reason = forms.CharField(required=False, max_length=300, label="Why (shown on the timeline)")

    class Meta:
        model = Lead
        fields = EDITABLE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # ModelForm validation writes cleaned values onto the instance; keep what the lead held before.
        self.original = {name: getattr(self.instance, name) for name in EDITABLE_FIELDS}
        for name in ("first_time_buyer", "veteran", "has_real_estate_agent"):
            value = getattr(self.instance, name)
            self.initial[name] = "" if value is None else ("true" if value else "false")
        for name in ("purpose", "property_type", "property_use", "employment_type"):
            self.fields[name].required = False
        for name in ("purchase_price", "property_value", "down_payment", "loan_balance"):
            self.fields[name].min_value = 0
            self.fields[name].widget.attrs["min"] = "0"
        self.fields["phone"].label = "Mobile number"
        self.fields[
            "phone"
        ].help_text = (
            "Changing the number ends text and call consent: the borrower agreed for the old number."
        )
        self.fields["email"].help_text = "Changing the email ends email consent for the same reason."
        self.fields["zip_code"].label = "ZIP code"

    def clean_phone(self):
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            return normalise_phone(raw)
        except InvalidPhone as error:
            raise forms.ValidationError(
                str(error) or "That is not a phone number we can text or call."
            ) from error

    def clean_email(self):
        raw = (self.cleaned_data.get("email") or "").strip()
        if not raw:
            return ""
        try:
            return normalise_email(raw)
        except InvalidEmail as error:
            raise forms.ValidationError(str(error) or "That is not an email address.") from error

    def clean_zip_code(self):
        raw = (self.cleaned_data.get("zip_code") or "").strip()
        if not raw:
            return ""
        try:
            return lookup_zip(raw).zip_code
        except InvalidZip as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("credit_score_low"), cleaned.get("credit_score_high")
        if low and high and low > high:
            self.add_error("credit_score_high", "The high end must be at least the low end.")
        if low and not high:
            cleaned["credit_score_high"] = low
        return cleaned

    def changed_values(self) -> dict:
        """Only the fields whose value differs from the lead's: the service logs exactly these."""
        values = {}
        for name in EDITABLE_FIELDS:
            value = self.cleaned_data.get(name)
            if value is None and isinstance(self.original[name], str):
                value = ""
            if value != self.original[name]:
                values[name] = value
        return values
