"""1099s: the key boxes are read from generated forms (real pdfplumber, and Tesseract on a degraded scan), and
the income rules use them only with a two-year history, citing the rule."""

import io
import json
import random
from decimal import Decimal

import pytest

from firstcall.documents.corpus.degrade import degrade
from firstcall.documents.corpus.generate import one
from firstcall.documents.corpus.score import score_fields
from firstcall.documents.engine import read_file
from firstcall.documents.engine.income import f1099_income, paystub_income, qualifying_monthly_income
from firstcall.documents.models import Document
from firstcall.leads.models import TimelineEvent
from tests.outside_services import tampa_borrower

BOXES = {
    "1099_nec": {"f1099.nonemployee_compensation", "f1099.federal_tax_withheld"},
    "1099_misc": {"f1099.rents", "f1099.royalties", "f1099.other_income", "f1099.federal_tax_withheld"},
    "1099_int": {"f1099.interest_income", "f1099.us_bond_interest", "f1099.federal_tax_withheld"},
    "1099_div": {"f1099.ordinary_dividends", "f1099.qualified_dividends", "f1099.federal_tax_withheld"},
}


@pytest.mark.parametrize("layout", range(8))
def test_each_1099_is_classified_and_its_boxes_read_from_irs_and_statement_layouts(layout):
    sample = one("1099", layout, seed=20 + layout)
    result = read_file(sample.pdf).as_json("1099.pdf")
    assert result["document_type"] == sample.document_type
    assert BOXES[sample.document_type] <= set(sample.truth)
    scored = score_fields(sample.truth, result["fields"])
    assert scored["wrong"] == [] and scored["tp"] == len(sample.truth)
    assert {result["fields"][name]["method"] for name in BOXES[sample.document_type]} == {"text_layer"}


def test_a_scanned_1099_nec_is_read_with_tesseract():
    sample = one("1099", 0, seed=5)
    scan, _info = degrade(sample.pdf, random.Random(3), as_pdf=False)
    result = read_file(scan).as_json("1099.jpg")
    assert result["document_type"] == "1099_nec"
    found = result["fields"]["f1099.nonemployee_compensation"]
    assert found["method"] == "ocr"
    assert Decimal(found["value"]) == sample.truth["f1099.nonemployee_compensation"]
    assert score_fields(sample.truth, result["fields"])["confident_wrong"] == 0


def _nec(year, amount):
    return ("1099_nec", {"f1099.tax_year": year, "f1099.nonemployee_compensation": amount})


def test_one_year_of_1099_nec_income_is_listed_but_never_used_to_qualify():
    figures = f1099_income([_nec(2024, "36000.00")])
    assert [figure.name for figure in figures] == ["monthly_1099_self_employment_one_year"]
    assert figures[0].amount == Decimal("3000.00")
    assert "B3-3.2-01" in figures[0].rule and "not used to qualify" in figures[0].rule
    assert qualifying_monthly_income(figures) is None


def test_two_years_of_1099_nec_are_averaged_and_a_decline_uses_the_lower_year():
    rising = {f.name: f for f in f1099_income([_nec(2023, "30000.00"), _nec(2024, "36000.00")])}
    assert rising["monthly_1099_self_employment_income"].amount == Decimal("2750.00")  # 66,000 / 24
    falling = {
        f.name: f
        for f in f1099_income(
            # two payers in 2023 add up to 48,000
            [_nec(2023, "40000.00"), _nec(2023, "8000.00"), _nec(2024, "36000.00")]
        )
    }
    figure = falling["monthly_1099_self_employment_income"]
    assert figure.amount == Decimal("3000.00")  # the lower 2024: 36,000 / 12, not the 3,500 average
    assert "Declining" in figure.rule and "B3-3.2-01" in figure.rule
    # Years that are not consecutive are not a two-year history.
    gap = f1099_income([_nec(2022, "30000.00"), _nec(2024, "36000.00")])
    assert [f.name for f in gap] == ["monthly_1099_self_employment_one_year"]


def test_interest_and_dividends_are_averaged_over_two_years_and_added_to_wages():
    forms = [
        ("1099_int", {"f1099.tax_year": 2023, "f1099.interest_income": "1200.00"}),
        ("1099_div", {"f1099.tax_year": 2023, "f1099.ordinary_dividends": "1200.00"}),
        ("1099_int", {"f1099.tax_year": 2024, "f1099.interest_income": "1800.00"}),
        ("1099_div", {"f1099.tax_year": 2024, "f1099.ordinary_dividends": "1200.00"}),
    ]
    figures = {f.name: f for f in f1099_income(forms)}
    average = figures["monthly_interest_dividend_income"]
    assert average.amount == Decimal("225.00")  # (2,400 + 3,000) / 24
    assert "B3-3.1-09" in average.rule
    wages = paystub_income({"paystub.gross_current": "3000.00", "paystub.pay_frequency": "semimonthly"})
    total = qualifying_monthly_income(wages + list(figures.values()))
    assert total.amount == Decimal("6225.00") and "B3-3.1-09" in total.rule


def test_1099_misc_rents_are_listed_as_not_used():
    figures = f1099_income(
        [("1099_misc", {"f1099.tax_year": 2024, "f1099.rents": "12000.00", "f1099.royalties": "0.00"})]
    )
    assert [f.name for f in figures] == ["monthly_1099_misc_not_used"]
    assert "Schedule E" in figures[0].rule and "B3-3.1-08" in figures[0].rule
    assert qualifying_monthly_income(figures) is None


@pytest.fixture(autouse=True)
def _document_storage(settings, tmp_path):
    settings.DOCUMENTS_DIR = str(tmp_path / "documents")
    settings.DOCUMENT_ENCRYPTION_KEY = "test-document-key"


def _upload_and_review(client, lead, sample, run_worker, capture):
    handle = io.BytesIO(sample.pdf)
    handle.name = "1099.pdf"
    with capture(execute=True):
        client.post(f"/leads/{lead.pk}/documents/upload/", {"files": [handle]})
    run_worker()
    document = Document.objects.filter(lead=lead).first()
    assert document.status == Document.Status.NEEDS_REVIEW and document.document_type == "1099_nec"
    client.post(f"/documents/{document.pk}/accept-all/")
    with capture(execute=True):
        client.post(f"/documents/{document.pk}/complete/")
    document.refresh_from_db()
    assert document.status == Document.Status.REVIEWED
    return document


def test_two_reviewed_years_of_1099_nec_change_the_lead_income_and_the_first_alone_does_not(
    client, owner, organisation, run_worker, django_capture_on_commit_callbacks
):
    lead = tampa_borrower(
        organisation,
        owner=owner,
        first_name="Dana",
        last_name="Whitfield",
        purchase_price=Decimal("400000"),
        down_payment=Decimal("40000"),
        credit_score_low=720,
        credit_score_high=739,
        property_type="single_family",
        property_use="primary",
        annual_income=Decimal("30000"),
        monthly_debts=Decimal("400"),
    )
    client.force_login(owner)
    first = one("1099", 0, seed=37, name="Dana Whitfield", tax_year=2023)
    second = one("1099", 0, seed=46, name="Dana Whitfield", tax_year=2024)
    assert first.truth["f1099.nonemployee_compensation"] == Decimal("44895.77")
    assert second.truth["f1099.nonemployee_compensation"] == Decimal("58413.09")
    _upload_and_review(client, lead, first, run_worker, django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.annual_income == Decimal("30000.00")  # one year is not a history
    page = client.get(f"/documents/{Document.objects.get().pk}/").content.decode()
    assert "not used to qualify" in page and "B3-3.2-01" in page

    _upload_and_review(client, lead, second, run_worker, django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.annual_income == Decimal("4304.54") * 12  # (44,895.77 + 58,413.09) / 24 a month
    event = TimelineEvent.objects.filter(lead=lead, kind="field_changed").first()
    assert "B3-3.2-01" in json.dumps(event.data) + event.summary
    assert lead.assessments.exists()
