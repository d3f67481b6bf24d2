"""A loan officer finishes reviewing a borrower document: the document is marked reviewed (document.reviewed is
emitted), the reviewed income goes into the lead's scenario with its provenance on the timeline, the lead is
scored again (by the edit) and the assessment is run again and stored."""

from __future__ import annotations

from decimal import Decimal

from firstcall.documents import services as documents
from firstcall.documents.engine.income import (
    paystub_income,
    qualifying_monthly_income,
    schedule_c_income,
    w2_income,
)
from firstcall.documents.models import Document
from firstcall.eligibility.scenario_from_lead import scenario_from_lead
from firstcall.eligibility.services import assess_and_store
from firstcall.leads.timeline import record_event
from firstcall.pipeline.lead_editing import update_lead_fields


def income_from_document(document: Document):
    values = documents.reviewed_values(document)
    if document.document_type == "paystub":
        figures = paystub_income(values)
    elif document.document_type == "w2":
        year = values.get("w2.tax_year")
        by_year = {int(year): values} if year else {}
        for other in Document.objects.filter(
            lead=document.lead, document_type="w2", status=Document.Status.REVIEWED
        ).exclude(pk=document.pk):
            other_values = documents.reviewed_values(other)
            if other_values.get("w2.tax_year"):
                by_year.setdefault(int(other_values["w2.tax_year"]), other_values)
        figures = w2_income(by_year)
    elif document.document_type == "form_1040":
        figures = schedule_c_income(values)
    else:
        figures = []
    return figures, qualifying_monthly_income(figures)


def finish_review(document: Document, *, actor) -> str:
    document = documents.complete_review(document, actor=actor)
    lead = document.lead
    figures, qualifying = income_from_document(document)
    label = document.get_document_type_display_text()
    if qualifying is None:
        record_event(
            lead,
            "field_changed",
            f"{label} reviewed (document #{document.pk}); no income figure to apply",
            actor=actor,
            data={"document_id": document.pk},
        )
        return f"{label} reviewed."
    annual = (qualifying.amount * 12).quantize(Decimal("0.01"))
    update_lead_fields(
        lead,
        {"annual_income": annual},
        actor=actor,
        reason=f"From reviewed {label} (document #{document.pk}): ${qualifying.amount:,} a month. {qualifying.rule}",
    )
    lead.refresh_from_db()
    assess_and_store(scenario_from_lead(lead), organisation=lead.organisation, lead=lead, actor=actor)
    return f"{label} reviewed; income ${qualifying.amount:,} a month applied to the scenario and the assessment re-run."
