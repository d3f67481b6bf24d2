from datetime import UTC, datetime, time, timedelta

from django import forms

from firstcall.accounts.models import AuditEvent, User


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        max_length=4096, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    """A 6-digit authenticator code, or a recovery code (xxxx-xxxx-xxxx-xxxx)."""

    code = forms.CharField(
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        max_length=4096, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=64)
    actor = forms.IntegerField(required=False, min_value=1)
    ip = forms.GenericIPAddressField(required=False)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, events):
        """Apply the valid filters to AuditEvent rows; invalid ones are ignored (and shown as errors)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("actor"):
            events = events.filter(actor_id=data["actor"])
        if data.get("ip"):
            events = events.filter(ip_address=data["ip"])
        # Whole UTC days, as ranges on created_at so the index serves them.
        if data.get("since"):
            events = events.filter(created_at__gte=datetime.combine(data["since"], time.min, tzinfo=UTC))
        if data.get("until"):
            events = events.filter(
                created_at__lt=datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=UTC)
            )
        return events


def audit_action_choices(events) -> list[str]:
    return sorted(set(events.order_by().values_list("action", flat=True).distinct()))


def audit_actor_choices(user: User):
    if user.organisation_id is None:
        return User.objects.filter(pk__in=AuditEvent.objects.exclude(actor=None).values("actor_id")).order_by(
            "username"
        )
    return User.objects.filter(organisation_id=user.organisation_id).order_by("first_name", "username")
