"""Loan applications in and out: a lead (and its stored LoanApplication) as the standard files' application shape,
and an imported file's application as a lead (created or merged through capture(), the one door)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation
from firstcall.integrations.application import (
    CENT,
    LEAD_EXTRA_FIELDS,
    contract_summary,
    empty_application,
    empty_borrower,
    from_json,
    to_json,
    total_monthly_debts,
    total_monthly_income,
)
from firstcall.integrations.errors import FileRejected
from firstcall.integrations.models import LoanApplication
from firstcall.leads.models import Channel, IntakeRecord, Lead
from firstcall.leads.services import capture
from firstcall.leads.submission import LeadSubmission

STANDARD_MORTGAGE_TYPES = ("conventional", "fha", "va", "usda")
# What a lead's employment type means as an income item when only the total is known.
INCOME_TYPE_FOR_EMPLOYMENT = {
    "w2": "base",
    "self_employed": "base",
    "military": "military_base_pay",
    "retired": "pension",
    "other": "other",
}


def application_for_lead(lead: Lead) -> dict:
    """The lead's application: the stored one (co-borrowers, assets...) with the lead's own fields on top,
    because the lead is where people edit them."""
    stored = LoanApplication.objects.filter(lead=lead).first()
    application = from_json(stored.data) if stored and stored.data else empty_application()
    if stored and stored.loan_number:
        application["loan"]["loan_number"] = stored.loan_number
    if not application["borrowers"]:
        application["borrowers"].append(empty_borrower())
    primary = application["borrowers"][0]
    primary.update(first_name=lead.first_name, last_name=lead.last_name, email=lead.email, phone=lead.phone,
                   other_phones=list(lead.other_phones or []))  # fmt: skip
    if lead.veteran is not None:
        primary["veteran"] = lead.veteran
        if lead.veteran and not primary.get("military_status"):
            primary["military_status"] = "veteran"
    if lead.first_time_buyer is not None:
        primary["first_time_buyer"] = lead.first_time_buyer
    if not any(b.get("incomes") for b in application["borrowers"]) and lead.annual_income is not None:
        monthly = (Decimal(lead.annual_income) / 12).quantize(CENT, ROUND_HALF_UP)
        kind = INCOME_TYPE_FOR_EMPLOYMENT.get(lead.employment_type, "other")
        primary["incomes"] = [{"type": kind, "monthly_amount": monthly,
                               "employer": 0 if primary.get("employers") else None}]  # fmt: skip

    loan = application["loan"]
    loan["purpose"] = lead.purpose
    if lead.loan_type in STANDARD_MORTGAGE_TYPES:
        loan["mortgage_type"] = lead.loan_type
    elif lead.loan_type == "jumbo":
        loan["mortgage_type"] = "conventional"
    if loan.get("amount") is None:
        loan["amount"] = _derived_loan_amount(lead)

    prop = application["property"]
    prop.update(zip=lead.zip_code, state=lead.state, county=lead.county, value=lead.property_value,
                purchase_price=lead.purchase_price, type=lead.property_type, use=lead.property_use,
                existing_lien_balance=lead.loan_balance)  # fmt: skip
    if lead.property_type == "multi_family" and not prop.get("units"):
        prop["units"] = 2
    application["down_payment"] = lead.down_payment

    application["lead"] = {name: getattr(lead, name) for name in LEAD_EXTRA_FIELDS}
    if lead.owner_id:
        owner = lead.owner
        application["loan_officer"] = {
            "name": owner.get_full_name() or owner.username,
            "first_name": owner.first_name,
            "last_name": owner.last_name,
            "nmls_id": owner.nmls_id,
            "email": owner.email,
            "phone": owner.phone,
        }
    application["lender"] = {**application.get("lender", {}), "name": lead.organisation.name}
    return application


def _derived_loan_amount(lead: Lead) -> Decimal | None:
    if lead.purpose == "purchase" and lead.purchase_price is not None and lead.down_payment is not None:
        return Decimal(lead.purchase_price) - Decimal(lead.down_payment)
    if (
        lead.purpose in ("rate_term_refinance", "cash_out_refinance", "heloc")
        and lead.loan_balance is not None
    ):
        return Decimal(lead.loan_balance)
    return None


def lead_fields(application: dict) -> dict:
    """The Lead fields an application sets (FirstCall's values), for the contract and for capture()."""
    borrowers = application["borrowers"]
    primary = borrowers[0] if borrowers else empty_borrower()
    loan, prop, extra = application["loan"], application["property"], application["lead"]
    address = primary.get("current_address") or {}
    fields = {
        "first_name": primary.get("first_name", ""),
        "last_name": primary.get("last_name", ""),
        "email": primary.get("email", ""),
        "phone": primary.get("phone", ""),
        "other_phones": list(primary.get("other_phones") or []),
        "zip_code": prop.get("zip") or address.get("zip", ""),
        "state": prop.get("state") or address.get("state", ""),
        "purpose": loan.get("purpose", ""),
        "loan_type": extra.get("loan_type") or (loan.get("mortgage_type") if loan.get("mortgage_type") in
                                                 STANDARD_MORTGAGE_TYPES else "not_sure"),
        "property_type": prop.get("type", ""),
        "property_use": prop.get("use", ""),
        "purchase_price": prop.get("purchase_price"),
        "property_value": prop.get("value"),
        "down_payment": application.get("down_payment"),
        "loan_balance": prop.get("existing_lien_balance"),
    }  # fmt: skip
    if fields["down_payment"] is None and loan.get("purpose") == "purchase":
        if prop.get("purchase_price") is not None and loan.get("amount") is not None:
            fields["down_payment"] = prop["purchase_price"] - loan["amount"]
    for name in LEAD_EXTRA_FIELDS:
        if name != "loan_type" and extra.get(name) is not None:
            fields[name] = extra[name]
    if "annual_income" not in fields:
        monthly = total_monthly_income(application)
        if monthly is not None:
            fields["annual_income"] = monthly * 12
    if "monthly_debts" not in fields:
        debts = total_monthly_debts(application)
        if debts is not None:
            fields["monthly_debts"] = debts
    return fields


@dataclass
class ImportOutcome:
    application: dict
    fields: dict
    unplaced: list[str]
    problems: list[str] = field(default_factory=list)
    lead: Lead | None = None
    outcome: str = ""

    def contract(self) -> dict:
        lead = {key: _plain(value) for key, value in self.fields.items()}
        if self.lead is not None:
            lead = {"id": self.lead.pk, "outcome": self.outcome, **lead}
        return {"lead": lead, **contract_summary(self.application), "unplaced": self.unplaced,
                "problems": self.problems}  # fmt: skip


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def import_application(
    application: dict,
    *,
    unplaced: list[str],
    problems: list[str],
    imported_from: str,
    organisation: Organisation | None = None,
    create: bool = False,
    raw: str = "",
) -> ImportOutcome:
    """Read-only unless `create`: then the borrower becomes a lead (or an inquiry on the matching lead) through
    capture(), and the whole application is kept with it."""
    fields = lead_fields(application)
    outcome = ImportOutcome(application=application, fields=fields, unplaced=unplaced, problems=problems)
    if not create:
        return outcome
    if organisation is None:
        raise FileRejected("organisation_needed", "An organisation is needed to create a lead.")
    now = timezone.now()
    # The file is kept as an intake record first, so a borrower capture() refuses is not lost.
    record = IntakeRecord.objects.create(
        organisation=organisation,
        channel=Channel.MANUAL,
        method="FILE",
        path=f"{imported_from} import",
        content_type="application/xml" if imported_from == "mismo" else "text/plain",
        body=raw[:65536],
        body_size=len(raw),
        is_body_truncated=len(raw) > 65536,
        received_at=now,
    )
    loan_number = application["loan"].get("loan_number", "")
    result = capture(
        _submission(fields, loan_number=loan_number, kind=imported_from),
        organisation=organisation,
        intake_record=record,
    )
    if not result.is_accepted:
        problems = "; ".join(f"{name}: {', '.join(messages)}" for name, messages in result.errors.items())
        raise FileRejected(
            "not_a_lead", f"Intake record #{record.pk}: the borrower cannot be a lead: {problems}"
        )
    lead = result.lead
    with transaction.atomic():
        # capture() derives credit bands and ranges from one score; the file's own values are kept as they were.
        exact = {name: fields[name] for name in ("credit_score_low", "credit_score_high", "credit_band")
                 if fields.get(name) is not None}  # fmt: skip
        if exact:
            Lead.objects.filter(pk=lead.pk).update(**exact, updated_at=now)
            lead.refresh_from_db()
        stored_application = to_json(application)
        stored_application["lead"] = {}  # the lead holds these now
        LoanApplication.objects.update_or_create(
            lead=lead,
            defaults={
                "organisation": organisation,
                "loan_number": loan_number,
                "data": stored_application,
                "imported_from": imported_from,
                "unplaced": unplaced,
                "imported_at": now,
                "updated_at": now,
            },
        )
    outcome.lead, outcome.outcome = lead, result.outcome
    return outcome


def _submission(fields: dict, *, loan_number: str, kind: str) -> LeadSubmission:
    credit = fields.get("credit_score_low")
    return LeadSubmission(
        first_name=fields.get("first_name"),
        last_name=fields.get("last_name"),
        email=fields.get("email") or None,
        phone=fields.get("phone") or None,
        other_phones=fields.get("other_phones") or [],
        zip=fields.get("zip_code") or None,
        state=fields.get("state") or None,
        preferred_language=fields.get("preferred_language"),
        contact_preference=fields.get("contact_preference"),
        purpose=fields.get("purpose") or None,
        loan_type=fields.get("loan_type") or None,
        property_type=fields.get("property_type") or None,
        property_use=fields.get("property_use") or None,
        purchase_price=fields.get("purchase_price"),
        property_value=fields.get("property_value"),
        down_payment=fields.get("down_payment"),
        loan_balance=fields.get("loan_balance"),
        credit_score=credit,
        credit_band=fields.get("credit_band") or None,
        timeframe=fields.get("timeframe"),
        first_time_buyer=fields.get("first_time_buyer"),
        veteran=fields.get("veteran"),
        annual_income=fields.get("annual_income"),
        monthly_debts=fields.get("monthly_debts"),
        employment_type=fields.get("employment_type") or None,
        has_real_estate_agent=fields.get("has_real_estate_agent"),
        # The LOS's loan number identifies the application: importing the same file twice is one lead.
        external_id=f"{kind}:{loan_number}" if loan_number else None,
    )
