"""Field-level change log for leads: who, when, old → new, with encrypted fields masked."""

from decimal import Decimal

import pytest
from account_helpers import make_lead

from firstcall.leads.models import TimelineEvent
from firstcall.pipeline.changelog import TRACKED_FIELDS, record_field_changes, snapshot


@pytest.fixture
def lead(organisation, owner):
    return make_lead(
        organisation,
        owner=owner,
        loan_type="fha",
        purchase_price=Decimal("350000.00"),
        annual_income=Decimal("85000"),
    )


def test_changed_fields_are_recorded_with_old_and_new_values(lead, owner):
    before = snapshot(lead)
    lead.phone = "+18135550123"
    lead.loan_type = "va"
    lead.purchase_price = Decimal("362500.00")
    lead.veteran = True
    lead.save()

    event = record_field_changes(lead, before, snapshot(lead), actor=owner, reason="Borrower called back")

    assert event.kind == TimelineEvent.Kind.FIELD_CHANGED and event.actor == owner
    assert event.data == {
        "changes": {
            "phone": ["+18135550177", "+18135550123"],
            "loan_type": ["fha", "va"],
            "purchase_price": ["350000.00", "362500.00"],
            "veteran": [None, True],
        },
        "reason": "Borrower called back",
    }
    assert event.summary == "Changed phone, loan type, purchase price, veteran: Borrower called back"
    assert lead.timeline.filter(kind=TimelineEvent.Kind.FIELD_CHANGED).count() == 1


def test_encrypted_fields_show_that_they_changed_but_not_their_values(lead, owner):
    before = snapshot(lead)
    lead.annual_income = Decimal("91000")
    lead.monthly_debts = Decimal("1200")
    lead.save()

    event = record_field_changes(lead, before, snapshot(lead), actor=owner)

    assert event.data == {
        "changes": {"annual_income": ["(hidden)", "(changed)"], "monthly_debts": [None, "(changed)"]}
    }
    stored = TimelineEvent.objects.filter(pk=event.pk).values_list("data", "summary").get()
    assert "85000" not in str(stored) and "91000" not in str(stored) and "1200" not in str(stored)


def test_related_people_are_named_not_numbered(lead, owner, teammate):
    before = snapshot(lead)
    lead.processor = teammate
    lead.save()

    event = record_field_changes(lead, before, snapshot(lead), actor=owner)

    assert event.data["changes"] == {"processor": [None, "Theo"]}


def test_nothing_changed_writes_nothing(lead, owner):
    before = snapshot(lead)
    lead.save()

    assert record_field_changes(lead, before, snapshot(lead), actor=owner) is None
    assert not lead.timeline.exists()


def test_snapshot_is_plain_json_data_and_needs_no_queries(lead, django_assert_num_queries):
    with django_assert_num_queries(0):
        values = snapshot(lead)

    assert set(values) == set(TRACKED_FIELDS)
    assert values["purchase_price"] == "350000.00" and values["other_phones"] == []
    assert snapshot(lead, ["email", "state"]) == {"email": "zelda.q@example.com", "state": "FL"}
