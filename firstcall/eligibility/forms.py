"""The two HTML forms of eligibility: the loan officer's what-if form on the lead page, and the borrower's
pre-qualification calculator. Both only check types and shapes; the engine judges the scenario itself (a
credit score of 900 is the engine's "invalid, refer", named in the result, not a form error)."""

from decimal import Decimal, InvalidOperation

from django import forms

from firstcall.lib.money import InvalidMoney, parse_money

YES_NO_UNKNOWN = [("", "Unknown"), ("yes", "Yes"), ("no", "No")]
YES_NO = [("yes", "Yes"), ("no", "No")]
PURPOSES = [("", "—"), ("purchase", "Purchase"), ("rate_term_refinance", "Rate/term refinance"),
            ("cash_out_refinance", "Cash-out refinance")]  # fmt: skip
OCCUPANCIES = [("", "—"), ("primary", "Primary residence"), ("second_home", "Second home"),
               ("investment", "Investment")]  # fmt: skip
PROPERTY_TYPES = [("", "—"), ("single_family", "Single family"), ("condo", "Condo"),
                  ("townhouse", "Townhouse"), ("manufactured", "Manufactured"),
                  ("multi_family", "2-4 units")]  # fmt: skip
UNITS = [("", "—"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]
EVENT_TYPES = [("", "None"), ("chapter_7_bankruptcy", "Chapter 7 bankruptcy"),
               ("chapter_13_bankruptcy", "Chapter 13 bankruptcy"), ("foreclosure", "Foreclosure"),
               ("short_sale", "Short sale"), ("deed_in_lieu", "Deed-in-lieu")]  # fmt: skip
EVENT_ROWS = (1, 2)


class _TextNumberField(forms.CharField):
    """Typed as text (so "$350,000" and "6.5%" are fine), converted to a Decimal; the length is checked on the
    text, before conversion (CharField's own max_length validator would run on the Decimal)."""

    def __init__(self, *, max_length: int = 30, **kwargs):
        kwargs.setdefault("required", False)
        self.text_max_length = max_length
        super().__init__(**kwargs)
        self.widget.attrs.update({"maxlength": str(max_length), "inputmode": "decimal"})

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > self.text_max_length:
            raise forms.ValidationError(f"Use at most {self.text_max_length} characters.")
        return self.convert(text)

    def convert(self, text: str) -> Decimal:
        """Each field says how its text becomes a number (MoneyField, PercentField, ...)."""
        raise NotImplementedError


class MoneyField(_TextNumberField):
    """ "$350,000", "350k" or "350000" to a Decimal, with the reason when it is not money."""

    def convert(self, text):
        try:
            return parse_money(text)
        except InvalidMoney as error:
            raise forms.ValidationError(str(error)) from error


class PercentField(_TextNumberField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def convert(self, text):
        text = text.replace("%", "").strip()
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise forms.ValidationError(f"'{text[:10]}' is not a number; write 6.5 for 6.5%.") from error
        if not number.is_finite():
            raise forms.ValidationError("Enter a number such as 6.5.")
        return number


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# Engine scenario field -> what-if form field, for the engine's suggestions and its "missing" findings.
SAME_NAME_FIELDS = (
    "as_of", "purpose", "occupancy", "property_type", "units", "state", "zip", "purchase_price",
    "property_value", "down_payment", "loan_amount", "credit_score", "monthly_income", "monthly_debts",
    "monthly_taxes", "monthly_insurance", "monthly_hoa", "interest_rate", "term_months", "first_time_buyer",
    "household_size", "reserves_months", "usda_rural_eligible",
)  # fmt: skip
FORM_FIELD_FOR_ENGINE_FIELD = {
    **{name: name for name in SAME_NAME_FIELDS},
    "county_fips": "zip",
    "veteran": "veteran_eligible",
    "veteran.eligible": "veteran_eligible",
    "veteran.first_use": "veteran_first_use",
    "veteran.funding_fee_exempt": "veteran_funding_fee_exempt",
    "derogatory_events": "event_1_type",
}
# Scenario fields copied as they are (the rest need a conversion, below).
PLAIN_FIELDS = ("purpose", "occupancy", "property_type", "state", "zip")
MONEY_FIELDS = ("purchase_price", "property_value", "down_payment", "loan_amount", "monthly_income",
                "monthly_debts", "monthly_taxes", "monthly_insurance", "monthly_hoa")  # fmt: skip


class WhatIfForm(forms.Form):
    """Every scenario field a loan officer may change. The form *is* the scenario: a field left blank is not
    sent to the engine, which then refers the programs that need it and names the field."""

    as_of = forms.DateField(required=False, label="Assess as of", help_text="Blank means today.",
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    purpose = forms.ChoiceField(choices=PURPOSES, required=False)
    occupancy = forms.ChoiceField(choices=OCCUPANCIES, required=False)
    property_type = forms.ChoiceField(choices=PROPERTY_TYPES, required=False, label="Property type")
    units = forms.TypedChoiceField(choices=UNITS, coerce=int, empty_value=None, required=False)
    zip = forms.CharField(required=False, max_length=10, label="ZIP")
    state = forms.CharField(required=False, max_length=2)
    purchase_price = MoneyField(label="Purchase price")
    property_value = MoneyField(label="Property value")
    down_payment = MoneyField(label="Down payment")
    loan_amount = MoneyField(label="Loan amount")
    credit_score = forms.IntegerField(required=False, label="Credit score")
    monthly_income = MoneyField(label="Monthly income")
    monthly_debts = MoneyField(label="Monthly debts", help_text="Other than housing.")
    monthly_taxes = MoneyField(label="Taxes / month")
    monthly_insurance = MoneyField(label="Insurance / month")
    monthly_hoa = MoneyField(label="HOA / month")
    interest_rate = PercentField(label="Rate %")
    term_months = forms.IntegerField(required=False, label="Term (months)")
    first_time_buyer = forms.ChoiceField(choices=YES_NO_UNKNOWN, required=False, label="First-time buyer")
    veteran_eligible = forms.ChoiceField(choices=YES_NO_UNKNOWN, required=False, label="VA eligible")
    veteran_first_use = forms.ChoiceField(choices=YES_NO, required=False, initial="yes", label="First VA use")
    veteran_funding_fee_exempt = forms.ChoiceField(choices=YES_NO, required=False, initial="no",
                                                   label="Funding fee exempt")  # fmt: skip
    household_size = forms.IntegerField(required=False, label="Household size")
    reserves_months = PercentField(label="Reserves (months)")
    usda_rural_eligible = forms.ChoiceField(choices=YES_NO_UNKNOWN, required=False, label="USDA rural area")
    event_1_type = forms.ChoiceField(choices=EVENT_TYPES, required=False, label="Derogatory event")
    event_1_date = forms.DateField(
        required=False, label="Event date", widget=forms.DateInput(attrs={"type": "date"})
    )
    event_2_type = forms.ChoiceField(choices=EVENT_TYPES, required=False, label="Second event")
    event_2_date = forms.DateField(required=False, label="Second event date",
                                   widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    GROUPS = (
        ("Property and loan", (
            "purpose", "occupancy", "property_type", "units", "zip", "state", "purchase_price",
            "property_value", "down_payment", "loan_amount", "interest_rate", "term_months", "as_of",
        )),
        ("Borrower", (
            "credit_score", "monthly_income", "monthly_debts", "first_time_buyer", "household_size",
            "reserves_months",
        )),
        ("Monthly housing costs", ("monthly_taxes", "monthly_insurance", "monthly_hoa")),
        ("VA, USDA and credit history", (
            "veteran_eligible", "veteran_first_use", "veteran_funding_fee_exempt", "usda_rural_eligible",
            "event_1_type", "event_1_date", "event_2_type", "event_2_date",
        )),
    )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        for row in EVENT_ROWS:
            kind, day = cleaned.get(f"event_{row}_type"), cleaned.get(f"event_{row}_date")
            if kind and not day:
                self.add_error(f"event_{row}_date", "Give the date of the event.")
            elif day and not kind:
                self.add_error(f"event_{row}_type", "Choose what happened on this date.")
        return cleaned

    def scenario_overrides(self) -> dict:
        """Engine field -> value for every field the form holds; None means "not given" (removed)."""
        data = self.cleaned_data
        overrides: dict = {name: (data.get(name) or None) for name in PLAIN_FIELDS}
        if overrides["state"]:
            overrides["state"] = overrides["state"].upper()
        for name in MONEY_FIELDS:
            overrides[name] = str(data[name]) if data.get(name) is not None else None
        overrides["as_of"] = data["as_of"].isoformat() if data.get("as_of") else None
        overrides["units"] = data.get("units")
        overrides["credit_score"] = data.get("credit_score")
        overrides["interest_rate"] = (
            float(data["interest_rate"]) if data.get("interest_rate") is not None else None
        )
        overrides["term_months"] = data.get("term_months")
        overrides["household_size"] = data.get("household_size")
        reserves = data.get("reserves_months")
        overrides["reserves_months"] = float(reserves) if reserves is not None else None
        overrides["first_time_buyer"] = _yes_no(data.get("first_time_buyer", ""))
        overrides["usda_rural_eligible"] = _yes_no(data.get("usda_rural_eligible", ""))
        eligible = _yes_no(data.get("veteran_eligible", ""))
        if eligible is None:
            overrides["veteran"] = None
        elif eligible:
            overrides["veteran"] = {
                "eligible": True,
                "first_use": data.get("veteran_first_use", "yes") != "no",
                "funding_fee_exempt": data.get("veteran_funding_fee_exempt") == "yes",
            }
        else:
            overrides["veteran"] = {"eligible": False}
        events = [
            {"type": data[f"event_{row}_type"], "date": data[f"event_{row}_date"].isoformat()}
            for row in EVENT_ROWS
            if data.get(f"event_{row}_type") and data.get(f"event_{row}_date")
        ]
        overrides["derogatory_events"] = events or None
        return overrides

    @classmethod
    def initial_from_scenario(cls, scenario: dict) -> dict:
        """The form's values for a scenario, so what the loan officer sees is what was assessed."""
        initial: dict = {
            name: scenario[name] for name in PLAIN_FIELDS + MONEY_FIELDS if scenario.get(name) is not None
        }
        for name in ("as_of", "units", "credit_score", "interest_rate", "term_months", "household_size",
                     "reserves_months"):  # fmt: skip
            if scenario.get(name) is not None:
                initial[name] = scenario[name]
        for name in ("first_time_buyer", "usda_rural_eligible"):
            if isinstance(scenario.get(name), bool):
                initial[name] = "yes" if scenario[name] else "no"
        veteran = scenario.get("veteran")
        if isinstance(veteran, dict) and isinstance(veteran.get("eligible"), bool):
            initial["veteran_eligible"] = "yes" if veteran["eligible"] else "no"
            initial["veteran_first_use"] = "no" if veteran.get("first_use") is False else "yes"
            initial["veteran_funding_fee_exempt"] = "yes" if veteran.get("funding_fee_exempt") else "no"
        for row, event in zip(EVENT_ROWS, scenario.get("derogatory_events") or [], strict=False):
            initial[f"event_{row}_type"] = event.get("type", "")
            initial[f"event_{row}_date"] = event.get("date", "")
        return initial

    def grouped_fields(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]


# --- The borrower calculator ----------------------------------------------------------------------------

CALCULATOR_PROPERTY_TYPES = [("single_family", "House"), ("condo", "Condo"), ("townhouse", "Townhouse"),
                             ("manufactured", "Manufactured home")]  # fmt: skip
MAX_HOUSEHOLD = 20
ANSWERS_AS_CLEANED = (
    "zip", "purchase_price", "down_payment", "credit_band", "annual_income", "monthly_debts",
    "household_size", "monthly_hoa",
)  # fmt: skip
