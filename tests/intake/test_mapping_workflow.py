"""The mapping language's arithmetic and splitting (pure), and the admin's loop: test a draft on a pasted
sample, see the values a source sent that were left unread, fix the mapping, read the accepted records again
(their leads updated in place, once)."""

import json
from decimal import Decimal

import pytest

from firstcall.intake.mapping import MappingError, compile_mapping, map_payload
from firstcall.intake.services import replay_intake
from firstcall.leads.models import IntakeRecord, Lead, TimelineEvent
from firstcall.leads.sources import create_source


def test_compute_adds_converts_and_reads_payload_paths():
    payload = {"Loan": {"Amount": "$300,000", "DownPct": "25"}, "TermMonths": "180"}
    result = map_payload(payload, {"fields": {
        "loan_amount": {"paths": ["Loan.Amount"], "transform": "money"},
        "down_payment_percent": {"paths": ["Loan.DownPct"], "transform": "percent"},
        "purchase_price": {"compute": "loan_amount / (1 - down_payment_percent / 100)"},
        "down_payment": {"compute": "purchase_price - loan_amount"},
        "loan_term": {"compute": "{TermMonths} / 12"},
    }})  # fmt: skip
    submission = result.submission
    assert submission.purchase_price == Decimal("400000.00") and submission.down_payment == Decimal(
        "100000.00"
    )
    assert submission.loan_term == Decimal("15.00") and result.unknown_fields == {}


def test_compute_with_a_missing_operand_falls_back_to_the_default():
    result = map_payload({}, {"fields": {"purchase_price": {"compute": "loan_amount + 1", "default": "1"}}})
    assert result.submission.purchase_price == "1"


@pytest.mark.parametrize(
    "expression", ["__import__('os')", "loan_amount ** 2", "not_a_field + 1", "[1, 2]", "loan_amount +"]
)
def test_compute_refuses_anything_but_arithmetic(expression):
    with pytest.raises(MappingError) as raised:
        compile_mapping({"fields": {"purchase_price": {"compute": expression}}})
    assert "compute" in raised.value.errors[0]


def test_split_takes_a_part_or_the_rest():
    rules = {"fields": {
        "first_name": {"paths": ["Name"], "split": ",", "index": -1},
        "last_name": {"paths": ["Name"], "split": ",", "index": 0},
        "notes": {"paths": ["Words"], "split": None, "index": "rest"},
    }}  # fmt: skip
    submission = map_payload({"Name": "Lopez, Ana", "Words": "one two three"}, rules).submission
    assert (submission.first_name, submission.last_name, submission.notes) == ("Ana", "Lopez", "two three")


def test_a_percentage_typed_down_payment_is_never_dollars():
    rules = {"fields": {"down_payment": {"paths": ["Down"], "transform": "percent"}}}
    submission = map_payload({"Down": "20"}, rules).submission
    assert submission.down_payment is None and submission.down_payment_percent == Decimal("20.000")


@pytest.fixture
def vendor_source(organisation):
    source, issued = create_source(organisation, channel="vendor_post", name="Rate Shoppers")
    source.raw_key = issued["secret"]
    return source


def post_lead(client, source, body):
    return client.post(
        f"/hooks/post/{source.pk}/", data=json.dumps(body), content_type="application/json",
        headers={"X-Api-Key": source.raw_key},
    )  # fmt: skip


def test_test_with_a_sample_shows_the_lead_before_saving(client, admin_user, vendor_source):
    client.force_login(admin_user)
    draft = {"fields": {"full_name": "Applicant.Name", "phone": "Applicant.Cell",
                        "purchase_price": {"compute": "{Loan.Amount} + {Loan.Down}"}}}  # fmt: skip
    sample = "<Lead><Applicant><Name>Ana Lopez</Name><Cell>813-555-0199</Cell></Applicant>" \
             "<Loan><Amount>280000</Amount><Down>70000</Down><When>whenever</When></Loan></Lead>"  # fmt: skip
    response = client.post(f"/sources/{vendor_source.pk}/mapping/", {
        "mapping": json.dumps(draft), "sample": sample, "sample_format": "xml", "action": "preview",
    })  # fmt: skip
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.is_sample and preview.problem == ""
    assert (
        preview.normalised["purchase_price"] == "350000.00" and preview.normalised["phone"] == "+18135550199"
    )
    assert preview.unknown_fields == {"Loan.When": "whenever"}
    assert "Preview of the pasted sample" in response.content.decode()
    vendor_source.refresh_from_db()
    assert (
        vendor_source.field_mapping == {} and not IntakeRecord.objects.exists() and not Lead.objects.exists()
    )


def test_unmapped_values_are_listed_then_mapped_and_the_leads_updated_once(client, admin_user, vendor_source):
    for number in range(2):
        response = post_lead(client, vendor_source, {
            "FirstName": f"Ana{number}", "Phone": f"813555019{number}", "Timeframe": "when the lease ends",
            "Program": "VA IRRRL", "Favourite": "blue",
        })  # fmt: skip
        assert response.status_code == 201
    lead = Lead.objects.order_by("pk").first()
    assert lead.timeframe == "unknown" and lead.intake_warnings[0]["field"] == "timeframe"

    client.force_login(admin_user)
    page = client.get(f"/sources/{vendor_source.pk}/mapping/")
    warned = {(entry.field, entry.value): entry.count for entry in page.context["warned_values"]}
    assert warned == {("timeframe", "when the lease ends"): 2}
    assert [(entry.field, entry.count) for entry in page.context["unread_fields"]] == [("Favourite", 2)]
    assert page.context["records_to_read_again"] == 2
    assert "when the lease ends" in page.content.decode()

    fixed = {"fields": {"timeframe": {"map": {"when the lease ends": "6_months"}}}, "ignore": ["Favourite"]}
    client.post(f"/sources/{vendor_source.pk}/mapping/", {"mapping": json.dumps(fixed), "action": "save"})
    client.post(f"/sources/{vendor_source.pk}/mapping/", {"action": "read_again"})
    lead.refresh_from_db()
    assert lead.timeframe == "6_months" and lead.intake_warnings == [] and lead.loan_type == "va"
    record = IntakeRecord.objects.filter(lead=lead).get()
    assert (
        record.warnings == []
        and record.unknown_fields == {}
        and record.status == IntakeRecord.Status.ACCEPTED
    )
    changed = TimelineEvent.objects.filter(lead=lead, kind=TimelineEvent.Kind.FIELD_CHANGED)
    assert changed.count() == 1

    # Again: nothing left to read, nothing changes, no second event.
    page = client.get(f"/sources/{vendor_source.pk}/mapping/")
    assert page.context["records_to_read_again"] == 0
    result = replay_intake(record)
    assert result.outcome == "reprocessed"
    assert changed.count() == 1 and Lead.objects.count() == 2
