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
    email: str | None = None
    phone: str | None = None
    zip: str | None = None
    purpose: str | None = None
    loan_type: str | None = None
    property_type: str | None = None
    property_use: str | None = None
    credit_score: int | None = None
    credit_band: str | None = None
    purchase_price: Decimal | str | None = None
    property_value: Decimal | str | None = None
    down_payment: Decimal | str | None = None
    loan_balance: Decimal | str | None = None
    timeframe: str | None = None
    first_time_buyer: bool | None = None
    veteran: bool | None = None
    annual_income: Decimal | str | None = None
    monthly_debts: Decimal | str | None = None
    employment_type: str | None = None
    has_real_estate_agent: bool | None = None
    preferred_language: str | None = None
    notes: str | None = None
    external_id: str | None = None
    utm: dict[str, str] | None = None
    consent: dict | None = Field(
        default=None,
        description="Proof of consent: {sms, email, calls (bools), text (the disclosure shown), ip, user_agent, "
        "page_url, trusted_form_url, leadid_token}",
    )
