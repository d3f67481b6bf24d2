"""Documentation schema for the intake body (the endpoint parses it itself so that nothing is lost)."""

from decimal import Decimal

from ninja import Field, Schema


class ConsentIn(Schema):
    sms: bool = False
    email: bool = False
    calls: bool = False
    text: str = ""
    ip: str | None = None
    user_agent: str | None = None
    page_url: str | None = None
    trusted_form_url: str | None = None
    leadid_token: str | None = None


class LeadIn(Schema):
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = Field(
        default=None, description="Full name, split into first and last when those are absent"
    )
    email: str | None = None
    phone: str | None = Field(
        default=None,
        description="Any common format; national numbers are read in the source's region, and an extension "
        '("ext 3", "x3") is kept apart. An invalid phone beside a valid email keeps the lead, with a warning. '
        'Also accepted as "mobile" or "phone_number".',
    )
    other_phones: list[str] | None = None
    street_address: str | None = Field(default=None, description='Also accepted as "address"')
    city: str | None = None
    state: str | None = Field(
        default=None, description="Two-letter state; read from the ZIP code when absent"
    )
    zip: str | None = Field(default=None, description='Also accepted as "zip_code" or "postal_code"')
    purpose: str | None = None
    loan_type: str | None = None
    property_type: str | None = None
    property_use: str | None = None
    credit_score: int | None = None
    credit_band: str | None = None
    purchase_price: Decimal | str | None = None
    property_value: Decimal | str | None = Field(
        default=None, description='Also accepted as "estimated_value"'
    )
    down_payment: Decimal | str | None = None
    loan_balance: Decimal | str | None = Field(default=None, description='Also accepted as "current_balance"')
    loan_amount: Decimal | str | None = None
    down_payment_percent: Decimal | str | None = Field(
        default=None, description='A percentage: 20, "20%" and "20 %" all mean 20 %'
    )
    cash_out_amount: Decimal | str | None = None
    current_rate: Decimal | str | None = Field(default=None, description="The current note rate, percent")
    rate_type: str | None = Field(default=None, description="fixed or adjustable")
    loan_term: int | str | None = Field(
        default=None, description='Years: 30, "30 years", "15yr"; also accepted as "loan_term_years"'
    )
    timeframe: str | None = None
    first_time_buyer: bool | None = None
    veteran: bool | None = None
    annual_income: Decimal | str | None = None
    monthly_debts: Decimal | str | None = None
    employment_type: str | None = None
    has_real_estate_agent: bool | None = None
    preferred_language: str | None = Field(default=None, description='Also accepted as "language"')
    contact_preference: str | None = None
    referral_partner_email: str | None = Field(
        default=None,
        description="The referring real-estate agent, linked when they are a partner of the lender",
    )
    notes: str | None = Field(default=None, description='Also accepted as "comments" or "message"')
    external_id: str | None = None
    gclid: str | None = None
    campaign: str | None = None
    is_test: bool | None = Field(
        default=None, description="A test lead: marked on the lead and its intake record, left out of reports"
    )
    utm: dict[str, str] | None = None
    consent: dict | None = Field(
        default=None,
        description="Proof of consent: {sms, email, calls (bools), text (the disclosure shown), ip, user_agent, "
        "page_url, trusted_form_url, leadid_token}",
    )
