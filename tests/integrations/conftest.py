"""A lead that knows everything FirstCall can hold, with a co-borrower and a full application, and the command
runner for `firstcall mismo` / `firstcall fnm`."""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from firstcall.integrations.models import LoanApplication
from tests.outside_services import tampa_borrower

SAMPLES = Path(__file__).parent / "samples"

# Every Lead field a loan file can carry, as the round trips must bring them back.
ROUND_TRIP_FIELDS = [
    "first_name", "last_name", "email", "phone", "other_phones", "zip_code", "county", "state", "purpose",
    "loan_type", "property_type", "property_use", "purchase_price", "property_value", "down_payment",
    "loan_balance", "credit_score_low", "credit_score_high", "credit_band", "timeframe", "first_time_buyer",
    "veteran", "annual_income", "monthly_debts", "employment_type", "has_real_estate_agent",
    "contact_preference", "preferred_language",
]  # fmt: skip


def run_command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def run_json(*args) -> tuple[int, dict]:
    code, output = run_command(*args)
    return code, json.loads(output)


@pytest.fixture
def full_lead(organisation, owner):
    lead = tampa_borrower(
        organisation,
        owner=owner,
        other_phones=["+18135550177"],
        county="Hillsborough County",
        loan_type="fha",
        property_type="townhouse",
        property_use="primary",
        purchase_price=Decimal("362500.00"),
        property_value=Decimal("365000.00"),
        down_payment=Decimal("12687.50"),
        credit_score_low=660,
        credit_score_high=699,
        credit_band="good",
        timeframe="30_days",
        first_time_buyer=True,
        veteran=False,
        annual_income=Decimal("130440.00"),
        monthly_debts=Decimal("497.00"),
        employment_type="w2",
        has_real_estate_agent=True,
        contact_preference="sms",
        preferred_language="es",
    )
    LoanApplication.objects.create(
        organisation=organisation,
        lead=lead,
        loan_number="2611-004512",
        data={
            "loan": {"amount": "349812.50", "term_months": 360, "interest_rate": "6.2500", "amortization": "fixed"},
            "property": {"street": "4821 W Bay Villa Ave", "city": "Tampa", "year_built": 1998},
            "borrowers": [
                {
                    "first_name": "Ana", "last_name": "Lopez", "middle_name": "Maria", "birth_date": "1988-04-17",
                    "marital_status": "married", "dependents": 1, "citizenship": "us_citizen",
                    "current_address": {"street": "2210 N Albany Ave", "city": "Tampa", "state": "FL", "zip": "33607"},
                    "employers": [{"name": "Tampa General Hospital", "position": "Registered Nurse",
                                   "start_date": "2017-06-05", "self_employed": False, "phone": "+18135550300",
                                   "street": "1 Tampa General Cir", "city": "Tampa", "state": "FL", "zip": "33606",
                                   "years_in_line_of_work": 10}],
                    "incomes": [{"type": "base", "monthly_amount": "6250.00", "employer": 0},
                                {"type": "overtime", "monthly_amount": "520.00", "employer": 0}],
                    "declarations": {"intent_to_occupy": True, "bankruptcy": False, "outstanding_judgments": False,
                                     "party_to_lawsuit": False, "presently_delinquent": False},
                },
                {
                    "first_name": "Luis", "last_name": "Lopez", "email": "luis.lopez@example.com",
                    "phone": "+17275550188", "marital_status": "married", "citizenship": "permanent_resident",
                    "employers": [{"name": "Lopez Landscaping LLC", "position": "Owner", "start_date": "2019-01-15",
                                   "self_employed": True}],
                    "incomes": [{"type": "base", "monthly_amount": "4100.00", "employer": 0}],
                    "declarations": {"intent_to_occupy": True, "homeowner_past_three_years": False},
                },
            ],
            "assets": [
                {"type": "checking", "institution": "Suncoast Community Bank", "account_number": "000123456789",
                 "value": "18250.55", "borrowers": [0, 1]},
                {"type": "retirement", "institution": "Fidelity", "account_number": "RT-55501", "value": "42000.00",
                 "borrowers": [0]},
            ],
            "liabilities": [
                {"type": "installment", "creditor": "Toyota Motor Credit", "account_number": "4400-1234",
                 "monthly_payment": "412.00", "unpaid_balance": "14980.00", "months_left": 38, "paid_off": False,
                 "borrowers": [1]},
                {"type": "revolving", "creditor": "Capital One", "monthly_payment": "85.00",
                 "unpaid_balance": "2310.00", "paid_off": False, "borrowers": [0]},
            ],
        },
    )  # fmt: skip
    return lead


def lead_values(lead) -> dict:
    lead.refresh_from_db()
    return {name: getattr(lead, name) for name in ROUND_TRIP_FIELDS}
