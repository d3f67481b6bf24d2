"""Forms of the admin settings pages (/settings/). They validate and turn typed text into the JSON shapes the
models store (weekly hours, the escalation ladder, state and language lists)."""

import re
from zoneinfo import available_timezones

import holidays as holidays_package
import phonenumbers
from django import forms
from django.contrib.auth.password_validation import validate_password

from firstcall.accounts.models import Organisation, Team, User
from firstcall.compliance.services import source_requires_consent_token
from firstcall.leads.models import Channel, Lead, LeadSource
from firstcall.lib.geography import US_STATES
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.routing.services import DEFAULT_BUSINESS_HOURS

WEEKDAYS = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
]
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
ESCALATION_ACTIONS = [
    ("", "—"),
    ("realert", "Alert the owner again"),
    ("reassign", "Offer to the next loan officer (the owner keeps it until someone accepts)"),
    ("notify_manager", "Tell the managers"),
]
LADDER_ROWS = 4


def _time_zone_choices():
    zones = sorted(
        zone for zone in available_timezones() if zone.startswith(("America/", "Pacific/Honolulu", "UTC"))
    )
    return [(zone, zone) for zone in zones]


class WeeklyHoursMixin:
    """Adds <prefix>_<day>_open/close time fields; `weekly_hours()` gives {"mon": ["09:00", "18:00"], ...}."""

    hours_prefix = "hours"
    hours_label = "Hours"

    def add_hours_fields(self, current: dict) -> None:
        for day, label in WEEKDAYS:
            window = (current or {}).get(day) or ["", ""]
            for index, end in enumerate(("open", "close")):
                name = f"{self.hours_prefix}_{day}_{end}"
                self.fields[name] = forms.TimeField(
                    required=False,
                    widget=TIME_INPUT,
                    label=f"{label} {'opens' if end == 'open' else 'closes'}",
                )
                self.initial.setdefault(name, window[index] if len(window) > index else "")

    def hours_rows(self):
        return [
            (label, self[f"{self.hours_prefix}_{day}_open"], self[f"{self.hours_prefix}_{day}_close"])
            for day, label in WEEKDAYS
        ]

    def clean_hours(self, cleaned) -> dict:
        weekly = {}
        for day, label in WEEKDAYS:
            opens = cleaned.get(f"{self.hours_prefix}_{day}_open")
            closes = cleaned.get(f"{self.hours_prefix}_{day}_close")
            if opens is None and closes is None:
                continue
            if opens is None or closes is None:
                self.add_error(
                    f"{self.hours_prefix}_{day}_open", f"{label}: give both times, or neither (closed)."
                )
                continue
            if closes <= opens:
                self.add_error(f"{self.hours_prefix}_{day}_close", f"{label}: closing must be after opening.")
                continue
            weekly[day] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
        return weekly


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text or "") if part.strip()]


class UserForm(WeeklyHoursMixin, forms.ModelForm):
    hours_prefix = "work"
    licensed_states = forms.CharField(
        required=False, label="Licensed states", help_text="Two-letter codes, e.g. FL, GA, TX"
    )
    languages = forms.CharField(required=False, help_text="Language codes, e.g. en, es")
    loan_types = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked means every loan type.",
        choices=[(value, label) for value, label in Lead.LoanType.choices if value != Lead.LoanType.NOT_SURE],
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Member of"
    )
    managed_teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Manages"
    )
    time_zone = forms.ChoiceField(choices=_time_zone_choices)
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        label="Initial password",
        help_text="They sign in with it, then set up two-factor.",
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "role",
            "is_active",
            "teams",
            "managed_teams",
            "nmls_id",
            "licensed_states",
            "loan_types",
            "languages",
            "time_zone",
            "accepts_leads",
            "is_out_of_office",
            "daily_lead_cap",
            "open_lead_capacity",
            "routing_weight",
            "preferred_loan_officer",
        ]

    def clean_nmls_id(self):
        return clean_nmls(self.cleaned_data.get("nmls_id"))

    def __init__(self, *args, organisation: Organisation, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation, self.creating = organisation, creating
        teams = Team.objects.filter(organisation=organisation).order_by("name")
        self.fields["teams"].queryset = teams
        self.fields["managed_teams"].queryset = teams
        officers = User.objects.filter(organisation=organisation, role=User.Role.LOAN_OFFICER, is_active=True)
        self.fields["preferred_loan_officer"].queryset = officers
        self.fields["preferred_loan_officer"].help_text = "For referral partners: who their referrals go to."
        self.fields["email"].required = True
        if creating:
            self.fields["password"].required = True
        else:
            del self.fields["password"]
            self.fields["username"].disabled = True
            self.initial["licensed_states"] = ", ".join(self.instance.licensed_states or [])
            self.initial["languages"] = ", ".join(self.instance.languages or [])
        self.add_hours_fields(self.instance.working_hours if not creating else {})

    def clean_licensed_states(self):
        states = [state.upper() for state in _split_list(self.cleaned_data["licensed_states"])]
        unknown = [state for state in states if state not in US_STATES]
        if unknown:
            raise forms.ValidationError(f"Not a US state code: {', '.join(unknown)}")
        return sorted(set(states))

    def clean_languages(self):
        languages = [code.lower() for code in _split_list(self.cleaned_data["languages"])]
        wrong = [code for code in languages if not LANGUAGE_CODE.match(code)]
        if wrong:
            raise forms.ValidationError(f"Not a language code: {', '.join(wrong)}")
        return list(dict.fromkeys(languages))

    def clean_phone(self):
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            return normalise_phone(raw)
        except InvalidPhone as error:
            raise forms.ValidationError("Not a phone number we can text.") from error

    def clean_routing_weight(self):
        weight = self.cleaned_data["routing_weight"]
        if weight < 1 or weight > 100:
            raise forms.ValidationError("Between 1 and 100.")
        return weight

    def clean(self):
        cleaned = super().clean()
        cleaned["working_hours"] = self.clean_hours(cleaned)
        if self.creating and cleaned.get("password"):
            probe = User(
                username=cleaned.get("username") or "",
                email=cleaned.get("email") or "",
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
            )
            try:
                validate_password(cleaned["password"], probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = Team.objects.filter(organisation=self.organisation, name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if clash.exists():
            raise forms.ValidationError("There is already a team with that name.")
        return name


class SlaForm(WeeklyHoursMixin, forms.ModelForm):
    hours_prefix = "business"

    class Meta:
        model = Organisation
        fields = ["sla_minutes", "holiday_country", "holiday_subdivision"]
        labels = {
            "sla_minutes": "Respond within (business minutes)",
            "holiday_country": "Holidays of (country code)",
            "holiday_subdivision": "State or region (optional)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Hours as the response clock enforces them: the defaults, visibly, until the organisation sets its own.
        self.uses_default_hours = not self.instance.business_hours
        self.add_hours_fields(self.instance.business_hours or DEFAULT_BUSINESS_HOURS)
        ladder = self.instance.sla_escalation or []
        for index in range(LADDER_ROWS):
            step = ladder[index] if index < len(ladder) and isinstance(ladder[index], dict) else {}
            self.fields[f"step_{index}_after"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=7 * 24 * 60,
                label=f"Step {index + 1}: minutes after the deadline",
            )
            self.fields[f"step_{index}_action"] = forms.ChoiceField(
                required=False, choices=ESCALATION_ACTIONS, label=f"Step {index + 1}: then"
            )
            self.initial.setdefault(f"step_{index}_after", step.get("after_minutes", ""))
            self.initial.setdefault(f"step_{index}_action", step.get("action", ""))

    def ladder_rows(self):
        return [
            (index + 1, self[f"step_{index}_after"], self[f"step_{index}_action"])
            for index in range(LADDER_ROWS)
        ]

    def clean_sla_minutes(self):
        minutes = self.cleaned_data["sla_minutes"]
        if not 1 <= minutes <= 24 * 60:
            raise forms.ValidationError("Between 1 minute and 24 hours.")
        return minutes

    def clean_holiday_country(self):
        return (self.cleaned_data.get("holiday_country") or "").strip().upper()

    def clean_holiday_subdivision(self):
        return (self.cleaned_data.get("holiday_subdivision") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        cleaned["business_hours"] = self.clean_hours(cleaned)
        if not cleaned["business_hours"] and not self.errors:
            self.add_error(None, "Open at least one day: the response clock only runs in business hours.")
        country, subdivision = cleaned.get("holiday_country"), cleaned.get("holiday_subdivision")
        if country:
            try:
                holidays_package.country_holidays(country, subdiv=subdivision or None, years=2026)
            except (NotImplementedError, KeyError):
                self.add_error(
                    "holiday_country", f"No holiday calendar for {country} {subdivision or ''}".strip()
                )
        ladder, previous = [], -1
        for index in range(LADDER_ROWS):
            after, action = cleaned.get(f"step_{index}_after"), cleaned.get(f"step_{index}_action")
            if not action:
                continue
            after = after or 0
            if after < previous:
                self.add_error(f"step_{index}_after", "Steps must come in order of minutes.")
            previous = after
            ladder.append({"after_minutes": after, "action": action})
        cleaned["sla_escalation"] = ladder
        return cleaned


class ComplianceForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "default_consent_text",
            "postal_address",
            "help_text",
            "sms_from_number",
            "first_touch_enabled",
        ]
        labels = {
            "default_consent_text": "Consent disclosure shown on forms",
            "postal_address": "Postal address (in every marketing email)",
            "help_text": "Answer to a HELP text",
            "sms_from_number": "Texting number",
            "first_touch_enabled": "Send an automatic first text or email to new leads",
        }
        widgets = {"default_consent_text": forms.Textarea(attrs={"rows": 6})}

    def clean_default_consent_text(self):
        text = self.cleaned_data["default_consent_text"].strip()
        # The FCC's one-to-one consent rule and the TCPA want the seller named and opt-out explained.
        if "{org}" not in text and self.instance.name not in text:
            raise forms.ValidationError("Name the company: write {org} where the organisation's name goes.")
        if "stop" not in text.casefold():
            raise forms.ValidationError(
                "Tell the borrower how to opt out (for example 'Reply STOP to opt out')."
            )
        return text

    def clean_help_text(self):
        text = self.cleaned_data["help_text"].strip()
        if "stop" not in text.casefold():
            raise forms.ValidationError("A HELP answer says how to opt out (CTIA): include 'Reply STOP'.")
        return text

    def clean_sms_from_number(self):
        raw = (self.cleaned_data.get("sms_from_number") or "").strip()
        if not raw:
            return ""
        try:
            number = normalise_phone(raw)
        except InvalidPhone as error:
            raise forms.ValidationError("Not a phone number.") from error
        if Organisation.objects.filter(sms_from_number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another organisation texts from that number.")
        return number

    def clean_postal_address(self):
        address = self.cleaned_data["postal_address"].strip()
        if not address:
            raise forms.ValidationError("CAN-SPAM requires a valid postal address in marketing email.")
        return address


def clean_nmls(value: str) -> str:
    """An NMLS unique identifier is a number (nmlsconsumeraccess.org); spaces and a leading '#' are dropped."""
    value = (value or "").strip().lstrip("#").replace(" ", "")
    if value and not (value.isdigit() and len(value) <= 12):
        raise forms.ValidationError("An NMLS ID is a number of up to 12 digits.")
    return value


class OrganisationForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=_time_zone_choices)

    class Meta:
        model = Organisation
        fields = [
            "name",
            "nmls_id",
            "privacy_policy_url",
            "time_zone",
            "reopen_closed_leads",
            "require_two_factor_for_everyone",
        ]
        labels = {
            "nmls_id": "Company NMLS ID (in every marketing message)",
            "reopen_closed_leads": "A returning borrower reopens their closed or lost lead",
            "require_two_factor_for_everyone": (
                "Everyone needs two-factor sign-in (admins and managers always do)"
            ),
        }

    def clean_nmls_id(self):
        return clean_nmls(self.cleaned_data.get("nmls_id"))


class ProfileForm(forms.ModelForm):
    """What a loan officer keeps up to date about themselves: the NMLS ID every marketing message carries."""

    class Meta:
        model = User
        fields = ["nmls_id"]
        labels = {"nmls_id": "Your NMLS ID (in every marketing message sent for you)"}

    def clean_nmls_id(self):
        return clean_nmls(self.cleaned_data.get("nmls_id"))


class BookingProfileForm(WeeklyHoursMixin, forms.Form):
    """A loan officer's public booking page: their working hours, whether borrowers may book, how long a call is,
    the quiet time kept around each call, how much notice a booking needs and how far ahead it may be."""

    hours_prefix = "work"

    def __init__(self, *args, working_hours=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_hours_fields(working_hours or {})

    def clean(self):
        cleaned = super().clean()
        cleaned["working_hours"] = self.clean_hours(cleaned)
        return cleaned

    is_enabled = forms.BooleanField(required=False, label="Borrowers may book calls with me")
    meeting_minutes = forms.IntegerField(min_value=10, max_value=120, label="Length of a call (minutes)")
    buffer_before_minutes = forms.IntegerField(
        min_value=0, max_value=120, label="Free time before each call (minutes)"
    )
    buffer_after_minutes = forms.IntegerField(
        min_value=0, max_value=120, label="Free time after each call (minutes)"
    )
    minimum_notice_minutes = forms.IntegerField(
        min_value=0, max_value=7 * 24 * 60, label="Notice a booking needs (minutes)"
    )
    horizon_days = forms.IntegerField(
        min_value=1, max_value=60, label="How far ahead borrowers may book (days)"
    )


def _phone_region_choices() -> list[tuple[str, str]]:
    # Every region libphonenumber can parse, shown with its calling code; the United States first.
    regions = sorted(phonenumbers.SUPPORTED_REGIONS - {"US"})
    return [("US", "US (+1)")] + [
        (region, f"{region} (+{phonenumbers.country_code_for_region(region)})") for region in regions
    ]


class LeadSourceForm(forms.ModelForm):
    default_region = forms.ChoiceField(
        choices=_phone_region_choices,
        required=False,
        label="Country of phone numbers sent without a country code",
        help_text="A number such as (813) 555-0142 is read in this country; numbers with + are read as written.",
    )

    class Meta:
        model = LeadSource
        fields = [
            "name",
            "vendor",
            "cost_per_lead",
            "quality_score",
            "is_active",
            "consent_text",
            "form_title",
            "thank_you_message",
            "default_region",
        ]
        widgets = {
            "consent_text": forms.Textarea(attrs={"rows": 3}),
            "thank_you_message": forms.Textarea(attrs={"rows": 2}),
        }

    requires_consent_token = forms.BooleanField(
        required=False,
        label="Text automatically only leads that carry a TrustedForm or Jornaya LeadiD certificate",
        help_text="Leads without one are still captured and routed; a person contacts them first.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["requires_consent_token"].initial = source_requires_consent_token(self.instance.pk)

    def clean_default_region(self):
        # Left out of a form posted by an older page: the source keeps its region.
        return self.cleaned_data.get("default_region") or self.instance.default_region or "US"

    def clean_quality_score(self):
        score = self.cleaned_data.get("quality_score")
        if score is not None and score > 100:
            raise forms.ValidationError("0 to 100.")
        return score


class NewLeadSourceForm(forms.Form):
    name = forms.CharField(max_length=120)
    channel = forms.ChoiceField(
        choices=[
            (value, label) for value, label in Channel.choices if value not in (Channel.MANUAL, Channel.EMAIL)
        ]
    )
    vendor = forms.CharField(max_length=120, required=False)
    cost_per_lead = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False)
