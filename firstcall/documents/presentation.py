"""What the templates show: documents with their state, fields with labels and boxes as page percentages."""

from __future__ import annotations

from decimal import Decimal

from firstcall.documents.engine import income
from firstcall.documents.models import TYPE_LABELS, Document, ExtractedField
from firstcall.documents.needs import needs_for

F1099_TYPES = ("1099_nec", "1099_misc", "1099_int", "1099_div")

FIELD_LABELS = {
    "w2.tax_year": "Tax year",
    "w2.employer_name": "Employer",
    "w2.employer_ein": "Employer EIN",
    "w2.employee_name": "Employee",
    "w2.employee_ssn_last4": "SSN (last four)",
    "w2.box1_wages": "Box 1 wages",
    "w2.box2_federal_tax": "Box 2 federal tax withheld",
    "w2.box3_ss_wages": "Box 3 Social Security wages",
    "w2.box4_ss_tax": "Box 4 Social Security tax",
    "w2.box5_medicare_wages": "Box 5 Medicare wages",
    "w2.box6_medicare_tax": "Box 6 Medicare tax",
    "w2.box12": "Box 12",
    "w2.box16_state_wages": "Box 16 state wages",
    "paystub.employer_name": "Employer",
    "paystub.employee_name": "Employee",
    "paystub.period_start": "Period start",
    "paystub.period_end": "Period end",
    "paystub.pay_date": "Pay date",
    "paystub.pay_frequency": "Pay frequency",
    "paystub.gross_current": "Gross pay this period",
    "paystub.gross_ytd": "Gross pay year to date",
    "paystub.net_pay": "Net pay",
    "paystub.regular_hours": "Regular hours",
    "paystub.regular_rate": "Regular rate",
    "paystub.pretax_deductions": "Pre-tax deductions",
    "bank.institution": "Bank",
    "bank.account_holders": "Account holders",
    "bank.account_last4": "Account (last four)",
    "bank.period_start": "Period start",
    "bank.period_end": "Period end",
    "bank.beginning_balance": "Beginning balance",
    "bank.ending_balance": "Ending balance",
    "bank.total_deposits": "Total deposits",
    "bank.total_withdrawals": "Total withdrawals",
    "bank.deposits": "Deposits",
    "bank.nsf_events": "NSF / overdraft events",
    "f1040.tax_year": "Tax year",
    "f1040.filing_status": "Filing status",
    "f1040.wages_1z": "Wages (line 1z)",
    "f1040.agi_11": "Adjusted gross income (line 11)",
    "f1040.taxable_income_15": "Taxable income (line 15)",
    "f1040.total_tax_24": "Total tax (line 24)",
    "schedule_c.net_profit_31": "Schedule C net profit (line 31)",
    "schedule_c.gross_receipts_1": "Schedule C gross receipts (line 1)",
    "schedule_e.total_rental_26": "Schedule E rental total (line 26)",
    "f1099.tax_year": "Tax year",
    "f1099.payer_name": "Payer",
    "f1099.recipient_name": "Recipient",
    "f1099.nonemployee_compensation": "Box 1 nonemployee compensation",
    "f1099.rents": "Box 1 rents",
    "f1099.royalties": "Box 2 royalties",
    "f1099.other_income": "Box 3 other income",
    "f1099.interest_income": "Box 1 interest income",
    "f1099.us_bond_interest": "Box 3 interest on U.S. Savings Bonds and Treasury obligations",
    "f1099.ordinary_dividends": "Box 1a total ordinary dividends",
    "f1099.qualified_dividends": "Box 1b qualified dividends",
    "f1099.federal_tax_withheld": "Box 4 federal income tax withheld",
    "mortgage.principal_balance": "Principal balance",
    "mortgage.payment_amount": "Payment amount",
}
METHOD_LABELS = {"form_field": "form field", "text_layer": "text layer", "ocr": "OCR"}


def display_value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        if not value:
            return "none"
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append(" ".join(str(part) for part in item.values()))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(value)


def field_rows(document: Document) -> list[dict]:
    rows = []
    sizes = document.page_sizes or []
    for field in document.fields.select_related("reviewed_by").prefetch_related("reviews__actor"):
        box = None
        if field.bbox and field.page and field.page <= len(sizes):
            width, height = sizes[field.page - 1]
            x0, top, x1, bottom = field.bbox
            pad = 2
            box = {
                "left": round(max(0, (x0 - pad) / width * 100), 2),
                "top": round(max(0, (top - pad) / height * 100), 2),
                "width": round((x1 - x0 + 2 * pad) / width * 100, 2),
                "height": round((bottom - top + 2 * pad) / height * 100, 2),
            }
        rows.append(
            {
                "field": field,
                "label": FIELD_LABELS.get(field.name, field.name),
                "value": display_value(field.value),
                "final": display_value(field.final_value)
                if field.status != ExtractedField.Status.PENDING
                else "",
                "confidence": round(field.confidence * 100),
                "low_confidence": field.confidence < 0.9,
                "method": METHOD_LABELS.get(field.method, field.method),
                "page": field.page,
                "box": box,
                "is_list": isinstance(field.value, list),
                "reviews": list(field.reviews.all()[:5]),
            }
        )
    return rows


def panel_context(lead, *, notices=(), errors=()) -> dict:
    documents = list(Document.objects.filter(lead=lead).select_related("uploaded_by"))
    return {
        "lead": lead,
        "documents": [
            {"document": document, "label": TYPE_LABELS.get(document.document_type, "Document")}
            for document in documents
        ],
        "busy": any(not document.is_settled for document in documents),
        "needs": needs_for(lead),
        "notices": list(notices),
        "errors": list(errors),
    }


def current_values(document: Document) -> dict:
    """Each field as it stands: the reviewed value once decided (rejected ones dropped), else as read."""
    values = {}
    for field in document.fields.all():
        if field.status == ExtractedField.Status.PENDING:
            values[field.name] = field.value
        elif field.status != ExtractedField.Status.REJECTED:
            values[field.name] = field.final_value
    return values


def figures_for(document: Document) -> dict:
    """Income or asset figures from the document with their rules, and deposits that need an explanation."""
    values = current_values(document)
    large = []
    if document.document_type == "paystub":
        figures = income.paystub_income(values)
    elif document.document_type == "w2" and values.get("w2.tax_year"):
        figures = income.w2_income({int(values["w2.tax_year"]): values})
    elif document.document_type == "form_1040":
        figures = income.schedule_c_income(values)
    elif document.document_type in F1099_TYPES:
        # A 1099's income needs the year before too: the lead's other reviewed 1099s are counted with it.
        others = Document.objects.filter(
            lead_id=document.lead_id, document_type__in=F1099_TYPES, status=Document.Status.REVIEWED
        ).exclude(pk=document.pk)
        forms = [(other.document_type, current_values(other)) for other in others]
        figures = income.f1099_income([*forms, (document.document_type, values)])
    elif document.document_type == "bank_statement":
        annual = document.lead.annual_income
        monthly = (Decimal(annual) / 12) if annual else None
        figures, large = income.bank_assets(values, monthly)
    else:
        figures = []
    return {
        "figures": [
            {
                "label": figure.name.replace("_", " ").capitalize(),
                "amount": figure.amount,
                "rule": figure.rule,
            }
            for figure in figures
        ],
        "large_deposits": large,
    }
