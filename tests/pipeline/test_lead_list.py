"""The lead list (/leads/): search, filters, sort, pages, saved views, bulk actions and the audited CSV export."""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from workspace_helpers import make_lead, snapshot, stage_named

from firstcall.accounts.models import AuditEvent, Notification, User
from firstcall.cadences.models import Enrolment
from firstcall.messaging.models import Message
from firstcall.web.models import SavedView
from tests.conftest import make_user


def names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<td data-label="Borrower"><a href="/leads/\d+/">([^<]+)</a>', html)


def listing(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("lead_list"), params)
    assert response.status_code == 200
    return response


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# --------------------------------------------------------------------------------------------- search


def test_search_matches_name_email_and_phone_digits(client, organisation, owner):
    make_lead(organisation, owner=owner, first_name="Ana", last_name="Lopez", email="ana@example.com",
              phone="+18135550199")  # fmt: skip
    make_lead(organisation, owner=owner, first_name="Bruno", last_name="Carvalho", email="bc@example.org",
              phone="+14075550123")  # fmt: skip

    assert names(listing(client, owner, q="lopez")) == ["Ana Lopez"]
    assert names(listing(client, owner, q="ANA LOP")) == ["Ana Lopez"]
    assert names(listing(client, owner, q="example.org")) == ["Bruno Carvalho"]
    assert names(listing(client, owner, q="(813) 555-0199")) == ["Ana Lopez"]
    assert names(listing(client, owner, q="0123")) == ["Bruno Carvalho"]
    assert names(listing(client, owner, q="nobody")) == []


def test_search_never_reaches_leads_the_person_may_not_see(client, organisation, other_organisation, owner,
                                                          teammate):  # fmt: skip
    make_lead(organisation, owner=teammate, first_name="Hidden", last_name="Lopez")
    make_lead(other_organisation, first_name="Elsewhere", last_name="Lopez")

    assert names(listing(client, owner, q="lopez")) == []


# ---------------------------------------------------------------------------------- filters, sort, pages


def test_filters_and_sort(client, organisation, owner, manager):
    small = make_lead(organisation, owner=owner, first_name="Small", purchase_price=Decimal("100000"),
                      down_payment=Decimal("0"), score=40, score_tier="cold")  # fmt: skip
    big = make_lead(organisation, owner=owner, first_name="Big", purchase_price=Decimal("900000"),
                    down_payment=Decimal("100000"), score=90, score_tier="hot", stage="Lost")  # fmt: skip
    refi = make_lead(
        organisation, owner=None, first_name="Refi", kind="refinance", loan_balance=Decimal("300000")
    )

    def first_names(**params):
        return [name.split()[0] for name in names(listing(client, manager, **params))]

    assert first_names(sort="amount") == ["Big", "Refi", "Small"]
    assert first_names(sort="score")[:2] == ["Big", "Small"]
    assert first_names(status="lost") == ["Big"]
    assert first_names(status="open", sort="name") == sorted(["Refi", "Small"], key=lambda n: {
        "Refi": refi.last_name, "Small": small.last_name}[n])  # fmt: skip
    assert first_names(owner="none") == ["Refi"]
    assert first_names(stage=stage_named(organisation, "Lost").pk) == ["Big"]
    assert first_names(score_tier="hot") == ["Big"]
    assert big.pk  # noqa: B018


def test_pages_of_fifty_keep_the_filters(client, organisation, owner):
    for _ in range(53):
        make_lead(organisation, owner=owner, score_tier="warm")
    make_lead(organisation, owner=owner, score_tier="cold")

    first = listing(client, owner, score_tier="warm")
    second = listing(client, owner, score_tier="warm", page=2)

    assert len(names(first)) == 50 and len(names(second)) == 3
    assert 'href="?score_tier=warm&amp;page=2"' in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()


def test_the_list_runs_the_same_number_of_queries_for_5_or_50_leads(client, organisation, owner, manager):
    sam = make_user(organisation, "sam")

    def count_queries(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("lead_list"), {"q": "example", "sort": "amount"}).status_code == 200
        return len(queries)

    def add(number):
        for index in range(number):
            lead = make_lead(
                organisation, owner=owner if index % 2 else None, stage=["New", "Lost"][index % 2]
            )
            lead.shared_with.add(sam)

    add(5)
    few = (count_queries(owner), count_queries(manager))
    add(45)
    many = (count_queries(owner), count_queries(manager))

    assert few == many


# -------------------------------------------------------------------------------------------- saved views


def test_saved_views_keep_only_known_filters_and_belong_to_their_owner(client, organisation, owner, teammate):
    client.force_login(owner)

    response = client.post(
        reverse("saved_view_create"),
        {"name": "Hot FHA", "query": "score_tier=hot&loan_type=fha&evil=<script>&owner=999999"},
    )

    saved = SavedView.objects.get(user=owner)
    assert (saved.name, saved.query_string) == ("Hot FHA", "loan_type=fha&score_tier=hot")
    assert response.url == "/leads/?loan_type=fha&score_tier=hot"
    html = client.get(reverse("lead_list")).content.decode()
    assert 'href="/leads/?loan_type=fha&amp;score_tier=hot"' in html

    client.force_login(teammate)
    assert client.post(reverse("saved_view_delete", args=[saved.pk])).status_code == 404
    assert SavedView.objects.filter(pk=saved.pk).exists()
    client.force_login(owner)
    client.post(reverse("saved_view_delete", args=[saved.pk]))
    assert not SavedView.objects.filter(pk=saved.pk).exists()


def test_saving_under_the_same_name_replaces_the_view(client, organisation, owner):
    client.force_login(owner)
    client.post(reverse("saved_view_create"), {"name": "Mine", "query": "score_tier=hot"})
    client.post(reverse("saved_view_create"), {"name": "Mine", "query": "score_tier=cold"})

    assert list(SavedView.objects.filter(user=owner).values_list("query_string", flat=True)) == [
        "score_tier=cold"
    ]


# ------------------------------------------------------------------------------------------- bulk actions


def bulk(client, user, **data):
    client.force_login(user)
    return client.post(reverse("lead_bulk_action"), data)


def test_a_manager_assigns_leads_in_bulk(client, organisation, owner, teammate, manager):
    leads = [make_lead(organisation, owner=owner) for _ in range(3)]

    response = bulk(client, manager, action="assign", owner=teammate.pk, lead=[lead.pk for lead in leads])

    assert response.status_code == 302
    assert {lead.owner_id for lead in leads for lead in [lead.__class__.objects.get(pk=lead.pk)]} == {
        teammate.pk
    }
    assert all(lead.timeline.filter(kind="assigned", actor=manager).exists() for lead in leads)


def test_bulk_assign_sends_the_receiving_officer_one_summary_alert(
    client, organisation, owner, teammate, manager
):
    leads = [make_lead(organisation, owner=owner, first_name=name) for name in ("Ana", "Ben", "Cara")]

    bulk(
        client, manager, action="assign", owner=teammate.pk, lead=[lead.pk for lead in leads], reason="cover"
    )

    [alert] = Notification.objects.filter(user=teammate)
    assert alert.title == f"3 leads assigned to you by {manager}"
    assert all(lead.full_name in alert.body for lead in leads) and "Reason: cover" in alert.body
    assert alert.url == f"/leads/?owner={teammate.pk}&sort=updated"
    texts_and_emails = Message.objects.filter(recipient_user=teammate, purpose=Message.Purpose.ALERT)
    assert sorted(texts_and_emails.values_list("channel", flat=True)) == ["email", "sms"]
    assert all(message.lead_id is None for message in texts_and_emails)
    assert not Notification.objects.filter(user=owner).exists()
    # The link opens the officer's own list with the leads just handed over on top.
    client.force_login(teammate)
    listed = names(client.get(alert.url))
    assert set(listed[:3]) == {lead.full_name for lead in leads}


def test_the_alert_strip_links_a_summary_alert_to_its_list(client, organisation, owner, teammate, manager):
    leads = [make_lead(organisation, owner=owner) for _ in range(2)]
    bulk(client, manager, action="assign", owner=teammate.pk, lead=[lead.pk for lead in leads])

    client.force_login(teammate)
    strip = client.get(reverse("notifications")).content.decode()

    assert f'<a href="/leads/?owner={teammate.pk}&amp;sort=updated">Open</a>' in strip


@time_machine.travel(datetime(2026, 3, 10, 16, 0, tzinfo=UTC), tick=False)  # noon in Tampa: inside the window
def test_bulk_assign_of_one_lead_sends_the_usual_new_lead_alert(
    client, organisation, owner, teammate, manager
):
    lead = make_lead(organisation, owner=owner, phone="+18135550123", consent_calls=True)

    bulk(client, manager, action="assign", owner=teammate.pk, lead=[lead.pk])

    [alert] = Notification.objects.filter(user=teammate)
    assert alert.lead_id == lead.pk and alert.title == f"New lead: {lead.full_name}"
    sms = Message.objects.get(recipient_user=teammate, channel="sms")
    assert "tel:+18135550123" in sms.body


def test_leads_already_with_the_officer_are_left_alone_and_not_announced(
    client, organisation, owner, teammate, manager
):
    theirs = make_lead(organisation, owner=teammate)
    before = snapshot(theirs)
    moved = [make_lead(organisation, owner=owner) for _ in range(2)]

    bulk(client, manager, action="assign", owner=teammate.pk, lead=[theirs.pk, *(lead.pk for lead in moved)])

    assert snapshot(theirs) == before
    [alert] = Notification.objects.filter(user=teammate)
    assert alert.title.startswith("2 leads assigned") and theirs.full_name not in alert.body


def test_a_loan_officer_cannot_assign_and_nothing_changes(client, organisation, owner, teammate):
    lead = make_lead(organisation, owner=owner)
    before = snapshot(lead)

    response = bulk(client, owner, action="assign", owner=teammate.pk, lead=[lead.pk])

    assert response.status_code == 403
    assert snapshot(lead) == before


def test_bulk_actions_skip_leads_the_person_cannot_see(client, organisation, owner, teammate, manager):
    mine = make_lead(organisation, owner=owner)
    hidden = make_lead(organisation, owner=teammate)
    before = snapshot(hidden)

    bulk(
        client,
        owner,
        action="stage",
        stage=stage_named(organisation, "Contacted").pk,
        lead=[mine.pk, hidden.pk],
    )

    mine.refresh_from_db()
    assert mine.stage.name == "Contacted"
    assert snapshot(hidden) == before


def test_bulk_stage_change_to_lost_needs_a_reason(client, organisation, owner):
    leads = [make_lead(organisation, owner=owner) for _ in range(2)]
    lost = stage_named(organisation, "Lost")
    before = [snapshot(lead) for lead in leads]

    bulk(client, owner, action="stage", stage=lost.pk, lead=[lead.pk for lead in leads])
    assert [snapshot(lead) for lead in leads] == before

    bulk(
        client,
        owner,
        action="stage",
        stage=lost.pk,
        lost_reason="Duplicate",
        lead=[lead.pk for lead in leads],
    )
    for lead in leads:
        lead.refresh_from_db()
        assert (lead.stage, lead.lost_reason) == (lost, "Duplicate")


def test_bulk_stage_change_skips_leads_of_another_pipeline(client, organisation, owner):
    purchase = make_lead(organisation, owner=owner)
    refinance = make_lead(organisation, owner=owner, kind="refinance")
    before = snapshot(refinance)

    response = bulk(client, owner, action="stage", stage=stage_named(organisation, "Qualified").pk,
                    lead=[purchase.pk, refinance.pk])  # fmt: skip

    purchase.refresh_from_db()
    assert purchase.stage.name == "Qualified"
    assert snapshot(refinance) == before
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["1 lead moved to Qualified.", "1 not changed: in another pipeline than Purchase."]


def test_bulk_enrol_in_a_cadence(client, organisation, owner):
    from tests.cadences.cadence_helpers import build_cadence, sms, wait

    cadence = build_cadence(organisation, [wait(1), sms("Hi {first_name}")], name="Nurture")
    leads = [make_lead(organisation, owner=owner, consent_sms=True) for _ in range(2)]

    bulk(client, owner, action="enrol", cadence=cadence.pk, lead=[lead.pk for lead in leads])

    assert Enrolment.objects.filter(cadence=cadence, lead__in=leads).count() == 2


# -------------------------------------------------------------------------------------------- export


def test_export_of_selected_leads_is_audited_and_has_every_staff_column(client, organisation, owner):
    lead = make_lead(organisation, owner=owner, first_name="=HYPERLINK(\"http://x\")", annual_income=Decimal("85000"),
                     credit_band="good")  # fmt: skip
    make_lead(organisation, owner=owner)

    response = bulk(client, owner, action="export", lead=[lead.pk])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="leads-')
    rows = csv_rows(response)
    assert len(rows) == 1
    assert rows[0]["first_name"] == '\'=HYPERLINK("http://x")'  # never a live formula in a spreadsheet
    assert rows[0]["phone"] == lead.phone  # a plain E.164 number stays as it is
    assert rows[0]["annual_income"] == "85000"
    assert rows[0]["credit_band"] == "good"
    assert rows[0]["loan_amount"] == "337750.00"
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.detail["what"], event.detail["count"]) == (owner, "leads.csv", 1)
    assert event.detail["selection"] == "selected"


def test_a_referral_partner_gets_no_export(client, organisation, owner):
    partner = make_user(organisation, "paula", role=User.Role.PARTNER)
    make_lead(organisation, owner=owner, referral_partner=partner, annual_income=Decimal("85000"), credit_band="good",
              credit_score_low=700, credit_score_high=719, monthly_debts=Decimal("900"))  # fmt: skip

    response = bulk(client, partner, action="export", everything="1", query="")

    assert response.status_code == 403 and "text/csv" not in response.get("Content-Type", "")
    assert "85000" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_of_everything_matching_uses_the_list_filters(client, organisation, owner):
    make_lead(organisation, owner=owner, score_tier="hot")
    make_lead(organisation, owner=owner, score_tier="hot")
    make_lead(organisation, owner=owner, score_tier="cold")

    response = bulk(client, owner, action="export", everything="1", query="score_tier=hot")

    assert len(csv_rows(response)) == 2
    event = AuditEvent.objects.get(action="export")
    assert event.detail == {
        "what": "leads.csv",
        "count": 2,
        "filters": "score_tier=hot",
        "selection": "all matching",
    }


@pytest.mark.parametrize("action", ["assign", "stage", "enrol"])
def test_bulk_actions_without_a_choice_change_nothing(action, client, organisation, owner, manager):
    lead = make_lead(organisation, owner=owner)
    before = snapshot(lead)

    response = bulk(client, manager, action=action, lead=[lead.pk])

    assert response.status_code == 302
    assert snapshot(lead) == before
