"""The calculator's answers, checked. Names are LeadSubmission's where one exists, so the same post becomes
the lead; money fields and choices are eligibility's."""

from django import forms

from firstcall.eligibility.forms import (
    ANSWERS_AS_CLEANED,
    CALCULATOR_PROPERTY_TYPES,
    MAX_HOUSEHOLD,
    YES_NO,
    MoneyField,
)
from firstcall.intake.web_form.fields import CREDIT_BAND_CHOICES
from firstcall.lib.geography import InvalidZip, lookup_zip


class CalculatorForm(forms.Form):
    """What a borrower can answer without a loan officer. Names are LeadSubmission's where one exists, so the
    same post becomes the lead."""

    zip = forms.CharField(max_length=10)
    purchase_price = MoneyField(required=True)
    down_payment = MoneyField(required=True)
    credit_band = forms.ChoiceField(choices=CREDIT_BAND_CHOICES)
    annual_income = MoneyField(required=True)
    monthly_debts = MoneyField(required=True)
    veteran = forms.ChoiceField(choices=YES_NO)
    first_time_buyer = forms.ChoiceField(choices=YES_NO)
    household_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_HOUSEHOLD)
    property_type = forms.ChoiceField(choices=CALCULATOR_PROPERTY_TYPES, required=False)
    monthly_hoa = MoneyField()

    error_messages_by_field = {
        "zip": "Enter the 5-digit ZIP code of the home.",
        "purchase_price": "Enter the home price, for example 350,000.",
        "down_payment": "Enter your down payment in dollars (0 if none).",
        "credit_band": "Choose the range your credit score is in.",
        "annual_income": "Enter your household's yearly income before taxes.",
        "monthly_debts": "Enter your monthly debt payments (0 if none).",
        "veteran": "Answer yes or no.",
        "first_time_buyer": "Answer yes or no.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.error_messages_by_field.items():
            self.fields[name].error_messages["required"] = message
            self.fields[name].error_messages["invalid_choice"] = message

    def clean_zip(self):
        text = self.cleaned_data["zip"].strip()
        try:
            return lookup_zip(text).zip_code
        except InvalidZip as error:
            raise forms.ValidationError(str(error)) from error

    def clean_purchase_price(self):
        price = self.cleaned_data["purchase_price"]
        if price is not None and price <= 0:
            raise forms.ValidationError("Enter the home price, for example 350,000.")
        return price

    def clean(self):
        cleaned = super().clean()
        price, down = cleaned.get("purchase_price"), cleaned.get("down_payment")
        if price and down is not None and down >= price:
            self.add_error(
                "down_payment", "The down payment must be less than the price: then you need a loan."
            )
        income, debts = cleaned.get("annual_income"), cleaned.get("monthly_debts")
        if income is not None and debts is not None and debts * 12 >= income:
            # The assessment refuses debts that are not below income (usually a yearly figure given monthly).
            self.add_error(
                "monthly_debts",
                "Enter your monthly debt payments; they must be less than your monthly income.",
            )
        return cleaned

    def answers(self) -> dict:
        """The cleaned answers in the shape scenario_from_lead.calculator_scenario takes."""
        data = self.cleaned_data
        return {
            **{name: data[name] for name in ANSWERS_AS_CLEANED},
            "veteran": data["veteran"] == "yes",
            "first_time_buyer": data["first_time_buyer"] == "yes",
            "property_type": data.get("property_type") or "single_family",
        }
