"""A loan officer finishes reviewing a borrower document: the document is marked reviewed (document.reviewed is
emitted), the reviewed income goes into the lead's scenario with its provenance on the timeline, the lead is
scored again (by the edit) and the assessment is run again and stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from firstcall.documents import services as documents
from firstcall.documents.engine.income import (
    f1099_income,
    paystub_income,
    qualifying_monthly_income,
    schedule_c_income,
    verified_assets,
    w2_income,
)
from firstcall.documents.models import Document
from firstcall.eligibility.engine.errors import ScenarioError
from firstcall.eligibility.scenario_from_lead import scenario_from_lead
from firstcall.eligibility.services import assess_and_store
from firstcall.leads.timeline import record_event
from firstcall.pipeline.lead_editing import update_lead_fields
from firstcall.pipeline.verified_assets import record_verified_assets

F1099_TYPES = ("1099_nec", "1099_misc", "1099_int", "1099_div")


def income_from_document(document: Document):
    """The lead's income from every reviewed document, the one just reviewed included (the lead has one income:
    a 1099 reviewed after a pay stub adds to the stub's figure, never replaces it). The latest pay stub, W-2s by
    year, the latest return's Schedule C and every 1099 count."""
    reviewed = [
        (other, documents.reviewed_values(other))
        for other in Document.objects.filter(lead=document.lead, status=Document.Status.REVIEWED).order_by(
            "created_at", "pk"
        )
    ]
    if document.pk not in {other.pk for other, _values in reviewed}:
        reviewed.append((document, documents.reviewed_values(document)))
    figures = []
    stubs = [values for other, values in reviewed if other.document_type == "paystub"]
    if stubs:
        figures += paystub_income(
            max(
                stubs,
                key=lambda values: str(values.get("paystub.pay_date") or values.get("paystub.period_end")),
            )
        )
    w2_by_year = {}
    for other, values in reviewed:
        if other.document_type == "w2" and values.get("w2.tax_year"):
            w2_by_year[int(values["w2.tax_year"])] = values
    figures += w2_income(w2_by_year)
    returns = [values for other, values in reviewed if other.document_type == "form_1040"]
    if returns:
        figures += schedule_c_income(max(returns, key=lambda values: int(values.get("f1040.tax_year") or 0)))
    figures += f1099_income(
        [(other.document_type, values) for other, values in reviewed if other.document_type in F1099_TYPES]
    )
    return figures, qualifying_monthly_income(figures)


def assets_from_documents(document: Document):
    """The lead's verified assets from every reviewed bank statement, the one just reviewed included."""
    statements = [
        documents.reviewed_values(other)
        for other in Document.objects.filter(
            lead=document.lead, document_type="bank_statement", status=Document.Status.REVIEWED
        ).order_by("created_at", "pk")
    ]
    return verified_assets(statements)


def finish_review(document: Document, *, actor) -> str:
    """Mark the document reviewed, then apply what it changes to the lead (income, verified assets) with the
    rule as the reason on the timeline, and run and store the assessment again."""
    document = documents.complete_review(document, actor=actor)
    lead = document.lead
    label = document.get_document_type_display_text()
    applied = []
    _figures, qualifying = income_from_document(document)
    if qualifying is not None:
        annual = (qualifying.amount * 12).quantize(Decimal("0.01"))
        update_lead_fields(
            lead,
            {"annual_income": annual},
            actor=actor,
            reason=f"From reviewed {label} (document #{document.pk}): ${qualifying.amount:,} a month. "
            f"{qualifying.rule}",
        )
        applied.append(f"income ${qualifying.amount:,} a month")
    if document.document_type == "bank_statement":
        found = assets_from_documents(document)
        if found is not None:
            assets, as_of = found
            record_verified_assets(
                lead,
                assets.amount,
                as_of=date.fromisoformat(as_of) if as_of else None,
                actor=actor,
                reason=f"From reviewed {label} (document #{document.pk}). {assets.rule}",
            )
            applied.append(f"verified assets ${assets.amount:,}")
    if not applied:
        record_event(
            lead,
            "field_changed",
            f"{label} reviewed (document #{document.pk}); no income or asset figure to apply",
            actor=actor,
            data={"document_id": document.pk},
        )
        return f"{label} reviewed."
    lead.refresh_from_db()
    try:
        assess_and_store(scenario_from_lead(lead), organisation=lead.organisation, lead=lead, actor=actor)
    except ScenarioError as error:  # e.g. debts above the income now applied: the lead page shows why
        record_event(
            lead,
            "field_changed",
            f"The assessment could not run after the {label} review: {error}"[:300],
            actor=actor,
            data={"document_id": document.pk},
        )
        return f"{label} reviewed; {' and '.join(applied)} applied, but the assessment could not run: {error}"
    return f"{label} reviewed; {' and '.join(applied)} applied to the scenario and the assessment re-run."
