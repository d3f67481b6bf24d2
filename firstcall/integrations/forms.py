from django import forms

from firstcall.integrations.webhooks.services import EVENT_TYPES, SELECTABLE_EVENT_TYPES


class WebhookSubscriptionForm(forms.Form):
    url = forms.URLField(label="Receiver URL", max_length=500, assume_scheme="https",
                         help_text="HTTPS endpoint that receives POSTs. Private and loopback addresses are refused "
                                   "unless the operator allow-lists the host.")  # fmt: skip
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events", widget=forms.CheckboxSelectMultiple,
        choices=[(name, f"{name} — {EVENT_TYPES[name]}") for name in SELECTABLE_EVENT_TYPES],
    )  # fmt: skip
