"""Bulk enrolment from the lead list's selection: each selected lead goes through the enrolment service on its own;
the ones it refuses are named with the reason, leads the person may not work are counted but neither named nor
changed, and only published cadences are offered."""

import pytest
from django.urls import reverse
from workspace_helpers import make_lead, snapshot

from firstcall.accounts.models import User
from firstcall.cadences.enrolment import enrol
from firstcall.cadences.models import Enrolment
from firstcall.web.workspace.bulk_report import enrolment_report
from tests.cadences.cadence_helpers import build_cadence, sms, wait
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _enrol(client, user, cadence, leads):
    client.force_login(user)
    return client.post(
        reverse("lead_bulk_action"),
        {"action": "enrol", "cadence": cadence.pk, "lead": [lead.pk for lead in leads]},
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_selected_leads_are_enrolled_and_the_refused_are_named_with_the_reason(client, organisation, owner):
    cadence = build_cadence(organisation, [wait(1), sms("Hi {first_name}")], name="Nurture")
    fresh = make_lead(organisation, owner=owner, first_name="Ana", consent_sms=True)
    already = make_lead(organisation, owner=owner, first_name="Ben", consent_sms=True)
    lost = make_lead(organisation, owner=owner, first_name="Cy", stage="Lost", lost_reason="Went elsewhere")
    enrol(already, cadence)
    someone_else = make_user(organisation, "zed")
    hidden = make_lead(organisation, owner=someone_else, first_name="Hidden")
    hidden_before = snapshot(hidden)

    response = _enrol(client, owner, cadence, [fresh, already, lost, hidden])

    assert Enrolment.objects.filter(cadence=cadence, lead=fresh).count() == 1
    assert Enrolment.objects.filter(cadence=cadence, lead=already).count() == 1
    assert not Enrolment.objects.filter(lead__in=[lost, hidden]).exists()
    assert snapshot(hidden) == hidden_before
    success, warning = _messages(response)
    assert success == "1 lead enrolled in Nurture."
    assert warning.startswith("3 not enrolled in Nurture. ")
    assert f"{already.full_name}: The lead is already in Nurture" in warning
    assert f"{lost.full_name}: The lead is lost; Nurture stops for closed leads" in warning
    assert "1 you may not work" in warning and "Hidden" not in warning


def test_a_cadence_that_is_not_published_is_not_offered_and_enrols_nobody(client, organisation, owner):
    draft = build_cadence(organisation, [sms("Hi")], name="Draft plan", publish=False)
    lead = make_lead(organisation, owner=owner, consent_sms=True)
    client.force_login(owner)
    page = client.get(reverse("lead_list")).content.decode()
    assert "Draft plan" not in page
    _enrol(client, owner, draft, [lead])
    assert not Enrolment.objects.exists()


def test_a_partner_cannot_enrol_leads_they_referred(client, organisation, owner):
    cadence = build_cadence(organisation, [sms("Hi")], name="Nurture")
    partner = make_user(organisation, "pat", role=User.Role.PARTNER)
    lead = make_lead(organisation, owner=owner, referral_partner=partner, consent_sms=True)
    client.force_login(partner)
    assert "Enrol in a cadence" not in client.get(reverse("lead_list")).content.decode()
    _enrol(client, partner, cadence, [lead])
    assert not Enrolment.objects.exists()


def test_the_report_names_at_most_five_and_counts_the_rest():
    skipped = {pk: "The lead is already in Nurture." for pk in range(1, 8)}
    names = {pk: f"Borrower {pk}" for pk in range(1, 8)}
    report = enrolment_report("Nurture", skipped, names, missing=2)
    assert report.startswith("9 not enrolled in Nurture. Borrower 1: The lead is already in Nurture; ")
    assert report.endswith("Borrower 5: The lead is already in Nurture; 2 more; 2 you may not work.")
    assert enrolment_report("Nurture", {}, {}) is None
