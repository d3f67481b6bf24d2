"""A reviewed bank statement's ending balance becomes the lead's verified assets (through the pipeline's
service, on the timeline with its rule), the assessment counts them as months of reserves and changes."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from firstcall.documents.corpus.generate import one
from firstcall.documents.engine.income import verified_assets
from firstcall.documents.models import Document
from firstcall.eligibility.scenario_from_lead import lead_scenario
from firstcall.leads.models import TimelineEvent
from firstcall.pipeline.verified_assets import record_verified_assets
from tests.outside_services import tampa_borrower

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _document_storage(settings, tmp_path):
    settings.DOCUMENTS_DIR = str(tmp_path / "documents")
    settings.DOCUMENT_ENCRYPTION_KEY = "test-document-key"


@pytest.fixture
def lead(organisation, owner):
    # An investment home: Fannie Mae asks for six months of reserves (conventional.reserves).
    return tampa_borrower(
        organisation,
        owner=owner,
        first_name="Dana",
        last_name="Whitfield",
        purpose="purchase",
        purchase_price=Decimal("400000"),
        down_payment=Decimal("100000"),
        credit_score_low=740,
        credit_score_high=759,
        property_type="single_family",
        property_use="investment",
        annual_income=Decimal("150000"),
        monthly_debts=Decimal("400"),
    )


def _reserves_check(assessment):
    program = next(p for p in assessment.result["programs"] if p["program"] == "conventional")
    return next(check for check in program["checks"] if check["rule"] == "conventional.reserves")


def test_the_latest_statement_of_each_account_is_added_up():
    figure, as_of = verified_assets(
        [
            {"bank.account_last4": "1111", "bank.period_end": "2026-01-31", "bank.ending_balance": "5000.00"},
            {"bank.account_last4": "1111", "bank.period_end": "2026-02-28", "bank.ending_balance": "6000.00"},
            {"bank.account_last4": "2222", "bank.period_end": "2026-02-15", "bank.ending_balance": "1500.50"},
            {"bank.account_last4": "3333", "bank.period_end": "2026-02-15"},  # balance rejected in review
        ]
    )
    assert figure.amount == Decimal("7500.50") and as_of == "2026-02-15"
    assert "x1111 $6,000.00" in figure.rule and "B3-4.1-01" in figure.rule
    assert verified_assets([{"bank.account_last4": "1111"}]) is None


def test_verified_assets_become_months_of_reserves_in_the_scenario(lead, owner):
    assert "reserves_months" not in lead_scenario(lead).scenario
    event = record_verified_assets(
        lead, Decimal("150000"), as_of=date(2026, 2, 28), actor=owner, reason="From a reviewed statement."
    )
    assert event.data["changes"]["verified_assets"] == [
        None,
        "(changed)",
    ]  # the amount is not on the timeline
    lead.refresh_from_db()
    built = lead_scenario(lead)
    # 150,000 - 100,000 down = 50,000 over 1,896.20 P&I (300,000 at 6.5 %, 30 years) + 366.67 taxes
    # + 166.67 insurance = 2,429.54 a month: 20.5 months (rounded down).
    assert built.scenario["reserves_months"] == "20.5"
    assert "closing costs are not deducted" in built.assumption_for("reserves_months").message
    assert (
        record_verified_assets(lead, Decimal("150000"), as_of=date(2026, 2, 28), actor=owner, reason="")
        is None
    )


def test_reviewing_a_bank_statement_writes_assets_to_the_lead_and_the_assessment_changes(
    client, owner, lead, run_worker, django_capture_on_commit_callbacks
):
    from firstcall.eligibility.scenario_from_lead import scenario_from_lead
    from firstcall.eligibility.services import assess_and_store

    before = assess_and_store(scenario_from_lead(lead), organisation=lead.organisation, lead=lead)
    assert _reserves_check(before)["outcome"] == "refer"  # reserves unknown
    sample = one("bank_statement", 0, seed=3, name="Dana Whitfield", today=TODAY)
    client.force_login(owner)
    handle = io.BytesIO(sample.pdf)
    handle.name = "statement.pdf"
    with time_machine.travel(TODAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/leads/{lead.pk}/documents/upload/", {"files": [handle]})
        run_worker()
        document = Document.objects.get(lead=lead)
        assert document.document_type == "bank_statement" and document.status == "needs_review"
        ending = document.fields.get(name="bank.ending_balance")
        assert Decimal(ending.value) == sample.truth["bank.ending_balance"]
        client.post(f"/documents/{document.pk}/accept-all/")
        # The loan officer corrects the balance to the one on the borrower's latest statement page.
        client.post(
            f"/documents/{document.pk}/fields/{ending.pk}/", {"action": "corrected", "value": "150,000.00"}
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/documents/{document.pk}/complete/")
    lead.refresh_from_db()
    assert lead.verified_assets == Decimal("150000.00")
    assert lead.verified_assets_as_of == date.fromisoformat(str(sample.truth["bank.period_end"]))
    event = TimelineEvent.objects.filter(lead=lead, data__changes__has_key="verified_assets").get()
    assert f"document #{document.pk}" in event.data["reason"] and "B3-4.1-01" in event.data["reason"]
    after = lead.assessments.order_by("-id").first()
    assert after.pk != before.pk and after.scenario["reserves_months"] == "20.5"
    check = _reserves_check(after)
    assert check["outcome"] == "pass" and "20.5 months" in check["message"]
